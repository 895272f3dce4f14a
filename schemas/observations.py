"""Vital-sign observations taken before a call, as entered on the pre-call form.

Every reading is optional: a missing reading is "not taken", never zero. Readings outside
physiologically plausible bounds are refused with the range and unit in the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from schemas.codes import Consciousness


@dataclass(frozen=True)
class Plausible:
    """Annotation: refuse a reading outside [low, high], naming the range and unit."""

    low: float
    high: float
    unit: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(minimum=self.low, maximum=self.high)
        return json_schema

    def check(self, value: float) -> float:
        if not self.low <= value <= self.high:  # also refuses NaN
            raise ValueError(
                f"{value} is outside the plausible range {self.low:g}–{self.high:g} {self.unit}"
            )
        return value


class Observations(BaseModel):
    """One set of NEWS2 observations; ``None`` means the reading was not taken."""

    model_config = ConfigDict(extra="forbid")

    respiration_rate: Annotated[int, Plausible(0, 80, "breaths/min")] | None = None
    spo2: Annotated[int, Plausible(50, 100, "%")] | None = None
    spo2_scale: Literal[1, 2] = 1
    """Scale 2 only for hypercapnic respiratory failure, set per resident by a clinician."""
    on_oxygen: bool | None = None
    systolic_bp: Annotated[int, Plausible(40, 300, "mmHg")] | None = None
    pulse: Annotated[int, Plausible(20, 250, "beats/min")] | None = None
    consciousness: Consciousness | None = None
    temperature: Annotated[float, Plausible(25.0, 45.0, "°C")] | None = None

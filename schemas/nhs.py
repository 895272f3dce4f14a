"""NHS number validation, on the maintained ``nhs-number`` package."""

from __future__ import annotations

from typing import Annotated

import nhs_number
from pydantic import AfterValidator


def normalise_nhs_number(value: str) -> str:
    """Return the ten digits of a valid NHS number, or raise ValueError saying why not."""
    digits = nhs_number.standardise_format(str(value).strip())
    if not digits:
        raise ValueError("an NHS number is 10 digits, optionally written 3-3-4 with spaces")
    if not nhs_number.is_valid(digits):
        raise ValueError("this is not a valid NHS number (the check digit does not match)")
    return digits


def is_synthetic(digits: str) -> bool:
    """True for the 900-999 range, which is never issued to a patient."""
    return digits[0] == "9"


def format_nhs_number(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


NhsNumber = Annotated[str, AfterValidator(normalise_nhs_number)]

"""A Gold Line call's outcome at wrap-up: required for a Gold Line call, refused for any
other, and consistent with the disposition where an existing disposition fits it
(``schemas.palliative.GOLD_LINE_FITS``)."""

from __future__ import annotations

from hub.errors import InvalidInput
from schemas.codes import Channel, Disposition
from schemas.palliative import GoldLineOutcome


def check_gold_line_close(
    channel: str, outcome: GoldLineOutcome | None, disposition: Disposition
) -> None:
    if channel == Channel.GOLD_LINE and outcome is None:
        raise InvalidInput(
            "Select the Gold Line outcome: what the call led to", field="gold_line_outcome"
        )
    if channel != Channel.GOLD_LINE and outcome is not None:
        raise InvalidInput(
            "Only a Gold Line call records a Gold Line outcome", field="gold_line_outcome"
        )
    if outcome is not None and outcome.fits and disposition not in outcome.fits:
        fitting = ", ".join(sorted(d.label.lower() for d in outcome.fits))
        raise InvalidInput(
            f"{outcome.label} goes with the disposition {fitting}", field="gold_line_outcome"
        )

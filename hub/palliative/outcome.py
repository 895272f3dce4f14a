"""A Gold Line call's outcome at wrap-up: required for a Gold Line call, refused for any
other, and consistent with the disposition where an existing disposition fits it
(``schemas.palliative.GOLD_LINE_FITS``). The rule is ``schemas.palliative.gold_line_problem``,
which the call import applies to a row too."""

from __future__ import annotations

from hub.errors import InvalidInput
from schemas.codes import Disposition
from schemas.palliative import GoldLineOutcome, gold_line_problem


def check_gold_line_close(
    channel: str, outcome: GoldLineOutcome | None, disposition: Disposition
) -> None:
    problem = gold_line_problem(channel, outcome, disposition)
    if problem is not None:
        raise InvalidInput(problem, field="gold_line_outcome")

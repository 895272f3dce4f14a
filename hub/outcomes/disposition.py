"""A disposition says what happened clinically, never how the connection went: the wrap-up
(HTTP and the websocket's ``call/close``, both through :class:`~hub.outcomes.outcome.
OutcomeService`) and an amendment refuse the codes that are not clinical. A call that failed
and was finished by phone records its clinical disposition; its failure is its call-quality
record (``call/quality``, ended by failure), counted apart (docs/report-method.md §3a)."""

from __future__ import annotations

from hub.errors import InvalidInput
from schemas.codes import Disposition

NOT_CLINICAL = (
    "{label} is not a clinical outcome: record what happened clinically (a call finished by "
    "phone records what was decided on the phone); a failed connection is counted apart, "
    "from the call-quality record"
)


def check_clinical(disposition: Disposition | str) -> None:
    code = Disposition(disposition)
    if not code.is_clinical:
        raise InvalidInput(NOT_CLINICAL.format(label=code.label), field="disposition")

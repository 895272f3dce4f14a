"""Who may change a call's clinical record after it is closed, and record its follow-up.

- **Amendments** (disposition, nurse counterfactual, an addendum to the note): the nurse who
  closed the call (who recorded its outcome), or a clinical lead (``clinical_lead``). Nobody
  else: not a hub administrator, not a specialist, not another nurse.
- **The 72-hour follow-up** (which confirms or refutes what the call claimed, and so moves
  the commissioners' figures): a hub nurse (the follow-up is the team's worklist) or a
  clinical lead; never a hub administrator.

Every refusal is written to the audit trail by the transport's one refusal writer.
"""

from __future__ import annotations

from hub.errors import Forbidden
from hub.storage.scope import Scope
from schemas.codes import Role

AMENDERS = frozenset({Role.HUB_NURSE, Role.CLINICAL_LEAD})
"""The roles that may ask to amend; a nurse may amend only the calls she closed."""
FOLLOW_UP_RECORDERS = frozenset({Role.HUB_NURSE, Role.CLINICAL_LEAD})


def may_amend(scope: Scope, closed_by: int | None) -> bool:
    if scope.role is Role.CLINICAL_LEAD:
        return True
    return scope.role is Role.HUB_NURSE and scope.user_id is not None and scope.user_id == closed_by


def require_amender(scope: Scope, closed_by: int | None) -> None:
    if not may_amend(scope, closed_by):
        raise Forbidden("Only the nurse who closed this call, or a clinical lead, may amend it")


def require_follow_up_recorder(scope: Scope) -> None:
    if scope.role not in FOLLOW_UP_RECORDERS:
        raise Forbidden("Only a hub nurse or a clinical lead may record a follow-up")

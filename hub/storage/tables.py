"""SQLModel tables: the hub's persistent record. Table models never travel on the wire.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``.
Indexes serve the queries the live queue and the monthly reports run.

The tables are declared by aggregate in ``tables_people``, ``tables_calls``,
``tables_messages``, ``tables_audit``, ``tables_activity``, ``tables_hub``,
``tables_clinics`` and ``tables_palliative``. Importing this module puts every one of them on
the one metadata (the migrations are checked against it); the storage layer imports tables
from here.
"""

from __future__ import annotations

from .tables_activity import (
    HospitalActivity,
    SiteMonth,
)
from .tables_audit import (
    AuditChainHead,
    AuditEvent,
)
from .tables_calls import (
    Amendment,
    Call,
    CallEvent,
    CallParticipant,
    CallQualityReport,
    Escalation,
    FollowUpTask,
    Outcome,
    WrapUpDraft,
)
from .tables_clinics import (
    Appointment,
    ClinicSession,
    ClinicSlot,
)
from .tables_hub import (
    HubProcess,
    ShiftPresence,
)
from .tables_messages import (
    Message,
    Photo,
    ReadCursor,
    ThreadCounter,
)
from .tables_palliative import Death, PalliativeEntry
from .tables_people import (
    Device,
    Organisation,
    Person,
    Ticket,
    User,
    WebSession,
)

__all__ = [
    "Amendment",
    "Appointment",
    "AuditChainHead",
    "AuditEvent",
    "Call",
    "CallEvent",
    "CallParticipant",
    "CallQualityReport",
    "ClinicSession",
    "ClinicSlot",
    "Death",
    "Device",
    "Escalation",
    "FollowUpTask",
    "HospitalActivity",
    "HubProcess",
    "Message",
    "Organisation",
    "Outcome",
    "PalliativeEntry",
    "Person",
    "Photo",
    "ReadCursor",
    "ShiftPresence",
    "SiteMonth",
    "ThreadCounter",
    "Ticket",
    "User",
    "WebSession",
    "WrapUpDraft",
]

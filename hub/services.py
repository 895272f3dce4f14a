"""Every domain service, built once in one place and reached through one typed key.

HTTP handlers read ``request.app[SERVICES].calls`` and so on; websocket command handlers
read the same object from their ``CommandContext``. Nothing builds a service per request.
A new service is one field here and one line in :func:`build_services`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from hub.appointments.service import AppointmentService
from hub.appointments.waiting import WaitingRoom
from hub.audit.service import AuditService
from hub.auth.service import IdentityService
from hub.auth.throttle import Throttle
from hub.broker.base import Broker
from hub.broker.fanout import Fanout
from hub.calls.announce import Announcer
from hub.calls.lifecycle import CallService
from hub.calls.on_call_alert import OnCallAlert
from hub.calls.participants import ParticipantService
from hub.calls.retriage import RetriageService
from hub.calls.timers import CallTimers
from hub.clock import Clock
from hub.echo.service import EchoService
from hub.imports.service import ImportService
from hub.messages.service import MessageService
from hub.outcomes.advice import AdviceService
from hub.outcomes.followups import FollowUpService
from hub.outcomes.outcome import OutcomeService
from hub.outcomes.record import CallRecordService
from hub.outcomes.shift import ShiftService
from hub.outcomes.wrapup import WrapUpService
from hub.palliative.register import PalliativeService
from hub.records import RecordsService
from hub.reports.engine import ReportService
from hub.settings import HubSettings
from hub.storage.engine import Database


@dataclass(frozen=True)
class Services:
    """The hub's domain services, shared by HTTP and the websocket."""

    settings: HubSettings
    clock: Clock
    database: Database
    broker: Broker
    fanout: Fanout
    identity: IdentityService
    records: RecordsService
    audit: AuditService
    announce: Announcer
    calls: CallService
    participants: ParticipantService
    retriage: RetriageService
    timers: CallTimers
    messages: MessageService
    echo: EchoService
    outcomes: OutcomeService
    wrap_up: WrapUpService
    call_records: CallRecordService
    advice: AdviceService
    follow_ups: FollowUpService
    shift: ShiftService
    reports: ReportService
    imports: ImportService
    appointments: AppointmentService
    waiting_room: WaitingRoom
    palliative: PalliativeService


def build_services(
    database: Database,
    clock: Clock,
    settings: HubSettings,
    broker: Broker,
    throttle: Throttle | None = None,
) -> Services:
    """Build every service once. ``throttle``: one set of limits, shared by the services
    that guard sign-in and look-ups (built from the settings when not given)."""
    throttle = throttle or Throttle(settings)
    fanout = Fanout(broker)
    process_id = broker.origin  # this hub process, in hub_process and call_participant
    announce = Announcer(database, clock, settings, fanout)
    shift = ShiftService(database, clock, settings)
    announce.on_overdue.append(OnCallAlert(database, clock, settings, roster=shift).overdue)
    calls = CallService(database, clock, settings, announce, process_id=process_id)
    advice = AdviceService(database, clock)
    outcomes = OutcomeService(database, clock, announce, advice=advice)
    return Services(
        settings=settings,
        clock=clock,
        database=database,
        broker=broker,
        fanout=fanout,
        identity=IdentityService(database, clock, settings, throttle),
        records=RecordsService(database, clock, settings, throttle),
        audit=AuditService(database, clock),
        announce=announce,
        calls=calls,
        participants=ParticipantService(database, clock, announce, process_id=process_id),
        retriage=RetriageService(database, clock, announce),
        timers=CallTimers(database, clock, settings, announce, process_id=process_id),
        messages=MessageService(database, clock, fanout),
        echo=EchoService(settings.echo_max_concurrent),
        outcomes=outcomes,
        wrap_up=WrapUpService(database, clock, outcomes),
        call_records=CallRecordService(database, clock),
        advice=advice,
        follow_ups=FollowUpService(database, clock),
        shift=shift,
        reports=ReportService(database, clock, settings),
        imports=ImportService(database, clock, settings),
        appointments=AppointmentService(database, clock),
        waiting_room=WaitingRoom(database, clock, fanout, announce),
        palliative=PalliativeService(database, clock),
    )


SERVICES = web.AppKey("services", Services)

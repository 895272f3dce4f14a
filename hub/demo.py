"""Demo data that looks real: a hub, its commissioners and sites, residents, staff, and a
year of call history in plausible proportions. Generated from a seed, in bulk, in seconds.

Every NHS number is in the synthetic 900-999 range, which is never issued to a patient.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import nhs_number
from sqlalchemy import insert
from sqlmodel import select

from hub.appointments.slots import slot_times
from hub.auth.passwords import hash_password_async
from hub.clinical.news2 import score_news2
from hub.clock import Clock, london_date, london_month
from hub.demo_home import home_devices
from hub.settings import HubSettings
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.tables import (
    Appointment,
    Call,
    CallEvent,
    ClinicSession,
    ClinicSlot,
    Escalation,
    FollowUpTask,
    Organisation,
    Outcome,
    Person,
    User,
)
from schemas.codes import (
    Accompaniment,
    AppointmentStatus,
    CallState,
    Channel,
    Consciousness,
    Disposition,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
    OrganisationKind,
    PrisonIntent,
    Reason,
    ResuscitationStatus,
    Role,
    SoftSign,
)
from schemas.observations import Observations

K = TypeVar("K")

HUB_ODS = "RAEHB"
DEMO_PASSWORD = "telehub-demo"
DEMO_PIN = "2468"

COMMISSIONERS = [("QWO", "NHS West Yorkshire ICB"), ("QOQ", "NHS Humber and North Yorkshire ICB")]

# (ODS, name, kind, beds, commissioner)
SITES: list[tuple[str, str, OrganisationKind, int | None, str]] = [
    ("VA1A1", "Ashgrove House", OrganisationKind.CARE_HOME_NURSING, 64, "QWO"),
    ("VA1B2", "Beech Lodge", OrganisationKind.CARE_HOME_RESIDENTIAL, 28, "QWO"),
    ("VA1C3", "Cliffe Court", OrganisationKind.CARE_HOME_NURSING, 48, "QWO"),
    ("VA1D4", "Dalesview", OrganisationKind.CARE_HOME_RESIDENTIAL, 22, "QWO"),
    ("VA1E5", "Elmfield Manor", OrganisationKind.CARE_HOME_NURSING, 80, "QWO"),
    ("VA1F6", "Fernbank", OrganisationKind.CARE_HOME_RESIDENTIAL, 35, "QWO"),
    ("VA2G7", "Glenholme", OrganisationKind.CARE_HOME_NURSING, 56, "QOQ"),
    ("VA2H8", "Heatherside", OrganisationKind.CARE_HOME_RESIDENTIAL, 18, "QOQ"),
    ("VA2J9", "Ivy Bank", OrganisationKind.CARE_HOME_RESIDENTIAL, 40, "QOQ"),
    ("VA2K1", "Juniper Hall", OrganisationKind.CARE_HOME_NURSING, 72, "QOQ"),
    ("VA2L2", "Kirkstall Rise", OrganisationKind.CARE_HOME_RESIDENTIAL, 30, "QOQ"),
    ("VA2M3", "Larchwood", OrganisationKind.CARE_HOME_NURSING, 44, "QOQ"),
    ("VA3N4", "Airedale own-home service", OrganisationKind.OWN_HOME, None, "QWO"),
    ("VA3P5", "Craven own-home service", OrganisationKind.OWN_HOME, None, "QOQ"),
    ("VA4Q6", "HMP Wealdale healthcare unit", OrganisationKind.PRISON, None, "QOQ"),
]

GIVEN = [
    "Margaret",
    "Dorothy",
    "Joan",
    "Betty",
    "Eileen",
    "Irene",
    "Jean",
    "Kathleen",
    "Mary",
    "Patricia",
    "Sheila",
    "Audrey",
    "Arthur",
    "Albert",
    "Harold",
    "Kenneth",
    "Ronald",
    "Stanley",
    "Walter",
    "Frank",
    "George",
    "Dennis",
    "Norman",
    "Peter",
]
FAMILY = [
    "Jones",
    "Smith",
    "Brown",
    "Taylor",
    "Wilson",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "Hughes",
    "Clarke",
    "Lee",
    "Ahmed",
    "Hussain",
    "Shaw",
    "Holmes",
    "Barker",
    "Whitaker",
    "Sutcliffe",
    "Ackroyd",
    "Greenwood",
    "Haigh",
    "Pickles",
    "Kaur",
]
CONDITIONS = [
    "dementia",
    "heart failure",
    "COPD",
    "type 2 diabetes",
    "Parkinson's disease",
    "atrial fibrillation",
    "chronic kidney disease stage 3",
    "osteoarthritis",
    "previous stroke",
    "hypertension",
]
ALLERGIES = [
    "No known drug allergies",
    "Penicillin (rash)",
    "No known drug allergies",
    "Codeine (vomiting)",
    "No known drug allergies",
    "Latex",
]

HOME_INTENT: dict[HomeIntent, float] = {
    HomeIntent.GP_URGENT: 0.52,
    HomeIntent.OOH_GP: 0.12,
    HomeIntent.AMBULANCE_999: 0.09,
    HomeIntent.ED_SELF_PRESENT: 0.03,
    HomeIntent.DISTRICT_NURSE: 0.08,
    HomeIntent.WAIT_AND_SEE: 0.11,
    HomeIntent.UNKNOWN: 0.05,
}
DISPOSITION: dict[Disposition, float] = {
    Disposition.MANAGED_IN_PLACE: 0.30,
    Disposition.GP_FOLLOWUP: 0.21,
    Disposition.DISTRICT_NURSE: 0.09,
    Disposition.OOH_GP: 0.05,
    Disposition.SPECIALIST_ADVICE: 0.06,
    Disposition.PALLIATIVE_SUPPORT: 0.04,
    Disposition.AMBULANCE_999: 0.08,
    Disposition.ED_SELF_PRESENT: 0.04,
    Disposition.DIRECT_ADMISSION: 0.03,
    Disposition.DIED_EXPECTED: 0.02,
    Disposition.CALL_FAILED_TECHNICAL: 0.03,
}
REASON: dict[Reason, float] = {
    Reason.FALL_NO_INJURY: 0.14,
    Reason.FALL_INJURY: 0.07,
    Reason.BREATHING_DIFFICULTY: 0.09,
    Reason.CHEST_PAIN: 0.03,
    Reason.SUSPECTED_INFECTION: 0.13,
    Reason.FEVER: 0.04,
    Reason.NEW_CONFUSION: 0.06,
    Reason.REDUCED_CONSCIOUSNESS: 0.02,
    Reason.PAIN: 0.06,
    Reason.WOUND_SKIN: 0.06,
    Reason.PRESSURE_ULCER: 0.02,
    Reason.CATHETER_PROBLEM: 0.04,
    Reason.BLOOD_GLUCOSE: 0.02,
    Reason.NOT_EATING_DRINKING: 0.04,
    Reason.VOMITING_DIARRHOEA: 0.04,
    Reason.MEDICATION_QUERY: 0.07,
    Reason.END_OF_LIFE_SYMPTOMS: 0.03,
    Reason.BEHAVIOUR_MENTAL_HEALTH: 0.02,
    Reason.VERIFICATION_OF_DEATH: 0.01,
    Reason.OTHER: 0.01,
}
# The nurse's view of what would have happened, given what the home says it would have done.
COUNTERFACTUAL: dict[HomeIntent, dict[NurseCounterfactual, float]] = {
    HomeIntent.AMBULANCE_999: {
        NurseCounterfactual.ADMISSION: 0.4,
        NurseCounterfactual.ED_ATTENDANCE: 0.35,
        NurseCounterfactual.AMBULANCE_SEE_TREAT: 0.2,
        NurseCounterfactual.GP_CONTACT: 0.05,
    },
    HomeIntent.ED_SELF_PRESENT: {
        NurseCounterfactual.ADMISSION: 0.25,
        NurseCounterfactual.ED_ATTENDANCE: 0.6,
        NurseCounterfactual.GP_CONTACT: 0.15,
    },
}
COUNTERFACTUAL_OTHERWISE = {
    NurseCounterfactual.GP_CONTACT: 0.6,
    NurseCounterfactual.COMMUNITY_CONTACT: 0.12,
    NurseCounterfactual.NO_NHS_CONTACT: 0.12,
    NurseCounterfactual.ADMISSION: 0.06,
    NurseCounterfactual.ED_ATTENDANCE: 0.05,
    NurseCounterfactual.UNKNOWN: 0.05,
}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 7, 6, 6, 5, 5, 4, 3, 3, 2, 1]


@dataclass
class DemoSummary:
    created: bool
    sites: int = 0
    people: int = 0
    calls: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    enrolments: list[tuple[str, str]] = field(default_factory=list)  # (device, code) at home

    def describe(self, settings: HubSettings) -> str:
        base = str(settings.public_base_url).rstrip("/")
        head = (
            f"Demo data loaded: {self.sites} sites, {self.people} residents, {self.calls} calls."
            if self.created
            else "Demo data already present; nothing changed."
        )
        lines = [head, f"Open {base}/login and sign in with password '{DEMO_PASSWORD}' as:"]
        lines += [f"  {username:<22} {what}" for username, what in DEMO_LOGINS]
        if self.enrolments:
            lines.append(f"Devices at home (one person each): open {base}/enrol and type")
            lines += [f"  {code:<22} {label}" for label, code in self.enrolments]
        return "\n".join(lines)


DEMO_LOGINS = [
    ("nurse.amy", "hub nurse (triage console)"),
    ("nurse.ben", "hub nurse (triage console)"),
    ("dr.patel", "specialist (geriatrician)"),
    ("admin", "hub administrator"),
    ("staff.ashgrove", f"care-home staff, Ashgrove House (PIN {DEMO_PIN} on an enrolled tablet)"),
    ("staff.beech", "care-home staff, Beech Lodge"),
    ("staff.wealdale", "prison healthcare staff, HMP Wealdale (clinic list, messages)"),
    ("commissioner.qwo", "commissioner, NHS West Yorkshire ICB"),
    ("commissioner.qoq", "commissioner, NHS Humber and North Yorkshire ICB"),
]


def _pick(rng: random.Random, weights: dict[K, float]) -> K:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def synthetic_nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Valid NHS numbers from the synthetic 900-999 range, reproducible from the seed."""
    found: list[str] = []
    seen: set[str] = set()
    while len(found) < count:
        stem = f"9{rng.randrange(10**8):08d}"
        check = nhs_number.calculate_checksum(stem)
        candidate = f"{stem}{check}"
        if check is None or check == 10 or candidate in seen:
            continue
        seen.add(candidate)
        found.append(candidate)
    return found


async def load_demo(
    db: Database, clock: Clock, *, seed: int = 2026, months: int = 12
) -> DemoSummary:
    async with db.session() as s:
        if (await s.exec(select(Organisation).where(Organisation.ods_code == HUB_ODS))).first():
            return DemoSummary(created=False)
    rng = random.Random(seed)
    now = clock.now()
    password_hash = await hash_password_async(DEMO_PASSWORD)
    pin_hash = await hash_password_async(DEMO_PIN)
    async with db.session() as s:
        hub = rows.hub(HUB_ODS, "Airedale Telehealth Hub", at=now)
        s.add(hub)
        commissioners: dict[str, Organisation] = {}
        for ods, name in COMMISSIONERS:
            commissioners[ods] = rows.commissioner(ods, name, at=now)
            s.add(commissioners[ods])
        await s.flush()
        sites: list[Organisation] = []
        for ods, name, kind, beds, commissioner in SITES:
            go_live = (now - timedelta(days=rng.randint(200, 900))).date()
            site = rows.site(
                ods,
                name,
                commissioner=commissioners[commissioner],
                kind=kind,
                beds=beds,
                go_live=go_live,
                at=now,
            )
            s.add(site)
            sites.append(site)
        await s.flush()

        people = _people(rng, sites, now)
        _prison_numbers(sites, people)
        s.add_all(people)
        await s.flush()
        devices = home_devices(sites, people, now)
        s.add_all([device for device, _ in devices])
        enrolments = [(device.label, code) for device, code in devices]

        users = _users(hub, commissioners, sites, password_hash, now)
        for staff in users:
            if staff.username == "staff.ashgrove":  # signs Ashgrove's tablet calls with a PIN
                staff.pin_hash = pin_hash
        s.add_all(users)
        await s.flush()
        nurses = [u for u in users if u.role == Role.HUB_NURSE.value]
        specialist = next(u for u in users if u.role == Role.SPECIALIST.value)
        calls = await _history(s, rng, sites, people, nurses, specialist, now, months)
        await _clinics(s, sites, people, specialist, now)
    return DemoSummary(
        created=True,
        sites=len(sites),
        people=len(people),
        calls=calls,
        logins=DEMO_LOGINS,
        enrolments=enrolments,
    )


def _prison_numbers(sites: Sequence[Organisation], people: Sequence[Person]) -> None:
    """Prison numbers (A1234BC) for the prison's patients, in order: A1001DM, A1002DM..."""
    prisons = {site.id for site in sites if site.kind == OrganisationKind.PRISON}
    serial = 1000
    for person in people:
        if person.site_id in prisons:
            serial += 1
            person.prison_number = f"A{serial}DM"


async def _clinics(
    s: Any, sites: Sequence[Organisation], people: Sequence[Person], specialist: User, now: datetime
) -> None:
    """A dermatology clinic for the prison tomorrow at 10:00 London time (six 20-minute
    slots, three booked), and one each month for the last three months (held and missed),
    so the prison's clinic list, the waiting room and the report's clinic figures show."""
    prison = next((x for x in sites if x.kind == OrganisationKind.PRISON), None)
    if prison is None:
        return
    prisoners = [p for p in people if p.site_id == prison.id]
    own = random.Random(2026)
    today = london_date(now)
    days = [today + timedelta(days=1), *(today - timedelta(days=30 * n) for n in (1, 2, 3))]
    for day in days:
        clinic = ClinicSession(
            specialty="Dermatology", clinician_id=specialist.id or 0, day=day,
            created_by="cli", created_at=now - timedelta(days=14),
        )  # fmt: skip
        s.add(clinic)
        await s.flush()
        for n, slot_time in enumerate(slot_times(day, time(10, 0), 20, 6)):
            slot = ClinicSlot(
                clinic_id=clinic.id or 0, starts_at=slot_time.starts_at, ends_at=slot_time.ends_at
            )
            s.add(slot)
            await s.flush()
            if n % 2:
                continue  # every other slot left free
            past = slot_time.starts_at < now
            status = AppointmentStatus.BOOKED
            if past:
                status = (
                    AppointmentStatus.DID_NOT_ATTEND
                    if own.random() < 0.15
                    else AppointmentStatus.HELD
                )
            person = prisoners[(n + len(days)) % len(prisoners)]
            s.add(
                Appointment(
                    slot_id=slot.id or 0, live_slot_id=slot.id, clinic_id=clinic.id or 0,
                    person_id=person.id or 0, site_id=prison.id or 0, status=status.value,
                    starts_at=slot_time.starts_at, booked_by="cli",
                    booked_at=slot_time.starts_at - timedelta(days=own.randint(5, 21)),
                )  # fmt: skip
            )


def _people(rng: random.Random, sites: Sequence[Organisation], now: datetime) -> list[Person]:
    counts = []
    for site in sites:
        if site.registered_beds:
            counts.append(int(site.registered_beds * rng.uniform(0.8, 0.95)))
        else:
            counts.append(rng.randint(8, 14))
    numbers = iter(synthetic_nhs_numbers(rng, sum(counts)))
    people: list[Person] = []
    for site, count in zip(sites, counts, strict=True):
        assert site.id is not None
        for _ in range(count):
            age = (
                rng.randint(45, 70)
                if site.kind == OrganisationKind.PRISON
                else rng.randint(68, 101)
            )
            dob = date(now.year - age, rng.randint(1, 12), rng.randint(1, 28))
            people.append(
                rows.resident(
                    site,
                    nhs_number=next(numbers),
                    given_name=rng.choice(GIVEN),
                    family_name=rng.choice(FAMILY),
                    date_of_birth=dob,
                    resuscitation_status=rng.choice(
                        [
                            ResuscitationStatus.DNACPR,
                            ResuscitationStatus.RESPECT_NO_CPR,
                            ResuscitationStatus.FOR_CPR,
                            ResuscitationStatus.NOT_RECORDED,
                        ]
                    ),
                    allergies=rng.choice(ALLERGIES),
                    key_conditions=", ".join(rng.sample(CONDITIONS, rng.randint(1, 3))),
                    care_wishes=rng.choice(
                        [
                            "Wishes to stay in the home if at all possible",
                            "Would accept hospital admission for treatable conditions",
                            "Family to be called at any hour",
                            None,
                        ]
                    ),
                    at=now,
                )
            )
    return people


def _users(
    hub: Organisation,
    commissioners: dict[str, Organisation],
    sites: Sequence[Organisation],
    password_hash: str,
    now: datetime,
) -> list[User]:
    def user(
        username: str, name: str, role: Role, org: Organisation, specialty: str | None = None
    ) -> User:
        return rows.staff(
            username, name, role, org, specialty=specialty, password_hash=password_hash, at=now
        )

    qwo, qoq = commissioners["QWO"], commissioners["QOQ"]
    return [
        user("nurse.amy", "Amy Hartley RN", Role.HUB_NURSE, hub),
        user("nurse.ben", "Ben Okafor RN", Role.HUB_NURSE, hub),
        user("dr.patel", "Dr Priya Patel", Role.SPECIALIST, hub, "Geriatric medicine"),
        user("admin", "Hub Administrator", Role.HUB_ADMIN, hub),
        user("staff.ashgrove", "Sam Lister", Role.CARE_HOME_STAFF, sites[0]),
        user("staff.beech", "Jo Fairburn", Role.CARE_HOME_STAFF, sites[1]),
        *[
            user("staff.wealdale", "Chris Moss RN", Role.PRISON_STAFF, site)
            for site in sites
            if site.kind == OrganisationKind.PRISON
        ],
        user("commissioner.qwo", "West Yorkshire commissioning", Role.COMMISSIONER, qwo),
        user("commissioner.qoq", "Humber commissioning", Role.COMMISSIONER, qoq),
    ]


def _channel(rng: random.Random, kind: str) -> Channel:
    if kind == OrganisationKind.OWN_HOME:
        return Channel.GOLD_LINE if rng.random() < 0.4 else Channel.HOME_PATIENT
    if kind == OrganisationKind.PRISON:
        return Channel.PRISON_CLINIC if rng.random() < 0.3 else Channel.PRISON_URGENT
    return Channel.CARE_HOME


PRISON_INTENT = {
    PrisonIntent.ESCORTED_ED: 0.45,
    PrisonIntent.ESCORTED_OUTPATIENT: 0.2,
    PrisonIntent.BED_WATCH_ADMISSION: 0.1,
    PrisonIntent.MANAGED_IN_PRISON: 0.2,
    PrisonIntent.UNKNOWN: 0.05,
}


def _prison_facts(call_id: str, channel: Channel, disposition: Disposition) -> dict[str, Any]:
    """A prison call's counterfactual, who was with the patient and whether an escort was
    needed (a hospital disposition needed one). Drawn from the call's own id, so the rest of
    the demo's random sequence (and so every other call) is as it was."""
    if channel not in (Channel.PRISON_URGENT, Channel.PRISON_CLINIC):
        return {"prison_intent": None, "accompanied_by": None, "escort_needed": None}
    own = random.Random(call_id)
    technical = disposition is Disposition.CALL_FAILED_TECHNICAL
    intent = (
        _pick(own, PRISON_INTENT)
        if channel is Channel.PRISON_URGENT
        else PrisonIntent.ESCORTED_OUTPATIENT
    )
    with_patient = [Accompaniment.HEALTHCARE_STAFF.value]
    if own.random() < 0.6:
        with_patient.append(Accompaniment.OFFICER.value)
    return {
        "prison_intent": intent.value,
        "accompanied_by": with_patient,
        "escort_needed": None if technical else disposition.is_hospital,
    }


def _observations(rng: random.Random, poorly: bool) -> Observations:
    return Observations(
        respiration_rate=rng.choice([16, 18, 20, 22, 24, 26])
        if poorly
        else rng.choice([14, 16, 18]),
        spo2=rng.randint(89, 95) if poorly else rng.randint(94, 99),
        spo2_scale=1,
        on_oxygen=poorly and rng.random() < 0.2,
        systolic_bp=rng.randint(95, 150),
        pulse=rng.randint(88, 125) if poorly else rng.randint(60, 95),
        consciousness=Consciousness.NEW_CONFUSION
        if poorly and rng.random() < 0.3
        else Consciousness.ALERT,
        temperature=round(rng.uniform(37.8, 39.4) if poorly else rng.uniform(36.0, 37.6), 1),
    )


async def _history(
    s: Any,
    rng: random.Random,
    sites: Sequence[Organisation],
    people: Sequence[Person],
    nurses: Sequence[User],
    specialist: User,
    now: datetime,
    months: int,
) -> int:
    by_site: dict[int, list[Person]] = {}
    for person in people:
        by_site.setdefault(person.site_id, []).append(person)
    start = now - timedelta(days=round(months * 30.44))
    days = (now - start).days
    calls: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    followups: list[dict[str, Any]] = []
    for site in sites:
        assert site.id is not None
        residents = by_site[site.id]
        # About 3 calls per 10 beds a month; services without beds scale with their patients.
        per_day = (site.registered_beds or len(residents) * 2) * 0.3 / 30.44
        total = sum(1 for _ in range(days) for _ in range(_poisson(rng, per_day)))
        for _ in range(total):
            day = now - timedelta(days=rng.uniform(0, days))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            started = day.replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
            )
            if started >= now - timedelta(hours=1):
                continue
            _one_call(
                rng,
                site,
                residents,
                nurses,
                specialist,
                started,
                now,
                calls,
                events,
                outcomes,
                escalations,
                followups,
            )
    for table, batch in (
        (Call, calls),
        (CallEvent, events),
        (Outcome, outcomes),
        (Escalation, escalations),
        (FollowUpTask, followups),
    ):
        for chunk in range(0, len(batch), 2000):
            await s.execute(insert(table), batch[chunk : chunk + 2000])
    return len(calls)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _one_call(
    rng: random.Random,
    site: Organisation,
    residents: Sequence[Person],
    nurses: Sequence[User],
    specialist: User,
    started: datetime,
    now: datetime,
    calls: list[dict[str, Any]],
    events: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    escalations: list[dict[str, Any]],
    followups: list[dict[str, Any]],
) -> None:
    call_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    channel = _channel(rng, site.kind)
    intent = _pick(rng, HOME_INTENT)
    disposition = _pick(rng, DISPOSITION)
    reason = _pick(rng, REASON)
    nurse = rng.choice(nurses)
    technical = disposition is Disposition.CALL_FAILED_TECHNICAL
    counterfactual = (
        None if technical else _pick(rng, COUNTERFACTUAL.get(intent, COUNTERFACTUAL_OTHERWISE))
    )
    observed = rng.random() < 0.6
    poorly = intent in (HomeIntent.AMBULANCE_999, HomeIntent.ED_SELF_PRESENT) or rng.random() < 0.2
    obs = _observations(rng, poorly) if observed else None
    news2 = score_news2(obs) if obs else None
    answered = started + timedelta(seconds=min(1800, int(rng.lognormvariate(4.6, 0.6))))
    ended = answered + timedelta(minutes=rng.randint(4, 25))
    closed = ended + timedelta(minutes=rng.randint(1, 8))
    followup_due = started + timedelta(hours=72)
    known = followup_due < now and rng.random() < 0.9
    hospital = disposition.is_hospital

    def answer(p_yes: float) -> str:
        if not known or technical:
            return FollowUpAnswer.UNKNOWN.value
        return (
            FollowUpAnswer.YES.value
            if hospital or rng.random() < p_yes
            else FollowUpAnswer.NO.value
        )

    ed, admitted = answer(0.08), answer(0.05)
    if admitted == FollowUpAnswer.YES.value and ed == FollowUpAnswer.NO.value and not hospital:
        ed = FollowUpAnswer.YES.value
    calls.append(
        {
            "id": call_id,
            "site_id": site.id,
            "person_id": rng.choice(residents).id if rng.random() < 0.95 else None,
            "channel": channel.value,
            **_prison_facts(call_id, channel, disposition),
            "reason": reason.value,
            "secondary_reason": None,
            "home_intent": intent.value,
            "concern": None,
            "observations": obs.model_dump(mode="json", exclude_none=True) if obs else None,
            "soft_signs": [rng.choice(list(SoftSign)).value] if rng.random() < 0.5 else [],
            "news2_total": news2.total if news2 else None,
            "news2_band": news2.band.value if news2 else None,
            "news2_complete": news2.complete if news2 else None,
            "priority": 0,
            "state": CallState.CLOSED.value,
            "started_at": started,
            "local_month": london_month(started),
            "answered_at": None if technical else answered,
            "ended_at": ended,
            "closed_at": closed,
            "nurse_id": nurse.id,
            "nurse_counterfactual": counterfactual.value if counterfactual else None,
            "disposition": disposition.value,
            "ed_within_72h": ed,
            "admitted_within_72h": admitted,
            "source": "demo",
            "external_id": None,
            "device_id": None,
            "caller_name": None,
        }
    )
    flow = [(None, CallState.REQUESTED, started), (CallState.REQUESTED, CallState.QUEUED, started)]
    if not technical:
        flow += [
            (CallState.QUEUED, CallState.RINGING, answered - timedelta(seconds=5)),
            (CallState.RINGING, CallState.CONNECTED, answered),
            (CallState.CONNECTED, CallState.WRAP_UP, ended),
        ]
    flow.append((flow[-1][1], CallState.CLOSED, closed))
    for from_state, to_state, at in flow:
        events.append(
            {
                "call_id": call_id,
                "at": at,
                "kind": "state",
                "from_state": from_state.value if from_state else None,
                "to_state": to_state.value,
                "actor_user_id": nurse.id if to_state is not CallState.REQUESTED else None,
                "actor_device_id": None,
                "detail": None,
            }
        )
    if technical:
        return
    outcomes.append(
        {
            "call_id": call_id,
            "disposition": disposition.value,
            "nurse_counterfactual": counterfactual.value if counterfactual else "unknown",
            "clinical_note": "Assessed by video with the home; plan agreed and recorded.",
            "follow_up_needed": True,
            "recorded_by": nurse.id,
            "recorded_at": closed,
        }
    )
    followups.append(
        {
            "call_id": call_id,
            "due_at": followup_due,
            "completed_at": followup_due + timedelta(hours=2) if known else None,
            "completed_by": nurse.id if known else None,
            "ed_within_72h": ed,
            "admitted_within_72h": admitted,
        }
    )
    if disposition is Disposition.SPECIALIST_ADVICE or rng.random() < 0.04:
        escalations.append(
            {
                "call_id": call_id,
                "code": "specialist_joined",
                "specialty": specialist.specialty,
                "at": answered + timedelta(minutes=3),
                "recorded_by": nurse.id,
            }
        )
    if disposition is Disposition.AMBULANCE_999:
        escalations.append(
            {
                "call_id": call_id,
                "code": "ambulance_requested",
                "specialty": None,
                "at": ended,
                "recorded_by": nurse.id,
            }
        )


__all__ = ["DEMO_PASSWORD", "DemoSummary", "load_demo", "synthetic_nhs_numbers"]

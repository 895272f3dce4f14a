"""The demo's Gold Line register: most patients of the own-home services are on the
palliative register with their preferences and plans (some changed since they joined, so the
console shows a history), and a few have died, at home, in a hospice or in hospital, so the
register and its deaths can be seen on the console beside a Gold Line call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hub.clock import london_date
from hub.storage.tables import Death, Organisation, PalliativeEntry, Person
from schemas.codes import OrganisationKind, ResuscitationStatus
from schemas.palliative import CarePlace, DeathPlace, RegisterSource, YesNoUnknown

PREFERENCES = (  # (place of care, place of death), cycled through the patients
    (CarePlace.HOME, CarePlace.HOME),
    (CarePlace.HOME, CarePlace.HOSPICE),
    (CarePlace.HOME, CarePlace.HOME),
    (CarePlace.NO_PREFERENCE, CarePlace.NOT_DISCUSSED),
    (CarePlace.HOME, CarePlace.HOME),
    (CarePlace.CARE_HOME, CarePlace.CARE_HOME),
    (CarePlace.HOME, CarePlace.HOSPITAL),
)
DEATHS = {1: DeathPlace.HOME, 3: DeathPlace.HOSPITAL, 5: DeathPlace.HOSPICE}
"""Which patients (by their place on the register) have died, and where."""
OFF_REGISTER = 9  # every ninth patient at home is not on the register


def gold_line_register(
    sites: Sequence[Organisation], people: Sequence[Person], now: datetime
) -> list[PalliativeEntry | Death]:
    """The register's rows for the own-home services' patients (add them to the session)."""
    own_home = {s.id for s in sites if s.kind == OrganisationKind.OWN_HOME}
    at_home = [p for p in people if p.site_id in own_home and p.id is not None]
    today = london_date(now)
    made: list[PalliativeEntry | Death] = []
    for n, person in enumerate(at_home):
        if n % OFF_REGISTER == OFF_REGISTER - 1:
            continue
        care, death_place = PREFERENCES[n % len(PREFERENCES)]
        joined = today - timedelta(days=40 + 23 * n % 300)
        first = PalliativeEntry(
            person_id=person.id or 0,
            version=1,
            preferred_place_of_care=care.value,
            preferred_place_of_death=(CarePlace.NOT_DISCUSSED if n % 3 == 1 else death_place).value,
            respect_status=(
                ResuscitationStatus.DNACPR if n % 2 == 0 else ResuscitationStatus.RESPECT_NO_CPR
            ).value,
            respect_date=joined,
            anticipatory_medicines=(YesNoUnknown.YES if n % 4 else YesNoUnknown.UNKNOWN).value,
            anticipatory_medicines_date=joined + timedelta(days=3) if n % 4 else None,
            district_nurse_team=f"Airedale district nurses, team {1 + n % 4}",
            gp_practice=("Holycroft Surgery", "Farfield Group Practice", "Dyneley House")[n % 3],
            hospice="Manorlands Hospice" if n % 2 else "Sue Ryder Manorlands",
            lpa_health=(YesNoUnknown.YES if n % 3 == 0 else YesNoUnknown.UNKNOWN).value,
            joined_on=joined,
            source=RegisterSource.IMPORT.value,
            recorded_at=datetime.combine(joined, now.timetz()),
        )
        made.append(first)
        if n % 3 == 1:  # the place of death discussed since joining: a second version
            second = PalliativeEntry(
                **{
                    **first.model_dump(exclude={"id", "version", "recorded_at", "source"}),
                    "preferred_place_of_death": death_place.value,
                    "anticipatory_medicines": YesNoUnknown.YES.value,
                    "anticipatory_medicines_date": joined + timedelta(days=20),
                },
                version=2,
                source=RegisterSource.IMPORT.value,
                recorded_at=first.recorded_at + timedelta(days=20),
            )
            made.append(second)
        if n in DEATHS:
            made.append(
                Death(
                    person_id=person.id or 0,
                    died_on=today - timedelta(days=5 + 7 * n),
                    place=DEATHS[n].value,
                    source=RegisterSource.IMPORT.value,
                    recorded_at=now - timedelta(days=3 + 7 * n),
                )
            )
    return made

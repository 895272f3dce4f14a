"""The demo's people: residents and patients with plausible names, conditions and allergies,
each with a valid NHS number from the synthetic 900-999 range (never issued to a patient),
and prison numbers for the prison's patients."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime

import nhs_number

from hub.storage import rows
from hub.storage.tables import Organisation, Person
from schemas.codes import OrganisationKind, ResuscitationStatus

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


def residents(rng: random.Random, sites: Sequence[Organisation], now: datetime) -> list[Person]:
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


def prison_numbers(sites: Sequence[Organisation], people: Sequence[Person]) -> None:
    """Prison numbers (A1234BC) for the prison's patients, in order: A1001DM, A1002DM..."""
    prisons = {site.id for site in sites if site.kind == OrganisationKind.PRISON}
    serial = 1000
    for person in people:
        if person.site_id in prisons:
            serial += 1
            person.prison_number = f"A{serial}DM"

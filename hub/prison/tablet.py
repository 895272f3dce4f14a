"""What a prison healthcare unit's call form shows: each prisoner as initials and prison
number (the tablet faces the room; names only when the nurse reveals them), and the
prison's questions, from the one vocabulary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.storage.tables import Person
from schemas.codes import Accompaniment, PrisonIntent


@dataclass(frozen=True)
class Prisoner:
    id: int
    label: str  # initials and prison number: what the room may see
    name: str  # shown only on the nurse's "Show names"
    born: str


def initials(person: Person) -> str:
    names = (person.given_name, person.family_name)
    return "".join(f"{part[0].upper()}." for part in names if part)


def label_of(person: Person) -> str:
    """"J.P. · A1234BC" (or the NHS number's last four digits with no prison number)."""
    number = person.prison_number or f"NHS …{person.nhs_number[-4:]}"
    return f"{initials(person)} · {number}"


def form_context(people: Iterable[Person]) -> dict[str, Any]:
    prisoners = [
        Prisoner(
            id=p.id or 0,
            label=label_of(p),
            name=f"{p.given_name} {p.family_name}",
            born=f"{p.date_of_birth.day} {p.date_of_birth:%b %Y}",
        )
        for p in sorted(people, key=lambda p: (p.prison_number or "", p.id or 0))
    ]
    return {
        "prison": True,
        "prisoners": prisoners,
        "prison_intents": PrisonIntent.choices(),
        "accompaniments": Accompaniment.choices(),
    }

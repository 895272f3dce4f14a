"""A saved wrap-up draft read back into the form, as far as today's codes allow.

A draft can outlive a code: ``call_failed_technical`` was retired as a disposition (migration
0011 moved the recorded calls, never the drafts; the hub now keeps a failed connection as the
call-quality record). A nurse who saved such a draft before the upgrade must not find her
choice silently gone, nor be refused at closing for a code the form no longer offers: the
answer that no longer stands is dropped, so she chooses again, and a note says why. The hub
never chooses a clinical disposition for her.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from schemas.codes import Disposition
from schemas.outcomes import WrapUpAnswers

NOT_CLINICAL = (
    "Your saved disposition, {label}, is no longer a clinical outcome the hub records: choose "
    "what happened clinically (a failed connection is counted apart, from the call's "
    "quality record)."
)
UNKNOWN = "Your saved {name} is no longer one the hub offers: enter it again."
UNKNOWN_ITEM = "One of your saved {name} is no longer one the hub offers: check them again."


@dataclass(frozen=True)
class Restored:
    answers: WrapUpAnswers
    notes: list[str] = field(default_factory=list)


def restored(stored: Mapping[str, Any]) -> Restored:
    """The draft's answers, without any that no longer stand, and a note for each dropped."""
    answers = dict(stored)
    notes: list[str] = []
    code = _disposition(answers.get("disposition"))
    if code is not None and not code.is_clinical:
        notes.append(NOT_CLINICAL.format(label=code.label))
        answers["disposition"] = None
    while True:
        try:
            return Restored(WrapUpAnswers.model_validate(answers), notes)
        except ValidationError as exc:
            wrong = [e["loc"] for e in exc.errors() if e["loc"]]
            if not wrong:
                raise
            for name, items in _by_field(wrong).items():  # each named, never lost silently
                kept = answers.get(name)
                if items and isinstance(kept, list):  # only the list's unknown items go
                    answers[name] = [v for i, v in enumerate(kept) if i not in items]
                    notes.append(UNKNOWN_ITEM.format(name=_name(name)))
                else:
                    answers.pop(name, None)
                    notes.append(UNKNOWN.format(name=_name(name)))


def _by_field(locations: list[tuple[int | str, ...]]) -> dict[str, set[int]]:
    """The fields in error, each with its wrong items when only items of a list are."""
    found: dict[str, set[int]] = {}
    whole: set[str] = set()
    for loc in locations:
        name = str(loc[0])
        item = loc[1] if len(loc) == 2 else None
        if isinstance(item, int):
            found.setdefault(name, set()).add(item)
        else:
            whole.add(name)
    return {name: set() if name in whole else found.get(name, set()) for name in {*found, *whole}}


def _name(field: str) -> str:
    return field.replace("_", " ")


def _disposition(value: object) -> Disposition | None:
    if not isinstance(value, str):
        return None  # not a code at all: validation drops it, with its note
    try:
        return Disposition(value)
    except ValueError:
        return None  # an unknown code: validation drops it, with its note

"""The rules a prison call keeps (hub.prison.rules), and what a prison's tablet shows."""

from __future__ import annotations

from datetime import date

import pytest

from hub.errors import InvalidInput
from hub.prison.rules import check_call_close
from hub.prison.tablet import label_of
from hub.storage.tables import Person
from schemas.wire import CallClose


def _close(**more: object) -> CallClose:
    return CallClose.model_validate(
        {
            "id": 1,
            "type": "call/close",
            "call_id": "c1",
            "disposition": "managed_in_place",
            "nurse_counterfactual": "ed_attendance",
            "clinical_note": "note",
            **more,
        }
    )


@pytest.mark.parametrize("channel", ["prison_urgent", "prison_clinic"])
def test_a_prison_calls_record_must_say_whether_an_escort_was_needed(channel: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_call_close(channel, _close().escort_needed)
    assert refused.value.field == "escort_needed"
    check_call_close(channel, _close(escort_needed=False).escort_needed)
    check_call_close(channel, _close(escort_needed=True).escort_needed)


def test_no_other_calls_record_may_claim_an_escort() -> None:
    check_call_close("care_home", _close().escort_needed)
    with pytest.raises(InvalidInput):
        check_call_close("care_home", _close(escort_needed=False).escort_needed)


def test_the_tablet_labels_a_prisoner_by_initials_and_prison_number() -> None:
    person = Person(
        nhs_number="9434765889",
        given_name="jonah",
        family_name="Prisoner",
        date_of_birth=date(1980, 5, 6),
        site_id=1,
        prison_number="A1234BC",
    )
    assert label_of(person) == "J.P. · A1234BC"
    person.prison_number = None
    assert label_of(person) == "J.P. · NHS …5889"

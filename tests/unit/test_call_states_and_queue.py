from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.calls.queue import Priority, Waiting, is_overdue, order, priority_of
from hub.calls.states import WAITING, can_move, sources_for, sources_of
from hub.clinical.news2 import score_news2
from schemas.codes import CallState as S
from schemas.codes import Channel, Consciousness, Reason
from schemas.observations import Observations

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_a_call_cannot_be_answered_after_it_is_cancelled() -> None:
    assert can_move(S.QUEUED, S.CONNECTED)
    assert not can_move(S.CANCELLED, S.CONNECTED)
    assert not can_move(S.CLOSED, S.WRAP_UP)
    assert not can_move(S.REQUESTED, S.CONNECTED)
    assert sources_of(S.CONNECTED) == {S.QUEUED, S.RINGING, S.ON_HOLD}


def test_every_move_starts_from_a_state_the_table_allows() -> None:
    """The lifecycle asks the table where a move may start; a precondition narrows it, and
    a precondition the table does not allow is refused (a programming error)."""
    assert sources_for(S.CANCELLED) == {S.REQUESTED, S.QUEUED, S.RINGING}
    assert sources_for(S.CONNECTED, within=WAITING) == {S.QUEUED, S.RINGING}
    with pytest.raises(ValueError, match="cannot move"):
        sources_for(S.CONNECTED, within={S.WRAP_UP})


@pytest.mark.parametrize(
    ("obs", "reason", "expected"),
    [
        (
            Observations(
                respiration_rate=26,
                pulse=135,
                consciousness=Consciousness.ALERT,
                spo2=95,
                temperature=37.0,
                systolic_bp=120,
                on_oxygen=False,
            ),
            Reason.OTHER,
            Priority.HIGH,
        ),  # 3 + 3 + 1 = 7
        (Observations(respiration_rate=22, pulse=115, spo2=95), Reason.OTHER, Priority.MEDIUM),
        (Observations(consciousness=Consciousness.VOICE), Reason.OTHER, Priority.MEDIUM),
        (Observations(respiration_rate=22, pulse=95), Reason.OTHER, Priority.LOW),  # 2 + 1
        (None, Reason.FALL_NO_INJURY, Priority.LOW),
        (None, Reason.CHEST_PAIN, Priority.MEDIUM),
        (Observations(respiration_rate=16), Reason.REDUCED_CONSCIOUSNESS, Priority.MEDIUM),
    ],
)
def test_priority_follows_news2_bands_and_reason_floors(
    obs: Observations | None, reason: Reason, expected: Priority
) -> None:
    assert priority_of(score_news2(obs) if obs else None, reason) == expected


@pytest.mark.parametrize(
    ("obs", "channel", "expected"),
    [
        (None, Channel.GOLD_LINE, Priority.MEDIUM),  # no observations from a patient's device
        (Observations(respiration_rate=16, pulse=70), Channel.GOLD_LINE, Priority.MEDIUM),
        (Observations(respiration_rate=26, pulse=135, spo2=90), Channel.GOLD_LINE, Priority.HIGH),
        (None, Channel.HOME_PATIENT, Priority.LOW),
        (Observations(respiration_rate=16, pulse=70), Channel.CARE_HOME, Priority.LOW),
    ],
)
def test_a_gold_line_call_is_never_below_medium_priority(
    obs: Observations | None, channel: Channel, expected: Priority
) -> None:
    news2 = score_news2(obs) if obs else None
    assert priority_of(news2, Reason.UNKNOWN, channel=channel) == expected


def test_queue_orders_by_priority_then_waiting_time() -> None:
    calls = [
        Waiting("low-old", Priority.LOW, T0),
        Waiting("high-new", Priority.HIGH, T0 + timedelta(minutes=9)),
        Waiting("medium-new", Priority.MEDIUM, T0 + timedelta(minutes=5)),
        Waiting("medium-old", Priority.MEDIUM, T0 + timedelta(minutes=1)),
    ]
    assert [w.call_id for w in order(calls)] == ["high-new", "medium-old", "medium-new", "low-old"]


def test_overdue_only_after_the_target() -> None:
    assert not is_overdue(T0, T0 + timedelta(seconds=300), 300)
    assert is_overdue(T0, T0 + timedelta(seconds=301), 300)

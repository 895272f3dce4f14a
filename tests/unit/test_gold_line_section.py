"""The Gold Line section's pure rules (docs/report-method.md §2c): which register entry is
current at a death, who is in each denominator, and an empty month."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.reports.gold_line import GoldLineCall, RegisterDeath, current_at_death, section
from schemas.palliative import CarePlace, DeathPlace

DIED = date(2026, 10, 20)


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def test_the_entry_current_at_a_death_is_the_last_recorded_by_that_day() -> None:
    versions = [(_at("2026-09-01"), "home"), (_at("2026-10-20"), "hospice")]
    assert current_at_death(DIED, versions) is CarePlace.HOSPICE  # the same day counts
    later = [(_at("2026-09-01"), "home"), (_at("2026-10-21"), "hospital")]
    assert current_at_death(DIED, later) is CarePlace.HOME  # amended after the death
    # 20 October 23:00 UTC is 21 October 00:00 in London (BST): after the death.
    assert current_at_death(DIED, [*versions[:1], (_at("2026-10-20", 23), "hospital")]) is (
        CarePlace.HOME
    )


def test_a_register_recorded_only_after_the_death_gives_its_first_version() -> None:
    versions = [(_at("2026-11-02"), "care_home"), (_at("2026-11-03"), "hospital")]
    assert current_at_death(DIED, versions) is CarePlace.CARE_HOME


def test_who_is_in_each_denominator() -> None:
    deaths = [
        RegisterDeath(DeathPlace.HOME, CarePlace.HOME),
        RegisterDeath(DeathPlace.HOSPITAL, CarePlace.HOME),
        RegisterDeath(DeathPlace.HOSPITAL, CarePlace.NOT_DISCUSSED),
        RegisterDeath(DeathPlace.UNKNOWN, CarePlace.NO_PREFERENCE),
    ]
    calls = [GoldLineCall("hospice", "9434766001"), GoldLineCall(None, "9434766001")]
    g = section(calls, deaths)
    assert (g.deaths_with_stated_preference, g.deaths_in_preferred_place) == (2, 1)
    assert g.preferred_place.share == 0.5
    assert (g.deaths_place_known, g.deaths_in_hospital) == (3, 2)
    assert g.hospital.share == 0.6667
    assert g.people_supported == 1 and g.calls_without_outcome == 1
    assert {o.code: o.share for o in g.outcomes}["hospice"] == 1.0


def test_a_month_with_nothing_to_divide_by_gives_no_share() -> None:
    g = section([], [])
    assert g.calls == 0 and all(o.share is None for o in g.outcomes)
    assert g.preferred_place.share is None and g.hospital.lower is None
    assert [d.count for d in g.deaths_by_place] == [0] * len(DeathPlace)

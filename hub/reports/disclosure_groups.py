"""Where a report shows parts that add up to a total (calls by hour, reason, disposition and
site; claimed = confirmed + unverified + refuted; each measure over the sites; the prison and
Gold Line sections), and where it shows one figure twice: the equations that secondary
suppression (``disclosure``) protects. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.reports.disclosure_walk import Cell
from schemas.reports import WITHHELD

MEASURES = ("ambulance", "ed_attendance", "admission")
FIELDS = ("claimed", "confirmed", "unverified", "refuted")


@dataclass
class Group:
    """A shown total and the parts that add up to it."""

    total: Cell
    parts: list[Cell]
    prefer_total: bool = False  # withhold the total rather than a part

    @property
    def exact(self) -> bool:
        return self.total.original == sum(c.original for c in self.parts)


def groups(data: dict[str, Any], cells: dict[str, Cell]) -> list[Group]:
    """Wherever the report shows parts adding up to a total. Some only add up in some
    reports (care homes without beds, homes not on the service); a group whose parts do
    not add up to its total in this report is no equation and is left alone."""

    def at(path: str) -> Cell:
        return cells[path]

    def rows(section: str, items: list[dict[str, Any]], key: str = "code") -> list[Cell]:
        return [at(f"{section}.{item[key]}.count") for item in items]

    calls = at("calls.total")
    sites = [s["ods"] for s in data["sites"]]
    care_homes = ("care_home_nursing", "care_home_residential")
    live = [s for s in data["sites"] if s["on_service"]]
    groups: list[tuple[Cell, list[Cell]]] = [
        (
            at("rates.care_home_calls"),
            [at(f"sites.{s['ods']}.calls") for s in live if s["site_kind"] in care_homes],
        ),
        (at("rates.care_home_calls"), [at(f"calls.by_site_kind.{k}.calls") for k in care_homes]),
        *(
            (
                at(f"calls.by_site_kind.{row['code']}.calls"),
                [at(f"sites.{s['ods']}.calls") for s in live if s["site_kind"] == row["code"]],
            )
            for row in data["calls"]["by_site_kind"]
        ),
        (calls, rows("calls.by_channel", data["calls"]["by_channel"])),
        (calls, rows("calls.by_reason", data["calls"]["by_reason"])),
        (calls, rows("dispositions", data["dispositions"])),
        (calls, [at(f"calls.by_hour.{h}") for h in range(24)]),
        (calls, [at(f"calls.by_weekday.{d}") for d in range(7)]),
        (calls, [at("calls.clinical"), at("calls.not_recorded"), at("calls.no_outcome")]),
        (calls, [at("answer_times.answered"), at("answer_times.not_answered")]),
        (at("totals.calls"), [at(f"sites.{ods}.calls") for ods in sites]),
        (at("totals.not_recorded"), [at(f"sites.{ods}.not_recorded") for ods in sites]),
    ]
    blocks = ["totals.avoided", *(f"sites.{ods}.avoided" for ods in sites)]
    blocks += [f"comparison.{p}.avoided" for p in ("this_month", "last_month", "year_to_date")]
    for block in blocks:
        for m in MEASURES:
            groups.append(
                (at(f"{block}.{m}.claimed"), [at(f"{block}.{m}.{f}") for f in FIELDS[1:]])
            )
    for m in MEASURES:
        for f in FIELDS:
            groups.append(
                (
                    at(f"totals.avoided.{m}.{f}"),
                    [at(f"sites.{ods}.avoided.{m}.{f}") for ods in sites],
                )
            )
    for count in ("calls_with_drop", "technical_failures", "calls_reported", "calls_audio_only"):
        groups.append(
            (at(f"connection.{count}"), [at(f"sites.{ods}.connection.{count}") for ods in sites])
        )
    groups.append(
        (
            at("totals.avoided.gp_contact.claimed"),
            [at(f"sites.{ods}.avoided.gp_contact.claimed") for ods in sites],
        )
    )
    return (
        [Group(total, parts) for total, parts in groups]
        + _year_to_date(data, cells)
        + _pooled_activity(data, cells)
        + _gold_line(data, cells)
    )


def _year_to_date(data: dict[str, Any], cells: dict[str, Cell]) -> list[Group]:
    """Year to date = this month + last month (when in the same year) + months not shown.
    Withholding the year-to-date figure, not this month's, keeps the report's main counts."""
    comparison = data["comparison"]
    same_year = comparison["last_month"]["first_month"] >= comparison["year_to_date"]["first_month"]
    paths = ["calls", "not_recorded"]
    paths += [f"avoided.{m}.{f}" for m in MEASURES for f in FIELDS]
    paths.append("avoided.gp_contact.claimed")
    groups = []
    for path in paths:
        total = cells[f"comparison.year_to_date.{path}"]
        parts = [cells[f"comparison.this_month.{path}"]]
        if same_year:
            parts.append(cells[f"comparison.last_month.{path}"])
        rest = total.original - sum(c.original for c in parts)
        parts.append(Cell({"v": WITHHELD}, "v", f"comparison.earlier.{path}", rest, True))
        groups.append(Group(total, parts, prefer_total=True))
    return groups


def _pooled_activity(data: dict[str, Any], cells: dict[str, Cell]) -> list[Group]:
    """The area's service-home events are the homes' events added up."""
    hospital = data["hospital_activity"]
    if hospital is None:
        return []
    groups = []
    for name in ("ed_attendances", "emergency_admissions"):
        area = f"area_{name}"
        if hospital[area] is None:
            continue
        for side in ("events_before", "events_after"):
            homes = [
                cells[f"hospital_activity.homes.{h['ods']}.{name}.service.{side}"]
                for h in hospital["homes"]
            ]
            groups.append(Group(cells[f"hospital_activity.{area}.service.{side}"], homes))
    return groups


def _gold_line(data: dict[str, Any], cells: dict[str, Cell]) -> list[Group]:
    """The Gold Line's calls by outcome, and its deaths by place and by preference."""
    section = data.get("gold_line")
    if section is None:
        return []

    def at(name: str) -> Cell:
        return cells[f"gold_line.{name}"]

    places = {
        row["code"]: at(f"deaths_by_place.{row['code']}.count")
        for row in section["deaths_by_place"]
    }
    known = [cell for code, cell in places.items() if code != "unknown"]
    return [
        Group(at("calls"), [at("calls_with_outcome"), at("calls_without_outcome")]),
        Group(
            at("calls_with_outcome"),
            [at(f"outcomes.{row['code']}.count") for row in section["outcomes"]],
        ),
        Group(at("deaths"), list(places.values())),
        Group(
            at("deaths"),
            [at("deaths_with_stated_preference"), at("deaths_without_stated_preference")],
        ),
        Group(at("deaths_place_known"), known),
        Group(at("deaths"), [at("deaths_place_known"), places["unknown"]]),
    ]


def links(cells: dict[str, Cell]) -> list[list[Cell]]:
    """Cells that show the same figure twice: withheld in one place, withheld in all."""
    same = [
        ["totals.calls", "calls.total", "comparison.this_month.calls", "connection.calls"],
        ["totals.not_recorded", "calls.not_recorded", "comparison.this_month.not_recorded"],
    ]
    sites = {p.split(".")[1] for p in cells if p.startswith("sites.")}
    for ods in sorted(sites):
        same.append([f"sites.{ods}.calls", f"sites.{ods}.connection.calls"])
    for m in MEASURES:
        for f in FIELDS:
            same.append([f"totals.avoided.{m}.{f}", f"comparison.this_month.avoided.{m}.{f}"])
        same.append([f"totals.avoided.{m}.confirmed", f"money.rows.{m}.confirmed"])
        same.append([f"totals.avoided.{m}.confirmed", f"money.rows.{m}.costed"])
    same.append(
        ["totals.avoided.gp_contact.claimed", "comparison.this_month.avoided.gp_contact.claimed"]
    )
    same.append(["totals.avoided.gp_contact.claimed", "money.rows.gp_contact.costed"])
    same.append(["gold_line.calls", "calls.by_channel.gold_line.count"])
    same.append(["gold_line.deaths_in_hospital", "gold_line.deaths_by_place.hospital.count"])
    return [[cells[p] for p in paths if p in cells] for paths in same]

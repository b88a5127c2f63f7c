"""Reading action plans from grids: the layouts staff use, and the rules on owners, deadlines and status."""
from __future__ import annotations

from datetime import date

import pytest

from ehxl import actions, rag
from ehxl.grid import SheetGrid
from ehxl.owners import Owner, OwnerRegister

AS_OF = date(2016, 7, 1)


def grid_of(name: str, rows: dict[int, list], fills: dict[tuple[int, int], str] | None = None) -> SheetGrid:
    g = SheetGrid(name)
    for r, values in rows.items():
        for c, v in enumerate(values, 1):
            if v is not None:
                g.set(r, c, v)
    for (r, c), fill in (fills or {}).items():
        g.set(r, c, g.value(r, c), fill)
    return g


@pytest.mark.parametrize("header, field", [
    ("By Whom", "owner"), ("Lead", "owner"), ("RESPONSIBLE OFFICER", "owner"), ("Responsible Officer ", "owner"),
    ("By When", "deadline"), ("Timescale", "deadline"), ("END DATE", "deadline"), ("Deadline", "deadline"),
    ("START DATE", "start"), ("Start", "start"),
    ("Status", "status"), ("RAG", "status"), ("Progress", "status"),
    ("PROGRESS (%)", "progress_pct"), ("Progress %", "progress_pct"),
    ("Progress As at 2.11.15", "update"), ("Achievement to date", "update"), ("COMMENTS / UPDATES", "update"),
    ("Comments", "update"), ("Updates", "update"),
    ("Action", "action"), ("TASK", "action"), ("Description", "action"),
    ("ref", "ref"), ("No.", "ref"), ("Action No.", "ref"), ("18 Action No.", "ref"),
    ("Theme", "theme"), ("PRIORITY", "theme"), ("Matrix area", "theme"),
    ("Outcome", "outcome"), ("Rationale", "rationale"), ("IMPACT MEASURE", "impact"),
    ("Progress level", "level"), ("Revised date", "revised"), ("New deadline", "revised"),
    ("Next steps - Action", "next_steps"),
    # headers seen in other councils' plans
    ("Owner(s)", "owner"), ("Lead Officer(s)", "owner"), ("Officer", "owner"), ("Person responsible", "owner"),
    ("Target date (revised)", "revised"), ("Revised target date", "revised"), ("Target", "deadline"),
    ("Timeframe", "deadline"), ("Progress (RAG)", "status"), ("RAG (Q3)", "status"), ("Status / RAG", "status"),
    ("% Complete", "progress_pct"), ("Actions to be taken", "action"), ("Latest position", "update"),
    ("Target date", "deadline"), ("Due by", "deadline"),
])
def test_header_synonyms(header, field):
    assert actions.header_field(header) == field


def test_header_found_below_title_rows_and_blank_ref_column_inferred():
    g = grid_of("Plan", {
        1: ["This is our...Early Help Prevention Team Action Plan"],
        2: ["Our Vision is..."],
        4: [None, "Outcome", "Action", "By Whom", "By When"],
        5: ["1. Theme: Early Help Performance Framework"],
        6: ["1.1", "Data available", "Amend the process", "RP", "By 1.7.15."],
        7: ["1.2", "Families heard", "Devise methods", "RP", "By 1.10.15."],
    })
    plan = actions.read_action_plan(g)
    assert plan.header_row == 4
    assert plan.columns["ref"] == 1
    assert [a.ref for a in plan.actions] == ["1.1", "1.2"]
    assert [a.theme for a in plan.actions] == ["Early Help Performance Framework"] * 2
    assert plan.actions[0].deadline.date == date(2015, 7, 1)


def test_group_column_filled_down_and_sub_rows_with_an_owner_are_actions():
    g = grid_of("Coventry", {
        1: ["Matrix area", "Progress level", "Action No.", "Description", "Lead", "Timescale"],
        2: ["SERVICE DELIVERY", 3, 1, "Strengthening Families", "Louison Ricketts – Service Manager", "June 2016"],
        3: [None, None, None, None, "Stuart Hunter – Perf Manager", "September 16"],
        4: [None, 3, 2, "Family Information Service", "Angela Harley – Service Manager", "March 17"],
        5: [None, None, None, "of June 16", None, None],
        6: ["GOVERNANCE", 2, 13, "Governance in place", "Sue Frossell", "June 2016 – review 6 months"],
    })
    plan = actions.read_action_plan(g)
    assert [(a.row, a.ref, a.theme, a.level) for a in plan.actions] == [
        (2, "1", "SERVICE DELIVERY", 3),
        (3, None, "SERVICE DELIVERY", 3),     # a sub-action of 1: its own lead and date, the level of its action
        (4, "2", "SERVICE DELIVERY", 3),
        (6, "13", "GOVERNANCE", 2),
    ]
    assert plan.actions[2].action == "Family Information Service\nof June 16"


def test_legend_in_the_sheet_sets_what_colours_mean():
    g = grid_of("Plan", {
        1: ["Ref", "Action", "Owner", "Deadline", "RAG"],
        2: ["1", "Write strategy", "RP", "31/03/2016", None],
        3: ["2", "Launch hub", "RP", "31/03/2016", None],
        5: ["Blue = Complete"],
        6: ["Green = On track"],
    }, fills={(2, 5): "0070C0", (3, 5): "00B050"})
    plan = actions.read_action_plan(g)
    first, second = plan.actions
    assert (first.status, first.complete) == ("blue", True)
    assert (second.status, second.complete) == ("green", False)
    late, _ = actions.overdue(plan.actions, as_of=AS_OF)
    assert late == [second]


def test_revised_deadline_counts_and_the_slip_is_reported():
    g = grid_of("Plan", {
        1: ["Ref", "Action", "Owner", "Deadline", "Revised date", "Status"],
        2: ["1", "Write strategy", "RP", "31/03/2016", "31/08/2016", "In progress"],
    })
    plan = actions.read_action_plan(g)
    act = plan.actions[0]
    assert act.due == date(2016, 8, 31)
    late, soon = actions.overdue(plan.actions, as_of=AS_OF, within=30)
    assert late == [] and soon == []          # 31 Aug is 61 days after 1 Jul
    late, soon = actions.overdue(plan.actions, as_of=AS_OF, within=61)
    assert soon == [act]
    slips = [f for f in actions.validate(plan, as_of=AS_OF) if f.rule == "deadline-slipped"]
    assert [(f.cell, f.severity.value) for f in slips] == [("E2", "warning")]
    assert "153 days" in slips[0].message      # 31 Mar -> 31 Aug 2016


def test_status_word_and_colour_that_disagree_and_100_percent_not_complete():
    g = grid_of("Plan", {
        1: ["Ref", "Action", "Owner", "Deadline", "Status", "Progress %"],
        2: ["1", "A", "RP", "31/03/2016", "In progress", None],
        3: ["2", "B", "RP", "31/03/2016", "In progress", 1.0],
        4: ["3", "C", "RP", "31/03/2016", "Audit tool to still be developed by MACH Manager", None],
    }, fills={(2, 5): "00B050"})
    plan = actions.read_action_plan(g)
    rules = [(f.rule, f.cell) for f in actions.validate(plan, as_of=AS_OF)]
    assert ("status-inconsistent", "E2") in rules    # "In progress" on a green (complete) fill
    assert ("status-inconsistent", "F3") in rules    # 100% but in progress
    assert ("status-unknown", "E4") in rules
    first, second, third = plan.actions
    assert first.status == "amber" and not first.complete
    assert second.complete                           # 100% counts as complete
    assert third.status is None
    late, _ = actions.overdue(plan.actions, as_of=AS_OF)
    assert late == [first, third]


def test_ongoing_is_not_a_missing_deadline_and_completed_in_the_deadline_cell_counts():
    g = grid_of("Plan", {
        1: ["Ref", "Action", "Owner", "Timescale", "Status"],
        2: ["1", "Compare data quarterly", "RP", "From 1.4.15.", "In progress"],
        3: ["2", "Review staffing", "Fran Doyle & Nancy Meehan", "Completed Feb 16", None],
        4: ["3", "Map resources", "RP", None, "In progress"],
        5: ["4", "Newsletter", "RP", "Jan 2021 onwards", "In progress"],
    })
    plan = actions.read_action_plan(g)
    rules = [(f.rule, f.cell) for f in actions.validate(plan, as_of=AS_OF)]
    assert ("deadline-missing", "D4") in rules
    assert not any(c in ("D2", "D3", "D5") for r, c in rules if r.startswith("deadline"))
    assert plan.actions[1].complete
    assert plan.actions[1].owners == ["Fran Doyle", "Nancy Meehan"]
    assert actions.overdue(plan.actions, as_of=AS_OF) == ([], [])


def test_owner_that_is_prose_is_missing_and_register_checks_initials():
    g = grid_of("Plan", {
        1: ["Ref", "Action", "By Whom", "By When", "Status"],
        2: ["4.4", "Oversight", "Impact to be measured by on-going case audit co-ordinated by the QA Team.",
            "From 1.4.15.", "In progress"],
        3: ["4.5", "Policy", "VW/RP", "By 1.4.16.", "In progress"],
        4: ["4.6", "Report", "VW/XZ", "By 1.6.16", "In progress"],
    })
    register = OwnerRegister([Owner("Vicky Wood", "VW"), Owner("Rachel Price", "RP")])
    plan = actions.read_action_plan(g)
    found = [(f.rule, f.cell, f.severity.value) for f in actions.validate(plan, as_of=AS_OF, register=register)]
    assert ("owner-missing", "C2", "error") in found
    assert ("owner-unknown", "C4", "warning") in found
    assert not any(c == "C3" for _, c, _ in found)
    assert plan.actions[1].owners == ["Vicky Wood", "Rachel Price"]


def test_html_fragments_become_lines():
    assert actions.clean_text("<p>Monitor the feedback.</p> <p>Measure impact.</p>") == \
        "Monitor the feedback.\nMeasure impact."
    assert actions.clean_text('<ul style="x"> <li>Keyworkers talking</li> <li>Texting link</li></ul>') == \
        "Keyworkers talking\nTexting link"
    assert actions.clean_text("Fish &amp; chips <br/>today") == "Fish & chips\ntoday"


def test_sheet_without_a_plan_is_not_read():
    g = grid_of("Notes", {1: ["Minutes of the board"], 2: ["Attendees", "Apologies"]})
    assert actions.read_action_plan(g) is None
    assert actions.looks_like_action_plan(g) == 0.0

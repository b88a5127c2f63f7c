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
    """The matrix area is a group column and is filled down; the progress level is the action's own and is not."""
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
        # a sub-action of 1 with its own lead and date but no level written: ehxl used to copy 3 down from row 2,
        # inventing a level the plan never gave; a blank level stays blank (issue 10)
        (3, None, "SERVICE DELIVERY", None),
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


# ----------------------------------------------------------- fill-down (issue 10)

def test_only_the_group_column_is_filled_down_and_only_within_its_block():
    g = grid_of("Plan", {
        1: ["Ref", "Matrix area", "Action", "Lead", "Timescale", "Progress level", "Status"],
        2: ["1", "Service delivery", "Strengthening Families", "LR", "June 2016", 3, "In progress"],
        3: [None, None, "Second claim", "SH", "September 16", None, None],
        4: ["2", None, "Family Information Service offer", None, None, 1, None],
        5: [None, "Workforce development", "Ignite hub pilot", None, None, None, None],
        6: ["3", None, "Training plan", "AB", "June 17", None, "Behind schedule"],
        7: ["4. Theme: Governance"],
        8: ["4", None, "Board terms of reference", "SF", "June 2016", 2, "Complete"],
    })
    g.merged.append((7, 1, 7, 7))
    plan = actions.read_action_plan(g)
    got = [(a.row, a.ref, a.theme, a.level, a.owner_text, a.status, a.deadline_text) for a in plan.actions]
    assert got == [
        (2, "1", "Service delivery", 3, "LR", "amber", "June 2016"),
        # a sub-row: the area is filled down; its blank level, status and deadline are its own, not row 2's
        (3, None, "Service delivery", None, "SH", None, "September 16"),
        (4, "2", "Service delivery", 1, "", None, ""),
        # a new area with no number, lead or status starts an action: it is not the rest of action 2,
        # and takes no level from row 4 across the change of area
        (5, None, "Workforce development", None, "", None, ""),
        (6, "3", "Workforce development", None, "AB", "red", "June 17"),
        # the theme row ends the Workforce development block: the blank area below it is Governance
        (8, "4", "Governance", 2, "SF", "green", "June 2016"),
    ]
    found = {(f.rule, f.cell) for f in actions.validate(plan, as_of=AS_OF)}
    assert {("owner-missing", "D4"), ("owner-missing", "D5"), ("deadline-missing", "E4"), ("deadline-missing", "E5"),
            ("status-missing", "G3"), ("status-missing", "G4"), ("status-missing", "G5")} <= found


# ----------------------------------------------------------- update-missing (issue 10)

def test_red_and_amber_actions_without_an_update_are_reported_at_the_update_cell():
    g = grid_of("Plan 2020-21", {
        1: ["Prevention Team Action Plan 2020-21"],
        3: ["Ref", "Action", "Owner", "Deadline", "RAG", "Progress %", "Comments / Updates"],
        4: ["1.1", "Agree the data set", "RP", "31/03/2021", "In progress", 0.5, "Draft shared"],
        5: ["1.2", "Feedback surveys", "RP", "31/03/2021", "Behind schedule", 0.2, None],
        6: ["1.3", "Audit tool", "RP", "31/03/2021", None, 0.3, "   "],
        7: ["1.4", "Newsletter", "RP", "31/03/2021", "Complete", 1.0, None],
        8: ["1.5", "Hub launch", "RP", "31/03/2021", None, None, None],
        9: [None, None, None, None, None, None, "Delayed by the cyber-attack"],
        10: ["1.6", "Outcomes plan", "RP", "31/03/2021", "Not started", None, None],
        11: ["1.7", "Staff training", "RP", "31/03/2021", "In progress", 1.0, None],
    }, fills={(6, 5): "FFC000", (8, 5): "FF0000"})
    plan = actions.read_action_plan(g)
    missing = [f for f in actions.validate(plan, as_of=AS_OF) if f.rule == "update-missing"]
    # 1.1 amber with an update; 1.2 red (word), none: G5; 1.3 amber (fill), only spaces: G6; 1.4 green;
    # 1.5 red (fill), its update continues on row 9 after a page break; 1.6 grey; 1.7 amber but 100%: complete
    assert [(f.cell, f.row, f.severity.value) for f in missing] == [("G5", 5, "warning"), ("G6", 6, "warning")]
    assert missing[0].message == ("'Plan 2020-21'!G5: action 1.2 is red but has no update; boards ask for an "
                                  "explanation beside every red and amber action.")
    assert "action 1.3 is amber" in missing[1].message


def test_a_plan_with_red_or_amber_actions_and_no_update_column_is_reported_once_at_its_header():
    rows = {
        2: [None, "Ref", "Action", "Owner", "Deadline", "Status", "Progress (%)"],
        3: [None, "1", "Write strategy", "RP", "31/03/2016", "In progress", 0.4],
        4: [None, "2", "Launch hub", "RP", "31/03/2016", "Behind schedule", 0.1],
        5: [None, "3", "Map resources", "RP", "31/03/2016", "Complete", 1.0],
    }
    plan = actions.read_action_plan(grid_of("Plan", rows))
    missing = [f for f in actions.validate(plan, as_of=AS_OF) if f.rule == "update-missing"]
    # the table starts in column B; a progress % column is not commentary
    assert [(f.sheet, f.cell, f.row) for f in missing] == [("Plan", "B2", 2)]
    assert missing[0].message == ("'Plan'!B2: the plan has red or amber actions but no update or progress-notes "
                                  "column; add one (for example 'Progress update') so each can be explained.")
    all_done = {**rows, 3: rows[3][:5] + ["Complete", 1.0], 4: rows[4][:5] + ["Complete", 1.0]}
    plan = actions.read_action_plan(grid_of("Plan", all_done))
    assert not [f for f in actions.validate(plan, as_of=AS_OF) if f.rule == "update-missing"]


def test_equal_values_of_different_types_read_as_their_own_text():
    """1, 1.0, True and "1" are equal dictionary keys, but a cell of each reads differently; so do a date and
    the same text padded, and one long text in many cells reads alike in each."""
    from datetime import datetime
    update = "Met the board <p>twice</p> " * 10
    values = [1, 1.0, True, "1", " 1 ", 2.5, datetime(2016, 3, 31), "31/03/2016", False, 0, update, update]
    rows = {1: ["Ref", "Action", "Owner", "Deadline", "Progress %", "Update"]}
    for i, v in enumerate(values):
        rows[2 + i] = [f"1.{i + 1}", f"Action {i}", "RP", "By 1.4.16", v, v]
    plan = actions.read_action_plan(grid_of("Plan", rows))
    assert [a.texts.get("progress_pct") for a in plan.actions] == \
        [actions.cell_text(v) or None for v in values]
    assert [a.update for a in plan.actions] == [actions.cell_text(v) for v in values]
    assert plan.actions[0].texts["progress_pct"] == "1" and plan.actions[2].texts["progress_pct"] == "True"
    assert plan.actions[1].texts["progress_pct"] == "1" and plan.actions[5].texts["progress_pct"] == "2.5"


def _plan_rows(level: bool) -> dict[int, list]:
    head = ["Ref", "Action", "Lead", "Timescale", "Status"] + (["Progress level"] if level else [])
    rows = {1: ["Early Help plan"], 3: head}
    for n in range(4, 12):
        rows[n] = [f"1.{n}", f"Action {n}", "RP", f"By {n}.3.16", "Green"] + (["2"] if level else [])
    rows[14] = ["Levels of progress"]
    rows[15] = ["Progress", "1", "2", "3", "4"]
    return rows


@pytest.mark.parametrize("level", [False, True])
def test_a_plan_read_with_its_rows_released_is_the_same_plan_and_keeps_what_maturity_reads(level):
    kept, released = grid_of("Plan", _plan_rows(level)), grid_of("Plan", _plan_rows(level))
    plan = actions.read_action_plan(kept)
    same = actions.read_action_plan(released, release_rows=True)
    assert same == plan and len(plan.actions) == 8
    assert sorted(kept.cells) == [1, 3, *range(4, 12), 14, 15]
    # the title and header rows stay, and the level grid under the plan (the plan's reading stops there)
    assert sorted(released.cells) == sorted(kept.cells) if level else [1, 3, 14, 15]
    assert all(released.cells[r] == kept.cells[r] for r in released.cells)

"""Maturity matrix: the Coventry plan's progress levels against its summary grid (seed 001)."""
from __future__ import annotations

from datetime import date

import pytest

from ehxl.grid import SheetGrid
from ehxl.maturity import (
    LEVELS,
    ActionLevel,
    DeclaredLevel,
    computed_level,
    looks_like_maturity_grid,
    match_area,
    maturity_rollup,
    maturity_sheet,
    parse_level,
    read_declared_levels,
)

PLAN = "Plan 2015-18"

# The Coventry plan as the action-plan reader hands it over: "Matrix area" filled down, "Progress level"
# per action (blank where the plan gives none).  Rows are the plan's sheet rows; the level is in column B.
COVENTRY = [
    ("SERVICE DELIVERY", 3, 3),                    # 1 Strengthening Families phase 2
    ("SERVICE DELIVERY", 3, 5),                    # 2 Sufficiency and quality assurance
    ("SERVICE DELIVERY", None, 8),                 # 3 Acting Early 0-5 (no level written)
    ("SERVICE DELIVERY", 1, 10),                   # 4 Acting Early - school age
    ("SERVICE DELIVERY", 1, 15),                   # 5 Connecting Communities phase 1
    ("SERVICE DELIVERY", None, 18),                # Children's Centres buildings
    ("SERVICE DELIVERY", 2, 19),                   # 7 Edge of care
    ("INTEGRATED SERVICE DELIVERY", 1, 30),        # 9 Connecting Communities phase 2
    ("INTEGRATED PERFORMANCE MONITORING", 2, 33),  # 6 Supervision and appraisal
    ("WORKFORCE DEVELOPMENT", 2, 34),              # 10 Workforce development strategy
    ("WORKFORCE DEVELOPMENT", None, 35),           # Ignite - Willenhall hub pilot
    ("QUALITY ASSURANCE", None, 40),               # Re-referrals (no level written)
    ("COMMUNICATION AND ENGAGEMENT", 2, 42),
    ("GOVERNANCE", 2, 43),
]


def plan_levels(rows=COVENTRY) -> list[ActionLevel]:
    return [ActionLevel(area, level, PLAN, row, f"B{row}") for area, level, row in rows]


def summary_grid(name: str = "Matrix") -> SheetGrid:
    """The grid at the foot of the Coventry plan: legend, then 'Progress | 1 | 2 | 3 | 4' with the level's number."""
    g = SheetGrid(name)
    g.set(1, 1, "4 levels of progress against the matrix are:")
    for r, (label, n) in enumerate([("Basic level", 1), ("Early Progress", 2),
                                    ("Substantial progress", 3), ("Maturity", 4)], start=2):
        g.set(r, 1, label)
        g.set(r, 2, n)
    g.set(7, 1, "Progress")
    for c, n in enumerate([1, 2, 3, 4], start=2):
        g.set(7, c, n)
    declared = [("Service delivery", 2), ("Integrated Service Delivery", 1), ("Workforce development", 2),
                ("Integrated Performance Management", 2), ("Quality Assurance", 2),
                ("Communication and Engagement", 2), ("Governance", 2)]
    for r, (area, level) in enumerate(declared, start=8):
        g.set(r, 1, area)
        g.set(r, 1 + level, level)      # level 1 under column B, level 2 under column C
    return g


def declared_levels() -> list[DeclaredLevel]:
    declared, findings = read_declared_levels(summary_grid())
    assert findings == []
    return declared


def by_area(rows: list[dict]) -> dict[str, dict]:
    return {r["area"]: r for r in rows}


# --------------------------------------------------------------------------- reading the grid

def test_summary_grid_gives_one_level_per_area_with_its_cell():
    declared = declared_levels()
    assert [(d.area, d.level, d.cell, d.area_cell) for d in declared] == [
        ("Service delivery", 2, "C8", "A8"),
        ("Integrated Service Delivery", 1, "B9", "A9"),
        ("Workforce development", 2, "C10", "A10"),
        ("Integrated Performance Management", 2, "C11", "A11"),
        ("Quality Assurance", 2, "C12", "A12"),
        ("Communication and Engagement", 2, "C13", "A13"),
        ("Governance", 2, "C14", "A14"),
    ]
    assert {d.sheet for d in declared} == {"Matrix"}
    assert declared[0].row == 8


def test_grid_with_level_names_and_marks():
    g = SheetGrid("Self-assessment")
    g.set(2, 2, "Strand")
    for c, name in enumerate(["Basic", "Early progress", "Substantial progress", "Maturity"], start=3):
        g.set(2, c, name)
    g.set(3, 2, "Governance")
    g.set(3, 5, "x")
    g.set(4, 2, "Workforce development")
    g.set(4, 3, "✓")
    g.set(5, 2, "Quality assurance")
    g.set(5, 4, "•")
    declared, findings = read_declared_levels(g)
    assert [(d.area, d.level, d.cell) for d in declared] == [
        ("Governance", 3, "E3"), ("Workforce development", 1, "C4"), ("Quality assurance", 2, "D5")]
    assert findings == []


def test_grid_marks_shaded_up_to_a_level_read_quietly_but_gaps_are_warned():
    g = SheetGrid("Matrix")
    g.set(1, 1, "Area")
    for c in range(2, 6):
        g.set(1, c, f"Level {c - 1}")
    g.set(2, 1, "Governance")
    for c in (2, 3, 4):
        g.set(2, c, "x")            # levels 1, 2 and 3 shaded: reached level 3
    g.set(3, 1, "Quality assurance")
    g.set(3, 2, "x")
    g.set(3, 4, "x")                # levels 1 and 3: unclear
    declared, findings = read_declared_levels(g)
    assert [(d.area, d.level, d.cell) for d in declared] == [("Governance", 3, "D2"), ("Quality assurance", 3, "D3")]
    assert [(f.rule, f.cell) for f in findings] == [("maturity-level-ambiguous", "D3")]


def test_grid_number_under_the_wrong_level_and_area_without_a_level_are_reported():
    g = summary_grid()
    g.set(9, 2, 3)                  # '3' written under the level 1 column for Integrated Service Delivery
    g.cells[12].pop(3)              # Quality Assurance left unmarked
    declared, findings = read_declared_levels(g)
    assert [d.area for d in declared] == ["Service delivery", "Workforce development",
                                          "Integrated Performance Management", "Communication and Engagement",
                                          "Governance"]
    assert [(f.rule, f.severity.value, f.cell) for f in findings] == [
        ("maturity-level-invalid", "error", "B9"),
        ("maturity-level-missing", "warning", "A12"),
    ]
    assert "'Matrix'!B9" in findings[0].message


def test_grid_found_below_the_action_plan_on_the_same_sheet():
    g = SheetGrid(PLAN)
    for c, h in enumerate(["Matrix area", "Progress level", "Action No.", "Description", "Lead", "Timescale"], 1):
        g.set(2, c, h)
    g.set(3, 1, "SERVICE DELIVERY")
    g.set(3, 2, 3)
    g.set(3, 3, 1)
    g.set(3, 4, "Implement Strengthening Families Phase 2")
    g.set(4, 2, 3)
    g.set(4, 3, 2)
    grid = summary_grid()
    for r, row in grid.cells.items():
        for c, cell in row.items():
            g.set(r + 10, c, cell.value)
    declared, findings = read_declared_levels(g)
    assert findings == []
    assert [(d.area, d.level, d.cell) for d in declared][:2] == [("Service delivery", 2, "C18"),
                                                                ("Integrated Service Delivery", 1, "B19")]
    assert len(declared) == 7


def test_single_level_column_layout():
    g = SheetGrid("Matrix")
    g.set(1, 1, "Maturity matrix self-assessment March 2016")
    g.set(3, 1, "Area")
    g.set(3, 2, "Level")
    g.set(3, 3, "Evidence")
    g.set(4, 1, "Governance")
    g.set(4, 2, "Early progress")
    g.set(5, 1, "Workforce development")
    g.set(5, 2, "Level 3")
    g.set(6, 1, "Quality assurance")
    g.set(6, 2, 5)
    declared, findings = read_declared_levels(g)
    assert [(d.area, d.level, d.cell) for d in declared] == [("Governance", 2, "B4"),
                                                            ("Workforce development", 3, "B5")]
    assert [(f.rule, f.cell) for f in findings] == [("maturity-level-invalid", "B6")]


def test_plan_header_is_not_read_as_a_level_column():
    g = SheetGrid(PLAN)
    for c, h in enumerate(["Matrix area", "Progress level", "Action No.", "Description", "Lead"], 1):
        g.set(1, c, h)
    g.set(2, 1, "GOVERNANCE")
    g.set(2, 2, 2)
    g.set(2, 4, "Establish a board")
    assert read_declared_levels(g) == ([], [])
    assert looks_like_maturity_grid(g) == 0.0


def test_looks_like_maturity_grid():
    assert looks_like_maturity_grid(summary_grid()) >= 0.9
    plan_with_grid = SheetGrid(PLAN)
    for r in range(1, 41):
        plan_with_grid.set(r, 1, f"action text {r}")
    for r, row in summary_grid().cells.items():
        for c, cell in row.items():
            plan_with_grid.set(r + 45, c, cell.value)
    assert 0.4 < looks_like_maturity_grid(plan_with_grid) < 0.75
    kpis = SheetGrid("KPIs")
    kpis.set(1, 1, "Case Type")
    kpis.set(1, 2, "30/06/2014")
    kpis.set(2, 1, "Open cases")
    kpis.set(2, 2, 750)
    assert looks_like_maturity_grid(kpis) == 0.0


# --------------------------------------------------------------------------- levels and matching

def test_parse_level():
    assert parse_level(3) == 3
    assert parse_level(2.0) == 2
    assert parse_level(" 4 ") == 4
    assert parse_level("Level 2") == 2
    assert parse_level("3 Substantial progress") == 3
    assert parse_level("Early Progress") == 2
    assert parse_level("Basic level") == 1
    assert parse_level(None) is None
    assert parse_level("  ") is None
    assert parse_level(5) == 5                       # out of range, but reported by the caller
    with pytest.raises(ValueError):
        parse_level("tbc")
    with pytest.raises(ValueError):
        parse_level(2.5)


def test_computed_level_methods_round_down():
    assert computed_level([1, 1, 2, 3, 3], "median") == 2
    assert computed_level([1, 2, 3, 3], "median") == 2      # median 2.5 -> 2
    assert computed_level([1, 2], "median") == 1            # median 1.5 -> 1
    assert computed_level([3, 3, 3, 3, 2], "mean") == 2     # 14/5 = 2.8 -> 2
    assert computed_level([3, 3, 4], "mean") == 3           # 10/3 -> 3
    assert computed_level([3, 3, 1, 1, 2], "min") == 1
    assert computed_level([], "median") is None
    assert computed_level([4, 4], " Median ") == 4
    with pytest.raises(ValueError, match="unknown maturity method"):
        computed_level([1], "mode")


def test_match_area_loosely():
    grid = ["Service delivery", "Integrated Service Delivery", "Workforce development",
            "Integrated Performance Management", "Quality Assurance", "Communication and Engagement", "Governance"]
    assert match_area("INTEGRATED PERFORMANCE MONITORING", grid) == "Integrated Performance Management"
    assert match_area("SERVICE DELIVERY", grid) == "Service delivery"
    assert match_area("INTEGRATED SERVICE DELIVERY", grid) == "Integrated Service Delivery"
    assert match_area("Communications & engagement", grid) == "Communication and Engagement"
    assert match_area("QA", grid) == "Quality Assurance"
    assert match_area("Governance arrangements", grid) == "Governance"
    assert match_area("DATA AND INTELLIGENCE", grid) is None
    assert match_area("Workforce", ["Workforce development", "Workforce planning"]) is None   # a tie is not guessed


# --------------------------------------------------------------------------- roll-up

def test_rollup_median_on_the_coventry_plan():
    rows, findings = maturity_rollup(plan_levels(), declared_levels())
    assert [r["area"] for r in rows] == ["SERVICE DELIVERY", "INTEGRATED SERVICE DELIVERY",
                                         "INTEGRATED PERFORMANCE MONITORING", "WORKFORCE DEVELOPMENT",
                                         "QUALITY ASSURANCE", "COMMUNICATION AND ENGAGEMENT", "GOVERNANCE"]
    sd = rows[0]
    # levels 3, 3, 1, 1, 2 -> sorted 1, 1, 2, 3, 3 -> median 2, the declared level
    assert sd["computed_level"] == 2 and sd["declared_level"] == 2 and sd["agrees"] is True
    assert sd["actions"] == 7 and sd["actions_with_level"] == 5
    assert sd["by_level"] == {"1": 2, "2": 1, "3": 2, "4": 0}
    assert sd["mean_level"] == pytest.approx(2.0)
    assert (sd["sheet"], sd["cell"], sd["declared_cell"]) == (PLAN, "B3", "C8")
    ipm = by_area(rows)["INTEGRATED PERFORMANCE MONITORING"]
    assert ipm["declared_area"] == "Integrated Performance Management"
    assert (ipm["declared_level"], ipm["computed_level"], ipm["match"]) == (2, 2, "loose")
    qa = by_area(rows)["QUALITY ASSURANCE"]
    assert (qa["declared_level"], qa["computed_level"], qa["actions"], qa["agrees"]) == (2, None, 1, None)
    assert qa["by_level"] == {"1": 0, "2": 0, "3": 0, "4": 0}
    wd = by_area(rows)["WORKFORCE DEVELOPMENT"]
    assert (wd["actions"], wd["computed_level"], wd["computed_label"]) == (2, 2, "Early progress")
    # Quality assurance's one action (row 40) gives no level: no computed level, and said so at B40
    assert [(f.rule, f.severity.value, f.sheet, f.cell) for f in findings] == [
        ("maturity-level-missing", "warning", PLAN, "B40")]
    assert findings[0].message.startswith(f"'{PLAN}'!B40: the only action in 'QUALITY ASSURANCE' has no progress level")
    assert "declares level 2 (Early progress) at 'Matrix'!C12" in findings[0].message


def test_rollup_min_and_mean_on_the_coventry_plan():
    rows, findings = maturity_rollup(plan_levels(), declared_levels(), method="min")
    assert by_area(rows)["SERVICE DELIVERY"]["computed_level"] == 1
    assert [(f.rule, f.sheet, f.cell) for f in findings] == [("maturity-level-missing", PLAN, "B40"),
                                                             ("maturity-mismatch", "Matrix", "C8")]
    assert "declared at level 2" in findings[1].message and "give 1" in findings[1].message
    rows, findings = maturity_rollup(plan_levels(), declared_levels(), method="mean")
    assert by_area(rows)["SERVICE DELIVERY"]["computed_level"] == 2      # 10 / 5 = 2.0
    assert [f.rule for f in findings] == ["maturity-level-missing"]     # Quality assurance, whatever the method


def test_rollup_mismatch_when_service_delivery_actions_are_all_substantial():
    later = [(a, 3 if a == "SERVICE DELIVERY" and lv == 1 else lv, r) for a, lv, r in COVENTRY]
    # levels now 3, 3, 3, 3, 2: median 3 against the declared 2
    rows, findings = maturity_rollup(plan_levels(later), declared_levels())
    sd = by_area(rows)["SERVICE DELIVERY"]
    assert (sd["computed_level"], sd["declared_level"], sd["agrees"]) == (3, 2, False)
    assert sd["by_level"] == {"1": 0, "2": 1, "3": 4, "4": 0}
    assert [(f.rule, f.severity.value, f.sheet, f.cell, f.row) for f in findings] == [
        ("maturity-level-missing", "warning", PLAN, "B40", 40), ("maturity-mismatch", "warning", "Matrix", "C8", 8)]
    # mean 14/5 = 2.8 rounds down to 2: no mismatch
    rows, findings = maturity_rollup(plan_levels(later), declared_levels(), method="mean")
    assert by_area(rows)["SERVICE DELIVERY"]["computed_level"] == 2
    assert [f.rule for f in findings] == ["maturity-level-missing"]


def test_unmatched_areas_on_both_sides():
    rows_in = COVENTRY + [("DATA AND INTELLIGENCE", 2, 36)]
    declared = declared_levels() + [DeclaredLevel("Early years", 1, "Matrix", "B20", "A20")]
    rows, findings = maturity_rollup(plan_levels(rows_in), declared)
    data = by_area(rows)["DATA AND INTELLIGENCE"]
    assert (data["declared_level"], data["computed_level"], data["actions"]) == (None, 2, 1)
    early = by_area(rows)["Early years"]
    assert (early["declared_level"], early["computed_level"], early["actions"]) == (1, None, 0)
    assert rows[-1]["area"] == "Early years"
    assert [(f.rule, f.sheet, f.cell) for f in findings] == [
        ("maturity-level-missing", PLAN, "B40"),           # Quality assurance has actions, none with a level
        ("maturity-area-unmatched", PLAN, "B36"), ("maturity-area-unmatched", "Matrix", "A20")]


def test_invalid_levels_and_missing_area():
    levels = [ActionLevel("GOVERNANCE", 5, PLAN, 4, "B4"), ActionLevel("GOVERNANCE", "tbc", PLAN, 5, "B5"),
              ActionLevel("GOVERNANCE", "2", PLAN, 6, "B6"), ActionLevel("", 3, PLAN, 2, "B2")]
    rows, findings = maturity_rollup(levels, [])
    assert len(rows) == 1 and rows[0]["area"] == "GOVERNANCE"
    assert (rows[0]["actions"], rows[0]["computed_level"], rows[0]["by_level"]["2"]) == (3, 2, 1)
    assert rows[0]["declared_level"] is None
    assert [(f.rule, f.severity.value, f.cell) for f in findings] == [
        ("maturity-level-invalid", "error", "B4"), ("maturity-level-invalid", "error", "B5"),
        ("maturity-area-missing", "warning", "B2")]


def test_no_grid_means_no_unmatched_findings_and_unknown_method_refused():
    rows, findings = maturity_rollup(plan_levels(), [])
    assert len(rows) == 7
    # no unmatched findings; Quality assurance still has no level, grid or not
    assert [(f.rule, f.cell) for f in findings] == [("maturity-level-missing", "B40")]
    assert "summary grid" not in findings[0].message
    assert all(r["declared_level"] is None for r in rows)
    with pytest.raises(ValueError):
        maturity_rollup(plan_levels(), [], method="average")


# --------------------------------------------------------------------------- the Maturity sheet

def test_maturity_sheet_marks_declared_and_computed_and_charts_actions_per_level():
    later = [(a, 3 if a == "SERVICE DELIVERY" and lv == 1 else lv, r) for a, lv, r in COVENTRY]
    rows, _ = maturity_rollup(plan_levels(later), declared_levels())
    spec = maturity_sheet(rows, as_of=date(2016, 6, 30), source="coventry.xlsx")
    assert spec.name == "Maturity"
    values = [[c.value for c in row] for row in spec.rows]
    assert "30 Jun 2016" in values[1][0] and "coventry.xlsx" in values[1][0] and "median" in values[1][0]
    assert values[3] == ["Area", "1 Basic", "2 Early progress", "3 Substantial progress", "4 Maturity",
                         "Declared", "Computed", "Actions", "Verdict"]
    sd = spec.rows[4]
    assert [c.value for c in sd] == ["SERVICE DELIVERY", None, "declared", "computed", None, 2, 3, 7,
                                     "Differs: declared 2, computed 3"]
    assert sd[0].link == "'Plan 2015-18'!B3"
    assert sd[2].style == "rag_amber"
    isd = spec.rows[5]
    assert [c.value for c in isd[:5]] == ["INTEGRATED SERVICE DELIVERY", "declared = computed", None, None, None]
    assert isd[1].style == "rag_green"
    qa = spec.rows[8]
    # its one action gives no level: the board reads why there is no computed level, not a blank
    assert [c.value for c in qa] == ["QUALITY ASSURANCE", None, "declared", None, None, 2, "no level given", 1,
                                     "Not checked: no action has a level"]
    assert qa[2].style == "rag_blue"
    # actions per level: header at row 15 (1-based), areas in rows 16-22
    assert values[14] == ["Area", "Level 1", "Level 2", "Level 3", "Level 4"]
    assert values[15] == ["SERVICE DELIVERY", 0, 1, 4, 0]
    assert values[16] == ["INTEGRATED SERVICE DELIVERY", 1, 0, 0, 0]
    assert values[21] == ["GOVERNANCE", 0, 1, 0, 0]
    (chart,) = spec.charts
    assert chart.kind == "column"
    assert [s.name for s in chart.series] == ["Level 1 Basic", "Level 2 Early progress",
                                              "Level 3 Substantial progress", "Level 4 Maturity"]
    assert chart.series[0].categories == "'Maturity'!$A$16:$A$22"
    assert chart.series[0].values == "'Maturity'!$B$16:$B$22"
    assert chart.series[2].values == "'Maturity'!$D$16:$D$22"
    assert chart.anchor == "G15"


def test_maturity_sheet_when_empty():
    spec = maturity_sheet([], as_of=date(2016, 6, 30), source="x.xlsx")
    assert spec.charts == []
    assert spec.rows[-1][0].value == "No maturity levels were found."
    assert LEVELS[3] == "Substantial progress"


def test_audit_grade_headers_are_not_level_columns():
    g = SheetGrid("Audit")
    g.set(1, 1, "Case File Audit: Quality measures over a sample of CSE cases")
    for c, h in enumerate(["0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD"], 2):
        g.set(2, c, h)
    g.set(3, 1, "Response to initial contact")
    for c, v in enumerate([0, 1, 5, 2], 2):
        g.set(3, c, v)
    assert read_declared_levels(g) == ([], [])
    assert looks_like_maturity_grid(g) == 0.0


# --------------------------------------------------------------------------- levels are never invented

def test_plan_with_missing_levels_gives_hand_worked_levels_and_null(tmp_path):
    """tests/plans.py's levels_plan through the whole engine: blank levels stay blank, an area without any is null."""
    import json

    import openpyxl

    from ehxl import api
    from plans import levels_plan

    board = tmp_path / "board.xlsx"
    result = api.rollup(levels_plan(tmp_path / "levels.xlsx"), as_of=date(2016, 7, 1), out=board)
    rows = by_area(result.analysis.maturity)
    assert list(rows) == ["Service delivery", "Workforce development", "Governance"]
    sd = rows["Service delivery"]
    # rows 4-8: F4 3, F5 blank (a sub-row with its own lead), F6 1, F7 blank, F8 1 -> levels [1, 1, 3],
    # median 1; filling F5 down from F4 would have given [1, 1, 3, 3], median 2, and hidden the gap
    assert (sd["actions"], sd["actions_with_level"], sd["computed_level"], sd["declared_level"]) == (5, 3, 1, 2)
    assert sd["by_level"] == {"1": 2, "2": 0, "3": 1, "4": 0}
    assert sd["mean_level"] == pytest.approx(5 / 3)
    assert sd["agrees"] is False
    wd = rows["Workforce development"]
    # rows 9-11: no level anywhere; row 9 has no action number, and used to take 1 from row 8 across the area change
    assert (wd["actions"], wd["actions_with_level"], wd["computed_level"], wd["computed_label"]) == (3, 0, None, None)
    assert (wd["declared_level"], wd["agrees"]) == (2, None)
    assert wd["by_level"] == {"1": 0, "2": 0, "3": 0, "4": 0}
    gov = rows["Governance"]
    # rows 12-13: 2 and "Level 3" -> median 2.5, rounded down 2: the declared level
    assert (gov["computed_level"], gov["declared_level"], gov["agrees"]) == (2, 2, True)

    found = [(f.rule, f.severity.value, f.sheet, f.cell, f.row) for f in result.analysis.findings
             if f.rule.startswith("maturity")]
    assert found == [("maturity-mismatch", "warning", "Maturity matrix", "C4", 4),
                     ("maturity-level-missing", "warning", "Plan", "F9:F11", 9)]
    missing = next(f for f in result.analysis.findings if f.rule == "maturity-level-missing")
    assert missing.message == (
        "'Plan'!F9:F11: no action in 'Workforce development' has a progress level, so ehxl cannot work out the "
        "area's level; give each action a level from 1 (Basic) to 4 (Maturity). The summary grid declares level 2 "
        "(Early progress) at 'Maturity matrix'!C5, which cannot be checked until then.")
    assert not any(f.rule == "maturity-mismatch" and "Workforce" in f.message for f in result.analysis.findings)
    maturity_json = result.json("rollup")["maturity"]
    assert [m["computed_level"] for m in maturity_json] == [1, None, 2]
    assert '"computed_level": null' in json.dumps(maturity_json[1])
    sheet = openpyxl.load_workbook(board, read_only=True)["Maturity"]
    wd_row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Workforce development")
    assert wd_row[5:9] == (2, "no level given", 3, "Not checked: no action has a level")


def test_level_missing_names_each_run_of_an_area_split_across_the_plan():
    levels = [ActionLevel("Governance", None, PLAN, 4, "F4"), ActionLevel("Governance", None, PLAN, 6, "F6"),
              ActionLevel("Quality assurance", 2, PLAN, 7, "F7"), ActionLevel("Governance", None, PLAN, 9, "F9")]
    # rows 4 and 6 are consecutive actions (row 5 continues row 4), row 9 comes back after Quality assurance
    rows, findings = maturity_rollup(levels, [])
    assert [(r["area"], r["computed_level"]) for r in rows] == [("Governance", None), ("Quality assurance", 2)]
    assert [(f.rule, f.cell, f.row) for f in findings] == [("maturity-level-missing", "F4:F6", 4)]
    assert findings[0].message.startswith("'Plan 2015-18'!F4:F6, 'Plan 2015-18'!F9: no action in 'Governance'")


def test_maturity_sheet_says_no_level_given_rather_than_a_number():
    levels = [ActionLevel("Workforce development", None, PLAN, 9, "F9"), ActionLevel("Governance", 2, PLAN, 12, "F12")]
    declared = [DeclaredLevel("Workforce development", 2, "Matrix", "C5", "A5"),
                DeclaredLevel("Governance", 2, "Matrix", "C6", "A6"),
                DeclaredLevel("Quality assurance", 3, "Matrix", "D7", "A7")]
    rows, _ = maturity_rollup(levels, declared)
    spec = maturity_sheet(rows, as_of=date(2016, 7, 1), source="levels.xlsx")
    by_name = {row[0].value: [c.value for c in row] for row in spec.rows[4:7]}
    assert by_name["Workforce development"][5:] == [2, "no level given", 1, "Not checked: no action has a level"]
    assert by_name["Governance"][5:] == [2, 2, 1, "Agrees"]
    assert by_name["Quality assurance"][5:] == [3, "no actions", 0, "No actions in the plan"]
    assert spec.rows[4][2].style == "rag_blue"       # declared level 2, nothing computed to set beside it

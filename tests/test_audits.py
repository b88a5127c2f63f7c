"""Case-file audits: the Derby grade tables (seed 002) and the December 2015 under-11s audit (seed 004)."""
from __future__ import annotations

from datetime import date

import pytest

from ehxl.audits import (
    GRADES,
    AuditIndicator,
    AuditTable,
    audit_rollup,
    audits_sheet,
    looks_like_audit_table,
    parse_grade,
    read_audits,
    title_date,
)
from ehxl.grid import SheetGrid

INDICATORS = [
    "Response to initial contact", "Appropriateness of decision on contact", "Assessment quality - CAF",
    "Engagement & participation - BOTH parents", "Engagement & participation - Child",
    "Engagement & participation - Multi agency network", "Diversity issues addressed", "Care plan - Early Help",
    "Direct intervention focus and level", "Indirect work", "Risk analysis and decision making",
    "Escalating Concerns or Need for S47", "Missing Episode", "Care leavers and Young people away from home",
    "Reviews", "User feedback obtained", "Management oversight and Supervision", "Case file and recording",
    "Outcomes",
]

# The four tables at the end of seed 002, as the report prints them: per grade, one count per indicator.
CSE = ("Case File Audit: Quality measures over a sample of CSE cases",
       ["0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD"], INDICATORS, [
           [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1],
           [1, 0, 1, 1, 1, 2, 1, 0, 3, 0, 0, 1, 3, 1, 1, 1, 1, 1, 1],
           [5, 7, 3, 6, 6, 4, 8, 5, 3, 4, 4, 6, 5, 0, 2, 4, 5, 4, 5],
           [2, 1, 5, 3, 3, 4, 0, 5, 4, 5, 6, 3, 1, 0, 6, 3, 3, 5, 3]])
MARCH = ("MAT under 11s (March) - 2014/15",
         ["0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING"], INDICATORS + ["Overall rating"], [
             [0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
             [1, 2, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0],
             [3, 1, 2, 2, 3, 4, 6, 6, 2, 1, 2, 1, 0, 0, 5, 4, 2, 2, 5, 3],
             [2, 4, 4, 6, 6, 4, 2, 2, 7, 4, 5, 3, 0, 0, 3, 3, 6, 7, 4, 5],
             [1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]])
OVER_11 = ("Case File Audit: Early help cases for all over 11s teams",
           ["0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD"], INDICATORS, [
               [0, 0, 4, 1, 1, 1, 1, 3, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0],
               [3, 3, 1, 2, 2, 1, 3, 3, 3, 2, 4, 2, 1, 0, 3, 4, 4, 3, 3],
               [7, 6, 6, 5, 7, 7, 9, 5, 6, 9, 5, 2, 2, 2, 6, 7, 6, 8, 8],
               [2, 3, 2, 6, 5, 6, 1, 4, 5, 3, 4, 3, 2, 1, 4, 2, 4, 4, 3]])
UNDER_11 = ("Case File Audit: Quality measures over a sample of children within MAT under 11s",
            ["0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD"], INDICATORS, [
                [1, 1, 3, 0, 0, 3, 0, 2, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0],
                [2, 1, 3, 2, 3, 3, 6, 5, 4, 2, 3, 1, 0, 0, 3, 2, 3, 6, 4],
                [4, 3, 4, 6, 6, 5, 5, 4, 4, 5, 6, 2, 0, 0, 3, 5, 6, 4, 4],
                [5, 7, 3, 5, 4, 3, 3, 3, 6, 6, 4, 1, 0, 0, 5, 3, 5, 4, 6]])
# Seed 004: the December 2015 under-11s audit, with Ofsted's words for the grades.
DEC_2015 = ("Under 11 MAT case audit December 2015",
            ["Missing", "Inadequate", "Requires improvement", "Good"],
            ["Assessment quality - CAF", "Care plan - Early Help", "Reviews", "Management oversight and Supervision"], [
                [6, 5, 1, 0],
                [1, 1, 3, 1],
                [7, 10, 7, 7],
                [6, 4, 6, 9]])


def put_indicator_rows(g: SheetGrid, top: int, table, col: int = 1) -> int:
    """Title at ``top``, grade header below it, one row per indicator. Returns the next free row."""
    title, grades, names, counts = table
    g.set(top, col, title)
    for k, grade in enumerate(grades):
        g.set(top + 1, col + 1 + k, grade)
    for i, name in enumerate(names):
        g.set(top + 2 + i, col, name)
        for k in range(len(grades)):
            g.set(top + 2 + i, col + 1 + k, counts[k][i])
    return top + 2 + len(names)


def put_grade_rows(g: SheetGrid, top: int, table) -> int:
    """Title at ``top``, indicator names across the next row, one row per grade (as the seed extraction lists them)."""
    title, grades, names, counts = table
    g.set(top, 1, title)
    for i, name in enumerate(names):
        g.set(top + 1, 2 + i, name)
    for k, grade in enumerate(grades):
        g.set(top + 2 + k, 1, grade)
        for i in range(len(names)):
            g.set(top + 2 + k, 2 + i, counts[k][i])
    return top + 2 + len(grades)


def derby_2014_15(orientation: str = "rows") -> SheetGrid:
    g = SheetGrid("Audits 2014-15")
    put = put_indicator_rows if orientation == "rows" else put_grade_rows
    g.set(1, 1, "Early help case file audits 1.4.14 - 31.3.15")
    g.set(2, 1, "Audits due")
    g.set(2, 2, 86)
    g.set(3, 1, "Audits completed")
    g.set(3, 2, 52)
    r = 5
    for table in (CSE, MARCH, OVER_11, UNDER_11):
        r = put(g, r, table)
    return g


def ind(table: dict, name: str) -> dict:
    return next(i for i in table["indicators"] if i["indicator"] == name)


# --------------------------------------------------------------------------- grades and dates

def test_parse_grade_headers_and_words():
    assert [parse_grade(t) for t in ("0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING")] == [
        0, 1, 2, 3, 4]
    assert parse_grade("1 Poor / Inadequate") == 1
    assert parse_grade("Requires improvement") == 2
    assert parse_grade("Requires Improvement (RI)") == 2
    assert parse_grade("inadequate") == 1
    assert parse_grade("Outstanding") == 4
    assert parse_grade(3) == 3
    assert parse_grade(5) is None
    assert parse_grade("% Good") is None
    assert parse_grade("Good or better") is None
    assert parse_grade("Response to initial contact") is None
    assert GRADES[2] == "satisfactory"


def test_title_dates():
    assert title_date("MAT under 11s (March) - 2014/15") == date(2015, 3, 1)
    assert title_date("Under 11 MAT case audit December 2015") == date(2015, 12, 1)
    assert title_date("Over 11s audit May 2014") == date(2014, 5, 1)
    assert title_date("Audit of 31/12/2015") == date(2015, 12, 31)
    assert title_date("Under 11 MAT audit 2015-16") == date(2015, 4, 1)
    assert title_date("Case File Audit: Quality measures over a sample of CSE cases") is None


# --------------------------------------------------------------------------- reading the tables

@pytest.mark.parametrize("orientation", ["rows", "columns"])
def test_reads_the_four_derby_tables_in_either_orientation(orientation):
    tables, findings = read_audits(derby_2014_15(orientation))
    assert findings == []
    assert [t.title for t in tables] == [CSE[0], MARCH[0], OVER_11[0], UNDER_11[0]]
    assert [len(t.indicators) for t in tables] == [19, 20, 19, 19]
    assert [t.grades for t in tables] == [(0, 1, 2, 3), (0, 1, 2, 3, 4), (0, 1, 2, 3), (0, 1, 2, 3)]
    cse = tables[0]
    assert cse.layout == ("indicator_rows" if orientation == "rows" else "grade_rows")
    first = cse.indicators[0]
    assert first.name == "Response to initial contact"
    assert first.counts == {0: 0, 1: 1, 2: 5, 3: 2}
    if orientation == "rows":
        # title A5, header row 6, first indicator row 7: counts in B7:E7
        assert (cse.title_cell, cse.cell, first.cell) == ("A5", "A6", "A7")
        assert first.count_cells == {0: "B7", 1: "C7", 2: "D7", 3: "E7"}
        assert tables[1].title_cell == "A26"
    else:
        # title A5, indicator names across row 6, grade rows 7-10
        assert (cse.title_cell, cse.cell, first.cell) == ("A5", "A6", "B6")
        assert first.count_cells == {0: "B7", 1: "B8", 2: "B9", 3: "B10"}
    assert cse.completion == (52, 86)
    assert all(t.completion is None for t in tables[1:])


def test_rollup_of_the_cse_table():
    out, findings = audit_rollup(read_audits(derby_2014_15())[0])
    assert findings == []
    cse = out[0]
    assert (cse["sheet"], cse["title"], cse["layout"], cse["date"]) == ("Audits 2014-15", CSE[0], "indicator_rows", None)
    assert cse["completion"] == {"done": 52, "due": 86, "pct": pytest.approx(60.46511627906977), "cell": "A3"}
    r = ind(cse, "Response to initial contact")
    assert r["cases"] == 8
    assert r["counts"] == {"missing": 0, "poor": 1, "satisfactory": 5, "good": 2, "outstanding": 0}
    assert r["pct"] == {"missing": 0.0, "poor": 12.5, "satisfactory": 62.5, "good": 25.0, "outstanding": 0.0}
    assert r["pct_good_or_better"] == pytest.approx(25.0)
    assert r["mean_grade"] == pytest.approx(2.125)            # (1 + 10 + 6) / 8
    assert r["cell"] == "A7"
    o = ind(cse, "Outcomes")                                   # 1 missing, 1 poor, 5 satisfactory, 3 good
    assert (o["cases"], o["graded"]) == (10, 9)
    assert o["pct_good_or_better"] == pytest.approx(30.0)
    assert o["pct"]["missing"] == pytest.approx(10.0)
    assert o["mean_grade"] == pytest.approx(2.2222222222)      # (1 + 10 + 9) / 9
    care = ind(cse, "Care leavers and Young people away from home")    # one poor case only
    assert (care["cases"], care["pct_good_or_better"], care["mean_grade"]) == (1, 0.0, 1.0)
    assert cse["cases"] == 10
    assert cse["compared_with"] is None and r["change"] is None


def test_rollup_of_the_march_table_with_outstanding_and_empty_indicators():
    out, _ = audit_rollup(read_audits(derby_2014_15("columns"))[0])
    march = out[1]
    assert march["date"] == "2015-03-01"
    rev = ind(march, "Reviews")                                # 0, 0, 5, 3, 1
    assert rev["cases"] == 9
    assert rev["pct_good_or_better"] == pytest.approx(44.44444444)
    assert rev["mean_grade"] == pytest.approx(2.5555555556)    # (10 + 9 + 4) / 9
    overall = ind(march, "Overall rating")                     # 0, 0, 3, 5, 0
    assert overall["pct_good_or_better"] == pytest.approx(62.5)
    assert overall["mean_grade"] == pytest.approx(2.625)
    episode = ind(out[3], "Missing Episode")                   # nothing graded in the under-11s sample
    assert episode["cases"] == 0
    assert episode["pct_good_or_better"] is None and episode["mean_grade"] is None
    assert episode["pct"]["good"] is None
    first = ind(out[3], "Response to initial contact")         # 1, 2, 4, 5
    assert first["cases"] == 12
    assert first["pct_good_or_better"] == pytest.approx(41.6666666667)
    assert first["mean_grade"] == pytest.approx(2.2727272727)  # (2 + 8 + 15) / 11


def test_december_2015_reviews_and_change_against_march():
    g = derby_2014_15()
    dec = SheetGrid("Audit Dec 2015")
    put_indicator_rows(dec, 1, DEC_2015)
    tables = read_audits(g)[0] + read_audits(dec)[0]
    assert tables[-1].grades == (0, 1, 2, 3)
    out, _ = audit_rollup(tables)
    d = out[-1]
    assert d["date"] == "2015-12-01"
    assert d["compared_with"] == {"sheet": "Audits 2014-15", "title": MARCH[0], "cell": "A27", "date": "2015-03-01"}
    rev = ind(d, "Reviews")
    assert rev["cases"] == 17
    assert rev["counts"] == {"missing": 1, "poor": 3, "satisfactory": 7, "good": 6, "outstanding": 0}
    assert rev["pct"]["good"] == pytest.approx(35.294117647)          # the report truncates to 35.2
    assert rev["pct"]["satisfactory"] == pytest.approx(41.176470588)
    assert rev["pct"]["poor"] == pytest.approx(17.647058824)
    assert rev["pct"]["missing"] == pytest.approx(5.882352941)
    assert rev["mean_grade"] == pytest.approx(2.1875)                 # (3 + 14 + 18) / 16
    assert rev["change"]["against"] == MARCH[0]
    assert rev["change"]["cases"] == 8                                # 17 - 9
    assert rev["change"]["pct_good_or_better"] == pytest.approx(-9.1503267974)   # 35.294 - 44.444
    assert rev["change"]["mean_grade"] == pytest.approx(-0.3680555556)           # 2.1875 - 23/9
    mo = ind(d, "Management oversight and Supervision")               # 0, 1, 7, 9 against 1, 0, 2, 6, 0
    assert mo["pct_good_or_better"] == pytest.approx(52.941176471)
    assert mo["change"]["pct_good_or_better"] == pytest.approx(-13.725490196)    # 52.941 - 66.667
    assert mo["change"]["mean_grade"] == pytest.approx(-0.2794117647)            # 42/17 - 2.75
    assess = ind(d, "Assessment quality - CAF")                       # 6 missing, 1 inadequate, 30% good
    assert assess["pct"]["good"] == pytest.approx(30.0)
    plan = ind(d, "Care plan - Early Help")
    assert plan["pct"]["good"] == pytest.approx(20.0)


def test_undated_tables_compare_with_the_table_above():
    out, _ = audit_rollup(read_audits(derby_2014_15())[0])
    assert out[0]["compared_with"] is None
    # March 2014/15 is dated but no earlier table is, so it falls back to the CSE table above it
    assert out[1]["compared_with"]["title"] == CSE[0]
    assert out[2]["compared_with"]["title"] == MARCH[0]
    under = out[3]
    assert under["compared_with"]["title"] == OVER_11[0]
    first = ind(under, "Response to initial contact")   # 41.667% good against 2/12 = 16.667% in the over-11s
    assert first["change"]["pct_good_or_better"] == pytest.approx(25.0)
    assert first["change"]["mean_grade"] == pytest.approx(0.3560606061)   # 25/11 - 23/12 = 47/132
    assert ind(under, "Missing Episode")["change"]["pct_good_or_better"] is None


def test_same_audit_title_preferred_and_later_dates_not_used():
    g = SheetGrid("Audits")
    short = ("Under 11 MAT case audit 2014-15", ["Missing", "Poor", "Satisfactory", "Good"], ["Reviews", "Outcomes"],
             [[0, 1], [2, 2], [4, 3], [4, 4]])
    other = ("CSE case audit May 2015", ["Missing", "Poor", "Satisfactory", "Good"], ["Reviews", "Outcomes"],
             [[0, 0], [0, 0], [5, 5], [5, 5]])
    later = ("Under 11 MAT case audit December 2015", ["Missing", "Poor", "Satisfactory", "Good"],
             ["Reviews", "Outcomes"], [[1, 0], [3, 2], [7, 9], [6, 6]])
    r = put_indicator_rows(g, 1, later)
    r = put_indicator_rows(g, r + 1, short)
    put_indicator_rows(g, r + 1, other)
    out, _ = audit_rollup(read_audits(g)[0])
    assert [t["title"] for t in out] == [later[0], short[0], other[0]]
    assert out[0]["compared_with"]["title"] == short[0]      # same audit, earlier year, despite May 2015 being later
    assert out[1]["compared_with"] is None                    # the table above it is later (Dec 2015)
    assert out[2]["compared_with"]["title"] == short[0]       # May 2015 against 2014-15
    reviews = ind(out[0], "Reviews")                          # 6/17 good against 4/10
    assert reviews["change"]["pct_good_or_better"] == pytest.approx(-4.7058823529)


def test_per_case_layout_is_counted():
    g = SheetGrid("Dec 2015 cases")
    g.set(1, 1, "Under 11 MAT case audit December 2015 - grades per case")
    for c, h in enumerate(["Case ref", "Assessment quality", "Care plan", "Reviews", "Management oversight"], 1):
        g.set(2, c, h)
    cases = [
        ["C1", 3, "Good", 2, 3],
        ["C2", 0, 1, "Requires improvement", "3=Good"],
        ["C3", 2, 2, "n/a", "Inadequate"],
        ["C4", "Missing", 0, 3, 5],
        ["C5", 2, None, "Good", 2],
    ]
    for r, row in enumerate(cases, start=3):
        for c, v in enumerate(row, 1):
            if v is not None:
                g.set(r, c, v)
    tables, findings = read_audits(g)
    assert [(f.rule, f.severity.value, f.cell, f.row) for f in findings] == [("audit-grade-invalid", "error", "E6", 6)]
    (t,) = tables
    assert (t.layout, t.cases, t.title, t.grades) == ("per_case", 5, "Under 11 MAT case audit December 2015 - "
                                                      "grades per case", (0, 1, 2, 3))
    assert [(i.name, i.counts, i.cell) for i in t.indicators] == [
        ("Assessment quality", {0: 2, 1: 0, 2: 2, 3: 1}, "B2"),
        ("Care plan", {0: 1, 1: 1, 2: 1, 3: 1}, "C2"),
        ("Reviews", {0: 0, 1: 0, 2: 2, 3: 2}, "D2"),
        ("Management oversight", {0: 0, 1: 1, 2: 1, 3: 2}, "E2"),
    ]
    out, _ = audit_rollup(tables)
    assert out[0]["cases"] == 5
    a = ind(out[0], "Assessment quality")
    assert (a["cases"], a["pct_good_or_better"]) == (5, pytest.approx(20.0))
    assert a["mean_grade"] == pytest.approx(2.3333333333)     # (2 + 2 + 3) / 3
    m = ind(out[0], "Management oversight")
    assert (m["cases"], m["pct_good_or_better"], m["mean_grade"]) == (4, 50.0, 2.25)
    assert looks_like_audit_table(g) >= 0.8


def test_invalid_counts_are_reported_and_not_counted():
    g = SheetGrid("Audit")
    g.set(1, 1, "Case file audit")
    g.set(2, 1, "Indicator")
    for c, h in enumerate(["Missing", "Inadequate", "Requires improvement", "Good", "Outstanding", "Total"], 2):
        g.set(2, c, h)
    g.set(3, 1, "Reviews")
    for c, v in enumerate([1, -1, 7, "6", "-"], 2):
        g.set(3, c, v)
    g.set(4, 1, "Outcomes")
    for c, v in enumerate([0, 2.5, "lots", 3, None], 2):
        g.set(4, c, v)
    g.set(5, 1, "Total")
    g.set(5, 2, 1)
    g.set(6, 1, "Audits completed")
    g.set(6, 2, "17 of 21")
    tables, findings = read_audits(g)
    assert [(f.rule, f.cell) for f in findings] == [
        ("audit-count-invalid", "C3"), ("audit-count-invalid", "C4"), ("audit-count-invalid", "D4")]
    assert "'Audit'!C3" in findings[0].message
    (t,) = tables
    assert [(i.name, i.counts) for i in t.indicators] == [
        ("Reviews", {0: 1, 1: 0, 2: 7, 3: 6, 4: 0}), ("Outcomes", {0: 0, 1: 0, 2: 0, 3: 3, 4: 0})]
    assert t.completion == (17, 21) and t.completion_cell == "A6"
    assert t.title == "Case file audit"


def test_bare_number_grades_need_an_indicator_header():
    g = SheetGrid("Audit")
    g.set(1, 1, "Indicator")
    for c in range(2, 6):
        g.set(1, c, c - 2)
    g.set(2, 1, "Reviews")
    for c, v in enumerate([1, 3, 7, 6], 2):
        g.set(2, c, v)
    (t,), findings = read_audits(g)
    assert findings == [] and t.indicators[0].counts == {0: 1, 1: 3, 2: 7, 3: 6}
    g.set(1, 1, "Quarter")
    assert read_audits(g) == ([], [])


def test_looks_like_audit_table():
    assert looks_like_audit_table(derby_2014_15()) >= 0.9
    assert looks_like_audit_table(derby_2014_15("columns")) >= 0.9
    plan = SheetGrid("Plan")
    for c, h in enumerate(["Ref", "Action", "Owner", "Deadline", "Status"], 1):
        plan.set(1, c, h)
    plan.set(2, 1, 1)
    plan.set(2, 2, "Develop audit tool")
    plan.set(2, 5, "Good")
    plan.set(3, 1, 2)
    plan.set(3, 2, "Review case guidance")
    plan.set(3, 5, "In progress")
    assert looks_like_audit_table(plan) == 0.0


def test_empty_table_is_warned():
    t = AuditTable("Audit", "Empty audit", "A2", "indicator_rows", (0, 1, 2, 3),
                   [AuditIndicator("Reviews", {0: 0, 1: 0, 2: 0, 3: 0}, "A3", 3)])
    out, findings = audit_rollup([t])
    assert [(f.rule, f.cell) for f in findings] == [("audit-table-empty", "A2")]
    assert out[0]["indicators"][0]["cases"] == 0


# --------------------------------------------------------------------------- the Audits sheet

def test_audits_sheet_shows_shares_and_charts_the_counts():
    dec = SheetGrid("Audit Dec 2015")
    put_indicator_rows(dec, 1, DEC_2015)
    out, _ = audit_rollup(read_audits(derby_2014_15())[0][:2] + read_audits(dec)[0])
    spec = audits_sheet(out, as_of=date(2016, 6, 30), source="derby.xlsx")
    assert spec.name == "Audits"
    values = [[c.value for c in row] for row in spec.rows]
    assert "30 Jun 2016" in values[1][0] and "derby.xlsx" in values[1][0]
    # first table: blank row 4, title row 5, completion row 6, header row 7, indicators from row 8
    assert values[4][0] == CSE[0]
    assert spec.rows[4][1].link == "'Audits 2014-15'!A6"
    assert values[5] == ["Audits completed / due / completion rate", 52, 86, pytest.approx(0.6046511628)]
    assert spec.rows[5][3].style == "pct"
    assert values[6] == ["Indicator", "Cases", "Missing", "Poor", "Satisfactory", "Good", "% Missing", "% Poor",
                         "% Satisfactory", "% Good", "% Good or better", "Mean grade",
                         "Change in % good or better (points)", "Change in mean grade"]
    row = spec.rows[7]
    assert [c.value for c in row[:6]] == ["Response to initial contact", 8, 0, 1, 5, 2]
    assert [c.value for c in row[6:12]] == [0.0, 0.125, 0.625, 0.25, 0.25, 2.125]
    assert [c.style for c in row[6:12]] == ["pct"] * 5 + ["decimal1"]
    assert row[0].link == "'Audits 2014-15'!A7"
    (cse_chart, march_chart, dec_chart) = spec.charts
    assert cse_chart.kind == "bar_stacked_100" and cse_chart.title == CSE[0]
    assert [s.name for s in cse_chart.series] == ["Missing", "Poor", "Satisfactory", "Good"]
    assert cse_chart.series[0].categories == "'Audits'!$A$8:$A$26"
    assert cse_chart.series[0].values == "'Audits'!$C$8:$C$26"
    assert cse_chart.series[3].values == "'Audits'!$F$8:$F$26"
    assert spec.rows[25][0].value == "Outcomes" and spec.rows[25][5].value == 3
    assert cse_chart.anchor == "P5"
    # the March table has an Outstanding column: its chart has five series
    assert [s.name for s in march_chart.series][-1] == "Outstanding"
    # the December table: compared with March, reviews 35.3% good
    d_title = next(i for i, v in enumerate(values) if v and v[0] == DEC_2015[0])
    assert values[d_title + 1][0].startswith("Change against: " + MARCH[0])
    header = d_title + 2
    reviews = spec.rows[header + 3]
    assert reviews[0].value == "Reviews"
    assert [c.value for c in reviews[2:6]] == [1, 3, 7, 6]
    assert reviews[9].value == pytest.approx(0.3529411765)
    assert reviews[12].value == pytest.approx(-9.1503267974)
    assert reviews[13].value == pytest.approx(-0.3680555556)
    first = header + 2
    assert dec_chart.series[1].values == f"'Audits'!$D${first}:$D${first + 3}"
    assert dec_chart.series[1].categories == f"'Audits'!$A${first}:$A${first + 3}"
    # no chart overlaps the next table: each block is at least as tall as its chart
    assert int(march_chart.anchor[1:]) >= int(cse_chart.anchor[1:]) + cse_chart.size[1]


def test_audits_sheet_when_empty():
    spec = audits_sheet([], as_of=date(2016, 6, 30), source="x.xlsx")
    assert spec.charts == [] and spec.rows[-1][0].value == "No case-file audit tables were found."


def test_maturity_grid_is_not_an_audit_table():
    g = SheetGrid("Matrix")
    g.set(1, 1, "Progress")
    for c in range(2, 6):
        g.set(1, c, c - 1)
    for r, (area, level) in enumerate([("Service delivery", 2), ("Governance", 2), ("Quality Assurance", 2)], 2):
        g.set(r, 1, area)
        g.set(r, 1 + level, level)
    assert read_audits(g) == ([], [])
    assert looks_like_audit_table(g) == 0.0


def test_header_repeated_on_a_new_page_continues_the_table():
    g = SheetGrid("Audit")
    g.set(1, 1, "Over 11s audit May 2014")
    for c, h in enumerate(["0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD"], 2):
        g.set(2, c, h)
        g.set(4, c, h)
    g.set(3, 1, "Reviews")
    g.set(5, 1, "Outcomes")
    for c, (a, b) in enumerate([(1, 0), (3, 3), (6, 8), (4, 3)], 2):
        g.set(3, c, a)
        g.set(5, c, b)
    (t,), findings = read_audits(g)
    assert findings == []
    assert [(i.name, i.counts) for i in t.indicators] == [
        ("Reviews", {0: 1, 1: 3, 2: 6, 3: 4}), ("Outcomes", {0: 0, 1: 3, 2: 8, 3: 3})]


def test_large_plan_sheet_is_rejected_quickly():
    import time
    plan = SheetGrid("Plan")
    for c in range(1, 16):
        plan.set(1, c, f"Heading {c}")
    for r in range(2, 1202):
        for c in range(1, 16):
            plan.set(r, c, f"text {r}-{c}" if c != 3 else r % 4)
    start = time.perf_counter()
    assert looks_like_audit_table(plan) == 0.0
    assert time.perf_counter() - start < 5

"""``ehxl demo``: the README's first command writes board-ready workbooks, and a folder of locality
teams' workbooks with their board pack, that LibreOffice opens."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ehxl import demo
from ehxl.cli import main
from ehxl.package import Package

import libreoffice


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(main, ["demo", str(folder)])
    assert res.exit_code == 0, res.output          # 0 although one team's file is damaged: that is the lesson
    return folder, res.stdout


@pytest.fixture(scope="module")
def demo_dir(demo_run):
    return demo_run[0]


def test_demo_writes_four_rolled_up_workbooks(demo_dir):
    sheets = {p.name: [s.name for s in Package.open(p).sheets()] for p in sorted(demo_dir.glob("*.xlsx"))}
    assert len(sheets) == 4
    derby = sheets["derby-early-help-action-plan-2015-16.xlsx"]
    assert derby[:2] == ["Action plan", "Owners"]
    assert {"Summary", "Overdue", "Validation"} <= set(derby)
    assert "Maturity" in sheets["coventry-early-help-plan-2015-18.xlsx"]
    assert {"KPIs", "Audits"} <= set(sheets["derby-performance-and-audits-2014-16.xlsx"])


def test_demo_derby_overdue_worked_out_by_hand(demo_dir):
    from datetime import date

    from ehxl import api

    doc = api.overdue(demo_dir / "derby-early-help-action-plan-2015-16.xlsx", as_of=date(2015, 11, 2)).json("overdue")
    # By 1.7.15: 1.1, 4.1; By 1.8.15: 3.1; By 1.10.15: 1.2, 1.3, 2.2, 3.4 (6.3 is green: complete)
    assert [r["ref"] for r in doc["overdue"]] == ["1.1", "4.1", "3.1", "1.2", "1.3", "2.2", "3.4"]
    assert [r["days_overdue"] for r in doc["overdue"]] == [124, 124, 93, 32, 32, 32, 32]
    assert [r["ref"] for r in doc["due_soon"]] == ["2.3"]


def test_demo_derby_red_and_amber_actions_without_an_update(demo_dir):
    from datetime import date

    from ehxl import api

    doc = api.validate(demo_dir / "derby-early-help-action-plan-2015-16.xlsx", as_of=date(2015, 11, 2)).json("validate")
    # rows: header 4, theme 5, 1.1-1.4 in 6, 7, 9, 10 (8 continues 1.2), theme 11, 2.1-2.3 in 12-14, header again 15,
    # theme 16, 3.1-3.4 in 17-20, theme 21, 4.1 22, 4.4 23, 4.6 24, 6.x from 26: of the red and amber actions only
    # 4.4 (amber) has an empty "Progress As at 2.11.15"; 4.6 has none either but no RAG colour
    missing = [(f["cell"], f["severity"]) for f in doc["findings"] if f["rule"] == "update-missing"]
    assert missing == [("G23", "warning")]


def test_libreoffice_opens_the_demo_and_its_board_pack_with_their_charts(demo_dir, tmp_path):
    libreoffice.soffice()
    files = sorted(demo_dir.glob("*.xlsx")) + [demo_dir / demo.PACK_FOLDER / demo.PACK_FILE]
    libreoffice.convert(files, "pdf", tmp_path, timeout=600)
    for f in files:
        pdf = tmp_path / (f.stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 10_000, f"LibreOffice did not render {f.name}"


# ------------------------------------------------------------------ the locality teams' folder and its pack
#
# Worked out by hand from the rows in ehxl/demo.py, as of 1 November 2016 (deadlines in the next 30 days,
# up to 1 December 2016, are due soon; a month means its last day):
#
# North (15 actions, RAG as the reference cell's fill): green (complete) 1.1, 1.2, 2.2, 3.5; red 3.8, 3.10;
#   grey 3.1; amber the other 8.  Overdue: 3.4 July 2016 (31/07, 93 days), 3.9 and 3.12 1.8.16 (92),
#   3.8 and 3.10 1.9.16 (61): 5 of 15.  Due soon: 2.3 November 2016 (29 days left), 3.13 1.12.16 (30).
#   3.3 "1.4.17 Ongoing." has no deadline; 1.3, 3.1 December 2016 and 2.1 May 2017 are later.
# South (9, status words): Complete S3, Completed S8; Behind schedule S5 (December 2016: not late);
#   Not started S4; In progress S1, S2, S7, S9 and On track S6 are amber.  Overdue: S1 1.9.16 (61),
#   S9 31/10/2016 (1): 2 of 9.  Due soon: S4 15/11/2016 (14), S6 November 2016 (29).
# East (8, RAG letters): G 1; R 4, 7; A the other 5.  Overdue: 4 August 2016 (31/08, 62), 2 September 2016
#   and 5 "End of September 16" (30/09, 32), 7 October 2016 (31/10, 1): 4 of 8.  Due soon: 8 November 2016 (29).
# West: its file is cut in half, so it is refused and the pack is built from the other three.
# Worst overdue share first: East 4/8 = 50%, North 5/15 = 33.3%, South 2/9 = 22.2%.
# City: 15 + 9 + 8 = 32 actions, 4 + 2 + 1 = 7 complete, 5 + 2 + 4 = 11 overdue, 2 + 2 + 1 = 5 due soon.

AS_OF = date(2016, 11, 1)
TEAM_FILES = {"north-locality-action-plan-2016-17.xlsx", "south-locality-plan-2016-17.xlsx",
              "east-locality-plan-and-maturity-2016-17.xlsx", "west-locality-action-plan-2016-17.xlsx"}


@pytest.fixture(scope="module")
def pack_doc(tmp_path_factory) -> dict:
    return demo.run_pack(tmp_path_factory.mktemp("pack")).json()


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.name in TEAM_FILES | {"ehxl.toml"}}


def test_demo_writes_the_locality_teams_folder_and_its_board_pack(demo_dir):
    folder = demo_dir / demo.PACK_FOLDER
    written = {p.name for p in folder.iterdir() if p.suffix in (".xlsx", ".toml")}
    assert written == TEAM_FILES | {"ehxl.toml", "board-pack.xlsx"}
    sheets = [s.name for s in Package.open(folder / "board-pack.xlsx").sheets()]
    assert {"Summary", "Overdue", "Validation", "KPIs", "Maturity", "Audits", "Sources"} <= set(sheets)
    assert '"west-locality-action-plan-2016-17.xlsx" = "West locality"' in (folder / "ehxl.toml").read_text()


def test_ehxl_demo_says_where_the_pack_is_and_what_it_left_out(demo_run):
    folder, out = demo_run
    (line,) = [x for x in out.splitlines() if "board-pack.xlsx" in x]
    assert line.startswith(f"{folder / demo.PACK_FOLDER / demo.PACK_FILE}: board pack of 3 locality workbooks: "
                           "32 actions, 11 overdue (East locality worst, 4 of 8), KPIs, maturity, audits")
    assert ("; since the board of 1 Aug 2016: Green rose from 19% to 22% of 32 actions: 1 moved from amber to "
            "green, 1 new action is not yet green; left out") in line
    assert line.endswith("left out (see Sources): west-locality-action-plan-2016-17.xlsx")


def test_pack_totals_and_teams_worst_first_worked_out_by_hand(pack_doc):
    assert pack_doc["as_of"] == "2016-11-01"
    acts = pack_doc["actions"]
    assert (acts["total"], acts["complete"], acts["overdue"], acts["due_soon"]) == (32, 7, 11, 5)
    # green 4 + 2 + 1, amber 8 + 5 + 5, red 2 + 1 + 2, grey 1 + 1 + 0
    assert acts["by_status"] == {"green": 7, "amber": 18, "red": 5, "blue": 0, "grey": 2, "none": 0}
    assert acts["by_team"] == [
        {"team": "East locality", "total": 8, "complete": 1, "overdue": 4, "due_soon": 1,
         "by_status": {"green": 1, "amber": 5, "red": 2, "blue": 0, "grey": 0, "none": 0}},
        {"team": "North locality", "total": 15, "complete": 4, "overdue": 5, "due_soon": 2,
         "by_status": {"green": 4, "amber": 8, "red": 2, "blue": 0, "grey": 1, "none": 0}},
        {"team": "South locality", "total": 9, "complete": 2, "overdue": 2, "due_soon": 2,
         "by_status": {"green": 2, "amber": 5, "red": 1, "blue": 0, "grey": 1, "none": 0}},
    ]


def test_pack_overdue_and_due_soon_worked_out_by_hand(pack_doc):
    # earliest deadline first, then team: North's rows are 6-8, 10-12 and 14-22 under theme rows 5, 9 and 13
    # (3.4 in row 16), its deadlines in column E; South's S1-S9 are rows 5-13, deadlines in D; East's 1-8 rows 4-11, G
    late = [(r["team"], r["ref"], r["days_overdue"], r["cell"]) for r in pack_doc["overdue"]]
    assert late == [("North locality", "3.4", 93, "E16"), ("North locality", "3.9", 92, "E19"),
                    ("North locality", "3.12", 92, "E21"), ("East locality", "4", 62, "G7"),
                    ("North locality", "3.8", 61, "E18"), ("North locality", "3.10", 61, "E20"),
                    ("South locality", "S1", 61, "D5"), ("East locality", "2", 32, "G5"),
                    ("East locality", "5", 32, "G8"), ("East locality", "7", 1, "G10"),
                    ("South locality", "S9", 1, "D13")]
    soon = [(r["team"], r["ref"], r["days_left"]) for r in pack_doc["due_soon"]]
    assert soon == [("South locality", "S4", 14), ("East locality", "8", 29), ("North locality", "2.3", 29),
                    ("South locality", "S6", 29), ("North locality", "3.13", 30)]


def test_the_damaged_file_is_one_refused_row_and_the_only_error(pack_doc):
    files = {Path(f["file"]).name: (f["team"], f["status"], f["actions"]) for f in pack_doc["files"]}
    assert files == {"east-locality-plan-and-maturity-2016-17.xlsx": ("East locality", "read", 8),
                     "north-locality-action-plan-2016-17.xlsx": ("North locality", "read", 15),
                     "south-locality-plan-2016-17.xlsx": ("South locality", "read", 9),
                     "west-locality-action-plan-2016-17.xlsx": ("West locality", "refused", 0)}
    # the warnings: North 3.10 red with an empty update (G20); South S9 amber with no comment (F13); South's
    # Q2 2016/17 Early Help cases "Awaiting data" (E4); East declares Integrated Service Delivery at 2 (C5:
    # the mark under level 2 in row 5) but its actions' levels 1 and 2 give median 1.5, rounded down to 1.
    # From the history: the red and amber updates left word for word as at 1 August (demo.LAST_BOARD_CELLS
    # rewrote all the others): North 3.8 (G18), South S5 (F9), East 7 (E10).
    found = {(f["severity"], f["rule"], f["team"], f["cell"]) for f in pack_doc["findings"]}
    assert found == {("error", "file-refused", "West locality", None),
                     ("warning", "update-missing", "North locality", "G20"),
                     ("warning", "update-missing", "South locality", "F13"),
                     ("warning", "value-missing", "South locality", "E4"),
                     ("warning", "maturity-mismatch", "East locality", "C5"),
                     ("warning", "update-stale", "North locality", "G18"),
                     ("warning", "update-stale", "South locality", "F9"),
                     ("warning", "update-stale", "East locality", "E10")}
    (refused,) = [f for f in pack_doc["findings"] if f["rule"] == "file-refused"]
    assert "is damaged" in refused["message"]


def test_the_packs_sources_sheet_shows_the_damaged_file(demo_dir):
    import openpyxl

    wb = openpyxl.load_workbook(demo_dir / demo.PACK_FOLDER / demo.PACK_FILE)
    rows = {Path(r[0]).name: r[1:3] for r in wb["Sources"].iter_rows(values_only=True)
            if r[0] and str(r[0]).endswith(".xlsx")}
    assert rows["west-locality-action-plan-2016-17.xlsx"] == ("West locality", "refused")
    assert sorted(status for _, status in rows.values()) == ["read", "read", "read", "refused"]


def _city(doc: dict, measure: str) -> list[dict]:
    return next(k for k in doc["kpis"] if k["team"] is None and k["measure"].casefold() == measure)["periods"]


def test_pack_kpis_summed_and_pooled_by_hand(pack_doc):
    # North gives quarter-end dates, South "Q3 2015/16" labels: the same four quarters
    cases = _city(pack_doc, "early help cases")
    # 236 + 198, 221 + 187, 214 + 176; Q2 2016-17 South is "Awaiting data": incomplete, North's 228 alone
    assert [(p["value"], p["status"]) for p in cases[:3]] == [(434, "complete"), (408, "complete"), (390, "complete")]
    assert (cases[3]["value"], cases[3]["status"], cases[3]["partial"], cases[3]["teams_missing"]) == \
        (None, "incomplete", 228, ["South locality"])
    escalated = _city(pack_doc, "escalated to social care")
    # (31 + 22)/(102 + 84), (29 + 25)/(118 + 97), (24 + 19)/(96 + 80), (27 + 21)/(105 + 88)
    assert [(p["numerator"], p["denominator"]) for p in escalated] == [(53, 186), (54, 215), (43, 176), (48, 193)]
    assert [p["value"] for p in escalated] == [pytest.approx(100 * n / d) for n, d in
                                               [(53, 186), (54, 215), (43, 176), (48, 193)]]
    assessments = _city(pack_doc, "early help assessments completed")
    assert [p["value"] for p in assessments] == [58 + 41, 36 + 30, 61 + 44, 66 + 52]


def test_pack_audits_pooled_over_each_teams_latest_audit_by_hand(pack_doc):
    # South's December 2015 audit is above its March 2015 one: the latest by date counts, not the last table.
    # North + South December 2015 are Derby's city-wide under 11s audit again (reviews 1, 3, 7, 6, 0 of 17)
    pooled = {row["indicator"]: row for row in pack_doc["audits_pooled"]}
    expected = {  # counts missing..outstanding, North's and South's good or better
        "Assessment quality - CAF": ((6, 1, 7, 6, 0), (2, 10), (4, 10)),
        "Reviews": ((1, 3, 7, 6, 0), (3, 9), (3, 8)),
        "Management oversight and Supervision": ((0, 1, 9, 10, 0), (4, 10), (6, 10)),
        "Outcomes": ((0, 2, 10, 5, 0), (2, 9), (3, 8)),
    }
    assert set(pooled) == set(expected)
    for name, (counts, north, south) in expected.items():
        row = pooled[name]
        assert tuple(row["counts"].values()) == counts
        assert row["cases"] == sum(counts)
        assert row["pct_good_or_better"] == pytest.approx(100 * (counts[3] + counts[4]) / sum(counts))
        assert row["teams"]["North locality"]["pct_good_or_better"] == pytest.approx(100 * north[0] / north[1])
        assert row["teams"]["South locality"]["pct_good_or_better"] == pytest.approx(100 * south[0] / south[1])


# East's plan levels: SERVICE DELIVERY 3, 2, 3 -> median 3; INTEGRATED SERVICE DELIVERY 1, 2 -> 1.5, rounded
# down to 1; WORKFORCE DEVELOPMENT, QUALITY ASSURANCE, GOVERNANCE 2 each.  Its grid declares 3, 2, 2, 2, 2.
EAST_MATURITY = {"service delivery": (3, 3), "integrated service delivery": (2, 1), "workforce development": (2, 2),
                 "quality assurance": (2, 2), "governance": (2, 2)}


def test_pack_maturity_rows_of_the_team_by_hand(pack_doc):
    rows = {m["area"].casefold(): (m["declared_level"], m["computed_level"]) for m in pack_doc["maturity"]}
    assert rows == EAST_MATURITY


def test_pack_maturity_grid_by_hand(pack_doc):
    grid = {row["area"].casefold(): row["teams"]["East locality"] for row in pack_doc["maturity_grid"]}
    assert {area: (v["declared"], v["computed"]) for area, v in grid.items()} == EAST_MATURITY
    assert [area for area, v in grid.items() if v["mismatch"]] == ["integrated service delivery"]


def test_team_files_are_byte_identical_after_the_demos_roll_up(tmp_path):
    folder = demo.write_team_books(tmp_path / demo.PACK_FOLDER)
    before = _hashes(folder)
    assert set(before) == TEAM_FILES | {"ehxl.toml"}
    result = demo.roll_up_teams(folder)
    assert result.written == folder / demo.PACK_FILE and result.written.exists()
    assert _hashes(folder) == before


# ------------------------------------------------------------------ what changed since the board of 1 August 2016
#
# demo.LAST_BOARD_CELLS undoes, cell by cell, what each team changed between the boards.  Then (as of 1/8/2016):
# North 15 actions, green (complete) 1.1, 1.2, 2.2, 3.5; amber 3.8 and the 8 amber of now (9); red 3.10; grey 3.1;
#   overdue only 3.4 (July 2016; 3.9 and 3.12 are due on 1.8.16 itself, not before it).
# South 8 (no S9): green S8 (Completed); amber S1, S2, S3 (In progress then), S5 (On track), S6, S7; grey S4;
#   overdue S3 (June 2016, not yet complete).
# East 8: green 1; red 7; amber 2, 3, 4, 5, 6, 8; overdue 4 (July 2016 then).
# So then: 31 actions, 4 + 1 + 1 = 6 complete, 3 overdue, green 6/31 = 19.4%, amber 21/31 = 67.7%, red 2/31 = 6.5%.
# Now (see above): 32, 7 complete, 11 overdue, green 7/32 = 21.9%, amber 18/32 = 56.2%, red 5/32 = 15.6%.

def test_the_demo_pack_says_what_changed_since_the_last_board(pack_doc):
    ch = pack_doc["changes"]
    assert ch["since"]["as_of"] == "2016-08-01"
    assert ch["headline"] == {"total": [31, 32], "complete": [6, 7], "overdue": [3, 11],
                              "green_pct": [19.4, 21.9], "amber_pct": [67.7, 56.2], "red_pct": [6.5, 15.6]}
    assert ch["explanation"] == ("Green rose from 19% to 22% of 32 actions: 1 moved from amber to green, "
                                 "1 new action is not yet green.")
    # by team, from the counts above: East 8 -> 8 (amber 6 -> 5, red 1 -> 2: action 4), North 15 -> 15 (3.8
    # amber -> red), South 8 -> 9 (S9 new; S3 complete; S5 amber -> red); West was refused at both boards
    assert ch["by_team"] == [
        {"team": "East locality", "total": [8, 8], "complete": [1, 1], "overdue": [1, 4],
         "green_pct": [12.5, 12.5], "amber_pct": [75.0, 62.5], "red_pct": [12.5, 25.0]},
        {"team": "North locality", "total": [15, 15], "complete": [4, 4], "overdue": [1, 5],
         "green_pct": [26.7, 26.7], "amber_pct": [60.0, 53.3], "red_pct": [6.7, 13.3]},
        {"team": "South locality", "total": [8, 9], "complete": [1, 2], "overdue": [1, 2],
         "green_pct": [12.5, 22.2], "amber_pct": [75.0, 55.6], "red_pct": [0.0, 11.1]}]
    moves = {(r["team"], r["ref"], r["from"], r["to"]) for r in ch["status_moves"]}
    assert moves == {("North locality", "3.8", "amber", "red"), ("South locality", "S3", "amber", "green"),
                     ("South locality", "S5", "amber", "red"), ("East locality", "4", "amber", "red")}
    assert [(r["team"], r["ref"]) for r in ch["completed"]] == [("South locality", "S3")]
    # overdue now but not on 1 August: North 3.8, 3.9, 3.10, 3.12; South S1; East 2, 5, 7 (S9 is new)
    assert {(r["team"], r["ref"]) for r in ch["newly_overdue"]} == {
        ("North locality", "3.8"), ("North locality", "3.9"), ("North locality", "3.10"), ("North locality", "3.12"),
        ("South locality", "S1"), ("East locality", "2"), ("East locality", "5"), ("East locality", "7")}
    assert [(r["team"], r["ref"]) for r in ch["new"]] == [("South locality", "S9")] and ch["removed"] == []
    # S4 31/10/2016 -> 15/11/2016 is 15 days; East 4 July 2016 (31/07) -> August 2016 (31/08) is 31
    assert {(r["team"], r["ref"], r["from"], r["to"], r["days"]) for r in ch["deadline_changes"]} == {
        ("South locality", "S4", "2016-10-31", "2016-11-15", 15), ("East locality", "4", "2016-07-31", "2016-08-31", 31)}
    assert ch["owner_changes"] == [] and ch["deadlines_moved_again"] == []
    assert {(r["team"], r["ref"]) for r in ch["updates_unchanged"]} == {
        ("North locality", "3.8"), ("South locality", "S5"), ("East locality", "7")}
    # North's Q1 2016-17 cases 210 -> 214, so the city's (North + South 176) 386 -> 390
    assert [(r["team"], r["measure"], r["period_end"], r["from"], r["to"]) for r in ch["restated"]] == [
        ("North locality", "Early Help cases", "2016-06-30", 210, 214),
        (None, "Early Help cases", "2016-06-30", 386, 390)]
    assert [(r["team"], r["area"].casefold(), r["from"], r["to"]) for r in ch["maturity_moved"]] == [
        ("East locality", "service delivery", 2, 3)]


def test_the_demo_pack_has_a_changes_and_a_trend_sheet(demo_dir):
    import openpyxl

    wb = openpyxl.load_workbook(demo_dir / demo.PACK_FOLDER / demo.PACK_FILE)
    assert {"Changes", "Trend"} <= set(wb.sheetnames)
    trend = [[c.value for c in row] for row in wb["Trend"].iter_rows()]
    head = next(i for i, r in enumerate(trend) if r[0] == "Board (as of)")
    assert [r[:2] for r in trend[head + 1:head + 3]] == [["01/08/2016", 31], ["01/11/2016", 32]]
    # the city's latest full quarter at each board: cases Q1 2016-17, North + South, 210 + 176 then and
    # 214 + 176 now (Q2 is incomplete: South's "Awaiting data"); escalated Q1 pooled (24 + 19) / (96 + 80)
    # then, Q2 (27 + 21) / (105 + 88) now; assessments Q1 61 + 44, Q2 66 + 52
    assert trend[head][6:9] == ["Early Help cases", "Escalated to Social Care", "Early Help Assessments completed"]
    assert [r[6:9] for r in trend[head + 1:head + 3]] == [
        [386, pytest.approx(100 * 43 / 176), 105], [390, pytest.approx(100 * 48 / 193), 118]]
    ws = wb["Trend"]
    assert ws.cell(head + 2, 7).number_format == "#,##0"             # counts as whole numbers
    assert ws.cell(head + 2, 8).number_format == "0.0"              # a rate with its decimal
    assert (demo_dir / demo.LAST_BOARD_FOLDER / "south-locality-plan-2016-17.xlsx").exists()


"""What changed since the last board: a plan rolled up, changed as a team changes it, rolled up again.

Board one is 30 September 2015, board two 15 January 2016.  Between them the team
(worked out by hand below, row by row):

    then (30/09/2015)                                   now (15/01/2016)
    1.1 Refresh the early help offer   amber 31/10/15   1.1 same, same update            amber, now overdue
    1.2 Train staff ...                green 30/11/15   1.2 same                         green
    1.3 Publish the local offer        red   31/12/15   (removed)
    2.1 Audit cases open in 2014-15    amber 31/01/16   1.3 renumbered, due 31/03/16     amber, same update
    2.2 Report to the safeguarding ... grey  31/03/16   2.1 renumbered, Sam Walsh now    green (complete)
                                                        2.2 Recruit two family workers   red (new)
    KPI "Early Help Cases": 30/09/2015 restated 1031 -> 1040; 31/12/2015 added (1014).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ehxl import api
from ehxl.changes import Snapshot, compare, explain, match
from ehxl.cli import main

THEN, NOW = date(2015, 9, 30), date(2016, 1, 15)
HEADER = ["Ref", "Action", "Owner", "Deadline", "Status", "Update"]
BOARD_ONE = [
    ("1.1", "Refresh the early help offer", "Rachel Price", "31/10/2015", "In progress", "Draft with managers"),
    ("1.2", "Train staff in family assessments", "Sam Walsh", "30/11/2015", "Complete", "Done in June"),
    ("1.3", "Publish the local offer", "Nadia Hussain", "31/12/2015", "Behind schedule", "Waiting on web team"),
    ("2.1", "Audit cases open in 2014-15", "Vicky Wood", "31/01/2016", "In progress", "Sample drawn"),
    ("2.2", "Report to the safeguarding board", "Rachel Price", "31/03/2016", "Not started", None),
]
BOARD_TWO = [
    ("1.1", "Refresh the early help offer", "Rachel Price", "31/10/2015", "In progress", "Draft with managers"),
    ("1.2", "Train staff in family assessments", "Sam Walsh", "30/11/2015", "Complete", "Done in June"),
    ("1.3", "Audit cases open in 2014-15", "Vicky Wood", "31/03/2016", "In progress", "Sample drawn"),
    ("2.1", "Report to the safeguarding board", "Sam Walsh", "31/03/2016", "Complete", "Reported in December"),
    ("2.2", "Recruit two family workers", "Nadia Hussain", "29/02/2016", "Behind schedule", "Posts advertised"),
]


def plan(path: Path, rows, kpi: dict) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws["A1"] = "Locality Early Help action plan"
    ws.append([])
    ws.append(HEADER)
    for row in rows:
        ws.append(list(row))
    perf = wb.create_sheet("Quarterly performance")
    perf.append(["Case Type", *kpi])
    perf.append(["Early Help Cases", *kpi.values()])
    wb.save(path)
    return path


@pytest.fixture()
def two_boards(tmp_path: Path) -> tuple[Path, dict]:
    """The plan rolled up at board one, changed, rolled up at board two: (the plan, board two's JSON)."""
    path = plan(tmp_path / "plan.xlsx", BOARD_ONE, {date(2015, 6, 30): 766, date(2015, 9, 30): 1031})
    first = api.rollup(path, as_of=THEN, backup=False).json("rollup")
    assert first["changes"] is None                                  # nothing to compare with yet
    plan(path, BOARD_TWO, {date(2015, 6, 30): 766, date(2015, 9, 30): 1040, date(2015, 12, 31): 1014})
    return path, api.rollup(path, as_of=NOW, backup=False).json("rollup")


def _refs(rows: list[dict]) -> list[tuple]:
    return [(r["ref"], r["action"], r.get("matched_by")) for r in rows]


def test_headline_then_and_now_and_the_sentence(two_boards):
    _, doc = two_boards
    ch = doc["changes"]
    assert ch["since"]["as_of"] == "2015-09-30"
    # then: 5 actions, 1 complete (1.2), none overdue; green 1, amber 2, red 1 of 5
    # now: 5 actions, 2 complete (1.2, 2.1), 1 overdue (1.1, due 31/10/2015); green 2, amber 2, red 1 of 5
    assert ch["headline"] == {"total": [5, 5], "complete": [1, 2], "overdue": [0, 1], "green_pct": [20.0, 40.0],
                              "amber_pct": [40.0, 40.0], "red_pct": [20.0, 20.0]}
    assert ch["explanation"] == ("Green rose from 20% to 40% of 5 actions: 1 moved from grey to green, "
                                 "1 new action is not yet green.")


def test_every_kind_of_change_with_renumbered_actions_matched_by_text(two_boards):
    _, ch = two_boards[0], two_boards[1]["changes"]
    assert [(r["ref"], r["from"], r["to"], r["matched_by"]) for r in ch["status_moves"]] == [
        ("2.1", "grey", "green", "text")]
    assert _refs(ch["completed"]) == [("2.1", "Report to the safeguarding board", "text")]
    assert _refs(ch["newly_overdue"]) == [("1.1", "Refresh the early help offer", "ref")]
    assert _refs(ch["new"]) == [("2.2", "Recruit two family workers", None)]
    assert _refs(ch["removed"]) == [("1.3", "Publish the local offer", None)]
    assert [(r["ref"], r["from"], r["to"], r["days"], r["matched_by"]) for r in ch["deadline_changes"]] == [
        ("1.3", "2016-01-31", "2016-03-31", 60, "text")]                  # 31 Jan to 31 Mar 2016: 29 + 31 days
    assert [(r["ref"], r["from"], r["to"]) for r in ch["owner_changes"]] == [
        ("2.1", ["Rachel Price"], ["Sam Walsh"])]
    assert _refs(ch["updates_unchanged"]) == [("1.1", "Refresh the early help offer", "ref"),
                                              ("1.3", "Audit cases open in 2014-15", "text")]
    assert [(r["measure"], r["period_end"], r["from"], r["to"]) for r in ch["restated"]] == [
        ("Early Help Cases", "2015-09-30", 1031, 1040)]
    for row in ch["status_moves"] + ch["new"]:
        assert set(row) >= {"team", "file", "sheet", "ref", "action"} and row["file"] == "plan.xlsx"


def test_the_changes_sheet_cells(two_boards):
    """Every cell of the Changes sheet, worked out from the two boards in the module docstring.

    Board two's rows: header in row 3, then 1.1 row 4, 1.2 row 5, 1.3 row 6, 2.1 row 7, 2.2 row 8;
    Deadline is column D, Update column F.  Then: green 1.2; amber 1.1, 2.1; red 1.3; grey 2.2 (of 5).
    Now: green 1.2, 2.1; amber 1.1, 1.3; red 2.2 (new).
    """
    import openpyxl

    path, _ = two_boards
    wb = openpyxl.load_workbook(path)
    rows = []
    for row in wb["Changes"].iter_rows():
        values = [c.value for c in row]
        while values and values[-1] is None:
            values.pop()
        rows.append(values)
    heads = ["Team", "Ref", "Sheet", "Action", "Then", "Now", "Go to"]
    by_text, plan = "plan.xlsx (matched by text)", "plan.xlsx"
    assert rows == [
        ["What changed since the board of 30 September 2015"],
        ["As of 15 January 2016 · plan.xlsx · prepared by ehxl"],
        [],
        ["Headline", "30/09/2015", "15/01/2016", "Change"],
        ["Actions", 5, 5, 0],
        ["Complete", 1, 2, 1],
        ["Overdue", 0, 1, 1],
        ["Green (share)", pytest.approx(0.2), pytest.approx(0.4), pytest.approx(0.2)],
        ["Amber (share)", pytest.approx(0.4), pytest.approx(0.4), 0],
        ["Red (share)", pytest.approx(0.2), pytest.approx(0.2), 0],
        ["Green rose from 20% to 40% of 5 actions: 1 moved from grey to green, 1 new action is not yet green."],
        [],
        ["Status moved (1)", *heads],
        [by_text, None, "2.1", "Plan", "Report to the safeguarding board", "grey", "green", "Plan!D7"],
        [],
        ["Completed since (1)", *heads],
        [by_text, None, "2.1", "Plan", "Report to the safeguarding board", None, None, "Plan!D7"],
        [],
        ["Newly overdue (1)", *heads],
        [plan, None, "1.1", "Plan", "Refresh the early help offer", None, "31/10/2015", "Plan!D4"],
        [],
        ["New actions (1)", *heads],
        [plan, None, "2.2", "Plan", "Recruit two family workers", None, "red", "Plan!D8"],
        [],
        ["Removed actions (1)", *heads],
        [plan, None, "1.3", "Plan", "Publish the local offer", "red"],          # gone: nothing to link to
        [],
        ["Deadlines revised (1)", *heads],
        [by_text, None, "1.3", "Plan", "Audit cases open in 2014-15", "31/01/2016", "31/03/2016 (+60 days)",
         "Plan!D6"],
        [],
        ["Deadlines moved at two boards running (0)", *heads],
        ["None."],
        [],
        ["Owners changed (1)", *heads],
        [by_text, None, "2.1", "Plan", "Report to the safeguarding board", "Rachel Price", "Sam Walsh", "Plan!D7"],
        [],
        ["Red or amber, update unchanged (2)", *heads],
        [plan, None, "1.1", "Plan", "Refresh the early help offer", "Draft with managers", "amber", "Plan!F4"],
        [by_text, None, "1.3", "Plan", "Audit cases open in 2014-15", "Sample drawn", "amber", "Plan!F6"],
        [],
        ["KPI values restated (1)", "Team", "Quarter ending", "Then", "Now"],
        ["Early Help Cases", None, "30/09/2015", 1031, 1040],
        [],
        ["Maturity levels moved (0)", "Team", "Level", "Then", "Now"],
        ["None."],
    ]
    link = wb["Changes"]["H14"]
    assert link.hyperlink.location == "'Plan'!D7"                   # 2.1's deadline cell, row 7 of the plan
    assert wb["Changes"]["H38"].hyperlink.location == "'Plan'!F4"   # 1.1's update


def test_the_70_to_58_sentence():
    """90 actions, 63 green (70%); then 9 green go amber, 2 green and 1 amber are removed, 3 new are amber:
    52 green of 90 is 57.8%, shown 58%."""
    import random

    words = ["audit", "train", "publish", "recruit", "review", "refresh", "report", "agree", "launch", "embed",
             "offer", "panel", "families", "board", "staff", "data", "policy", "visits", "referrals", "budget"]

    def row(i: int, status: str) -> dict:
        text = " ".join(random.Random(i).sample(words, 6))             # 90-odd actions, each worded its own way
        return {"team": None, "file": "p.xlsx", "sheet": "Plan", "ref": str(i), "action": text,
                "status": status, "complete": status == "green", "overdue": False, "owners": [], "deadline": None,
                "update": "", "cell": f"D{i}"}
    then = Snapshot(date(2026, 2, 28), actions=[row(i, "green" if i <= 63 else "amber") for i in range(1, 91)])
    now_rows = [row(i, "amber" if i <= 9 else "green" if i <= 63 else "amber") for i in range(1, 91)
                if i not in (10, 11, 64)]
    now_rows += [row(i, "amber") for i in (91, 92, 93)]
    now = Snapshot(date(2026, 3, 31), actions=now_rows)
    pairs = match(then.actions, now.actions)
    assert {how for _, _, how in pairs} == {"ref"} and len(pairs) == 87     # 90 less the 3 removed
    new = [a for a in now.actions if all(a is not n for _, n, _ in pairs)]
    removed = [a for a in then.actions if all(a is not o for o, _, _ in pairs)]
    assert explain(then, now, pairs, new, removed) == (
        "Green fell from 70% to 58% of 90 actions: 9 moved from green to amber, 3 new actions are not yet green, "
        "2 green actions were removed.")
    assert compare(then, now)["headline"]["green_pct"] == [70.0, 57.8]


def test_a_reference_given_to_another_action_is_not_the_same_action():
    def row(ref: str, text: str) -> dict:
        return {"team": "North", "sheet": "Plan", "ref": ref, "action": text}
    then = [row("1.3", "Publish the local offer"), row("2.1", "Audit cases open in 2014-15")]
    now = [row("1.3", "Audit cases open in 2014-15")]
    ((old, new, how),) = match(then, now)
    assert (old["ref"], new["ref"], how) == ("2.1", "1.3", "text")


def test_since_an_earlier_copy_of_the_workbook_without_history(tmp_path: Path):
    earlier = plan(tmp_path / "plan Q2.xlsx", BOARD_ONE, {date(2015, 6, 30): 766, date(2015, 9, 30): 1031})
    path = plan(tmp_path / "plan.xlsx", BOARD_TWO, {date(2015, 6, 30): 766, date(2015, 9, 30): 1040})
    res = CliRunner().invoke(main, ["rollup", str(path), "--as-of", "15/01/2016", "--no-history",
                                    "--since", str(earlier), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["history"] is None and not (tmp_path / "ehxl-history.sqlite").exists()
    assert _refs(doc["changes"]["removed"]) == [("1.3", "Publish the local offer", None)]
    assert doc["changes"]["restated"][0]["to"] == 1040


def test_since_a_date_picks_the_latest_run_on_or_before_it(tmp_path: Path):
    path = plan(tmp_path / "plan.xlsx", BOARD_ONE, {date(2015, 9, 30): 1031})
    for as_of in (date(2015, 6, 30), date(2015, 9, 30), date(2015, 12, 31)):
        api.rollup(path, as_of=as_of, backup=False)
    doc = api.rollup(path, as_of=NOW, since="01/10/2015", backup=False).json("rollup")
    assert doc["changes"]["since"]["as_of"] == "2015-09-30"
    default = api.rollup(path, as_of=NOW, backup=False).json("rollup")
    assert default["changes"]["since"]["as_of"] == "2015-12-31"         # the latest run before 15/01/2016


def test_the_cli_says_what_moved_and_history_lists_the_runs(two_boards):
    path, _ = two_boards
    res = CliRunner().invoke(main, ["history", str(path.parent / "ehxl-history.sqlite")])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].split()[:4] == ["Board", "(as", "of)", "Run"]
    assert [line.split()[0] for line in lines[2:]] == ["30/09/2015", "15/01/2016"]
    # actions, complete, overdue, green, amber, red of each run
    assert [line.split()[3:9] for line in lines[2:]] == [["5", "1", "0", "20%", "40%", "20%"],
                                                         ["5", "2", "1", "40%", "40%", "20%"]]
    doc = json.loads(CliRunner().invoke(main, ["history", str(path.parent / "ehxl-history.sqlite"),
                                               "--format", "json"]).stdout)
    assert [(r["as_of"], r["total"], r["green_pct"]) for r in doc["runs"]] == [("2015-09-30", 5, 20.0),
                                                                                ("2016-01-15", 5, 40.0)]


def test_a_red_or_amber_update_left_as_it_was_is_update_stale(two_boards):
    _, doc = two_boards
    stale = [f for f in doc["findings"] if f["rule"] == "update-stale"]
    # Board two's plan: header in row 3, 1.1 in row 4 and 1.3 (2.1 renumbered) in row 6; Update is column F.
    # 1.1 amber "Draft with managers" and 1.3 amber "Sample drawn" are as they were; 2.2 is red but new.
    assert [(f["sheet"], f["cell"], f["row"], f["severity"]) for f in stale] == [
        ("Plan", "F4", 4, "warning"), ("Plan", "F6", 6, "warning")]
    assert stale[0]["message"] == ("'Plan'!F4: action 1.1 is amber and its update is word for word the one "
                                   "given at the board of 30/09/2015; say what has happened since.")


BOARD_THREE = [
    ("1.1", "Refresh the early help offer", "Rachel Price", "30/04/2016", "In progress", "Consulting families"),
    ("1.2", "Train staff in family assessments", "Sam Walsh", "30/11/2015", "Complete", "Done in June"),
    ("1.3", "Audit cases open in 2014-15", "Vicky Wood", "30/06/2016", "In progress", "Half the sample read"),
    ("2.1", "Report to the safeguarding board", "Sam Walsh", "31/03/2016", "Complete", "Reported in December"),
    ("2.2", "Recruit two family workers", "Nadia Hussain", "31/05/2016", "Behind schedule", "One post filled"),
]


def test_a_deadline_revised_at_two_boards_running_is_deadline_moved_again(two_boards):
    import openpyxl

    path, _ = two_boards
    plan(path, BOARD_THREE, {date(2015, 9, 30): 1040, date(2015, 12, 31): 1014})
    doc = api.rollup(path, as_of=date(2016, 4, 15), backup=False).json("rollup")
    ch = doc["changes"]
    # Revised since 15/01/2016: 1.1 (31/10/15 -> 30/04/16, 182 days), 1.3 (31/03/16 -> 30/06/16, 91 days),
    # 2.2 (29/02/16 -> 31/05/16, 92 days).  Only 1.3 was revised at the board before too (31/01/16 -> 31/03/16).
    assert [(r["ref"], r["days"]) for r in ch["deadline_changes"]] == [("1.1", 182), ("1.3", 91), ("2.2", 92)]
    assert [(r["ref"], r["first"], r["from"], r["to"], r["boards"]) for r in ch["deadlines_moved_again"]] == [
        ("1.3", "2016-01-31", "2016-03-31", "2016-06-30", ["2015-09-30", "2016-01-15"])]
    again = [f for f in doc["findings"] if f["rule"] == "deadline-moved-again"]
    assert [(f["sheet"], f["cell"], f["severity"]) for f in again] == [("Plan", "D6", "warning")]
    assert again[0]["message"] == (
        "'Plan'!D6: action 1.3 has had its deadline moved at two boards running (31/01/2016 at the board of "
        "30/09/2015, 31/03/2016 at the board of 15/01/2016, now 30/06/2016); agree a new plan or escalate it "
        "rather than set another date.")
    assert not [f for f in doc["findings"] if f["rule"] == "update-stale"]   # every update was rewritten
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(path)["Changes"].iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Deadlines moved at two boards running (1)")
    assert rows[start + 1][:8] == ["plan.xlsx", None, "1.3", "Plan", "Audit cases open in 2014-15",
                                   "31/01/2016, then 31/03/2016", "30/06/2016", "Plan!D6"]
    validation = [[c.value for c in row] for row in openpyxl.load_workbook(path)["Validation"].iter_rows()]
    assert any("deadline moved at two boards running" in str(v) for r in validation for v in r)


def test_since_a_folder_whose_name_holds_a_date_is_the_folder(tmp_path: Path):
    """"Board 30-Sep-2015" reads as a date too; an existing folder or file of that name is what is meant."""
    earlier = tmp_path / "Board 30-Sep-2015"
    earlier.mkdir()
    plan(earlier / "plan.xlsx", BOARD_ONE, {date(2015, 6, 30): 766, date(2015, 9, 30): 1031})
    path = plan(tmp_path / "plan.xlsx", BOARD_TWO, {date(2015, 6, 30): 766, date(2015, 9, 30): 1040})
    res = CliRunner().invoke(main, ["rollup", str(path), "--as-of", "15/01/2016", "--no-history",
                                    "--since", str(earlier / "plan.xlsx"), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["changes"]["headline"]["total"] == [5, 5]


def _saved_in_excel_on(path: Path, when: str) -> Path:
    """Set the last-saved time Excel keeps in docProps/core.xml (openpyxl always writes the time of its save)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i) for i in z.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + when.encode(), data)
            z.writestr(info, data)
    return path


def test_an_earlier_copy_is_judged_as_of_the_day_it_was_last_saved(tmp_path: Path):
    """Last quarter's copy, saved in Excel on 30/09/2015: judged then, 1.1 (due 31/10/2015) was not overdue;
    judged on 15/01/2016 it would have been, and so would 1.3 (due 31/12/2015)."""
    earlier = _saved_in_excel_on(plan(tmp_path / "plan Q2.xlsx", BOARD_ONE, {date(2015, 9, 30): 1031}),
                                 "2015-09-30T16:05:00Z")
    path = plan(tmp_path / "plan.xlsx", BOARD_TWO, {date(2015, 9, 30): 1040})
    doc = api.rollup(path, as_of=NOW, history=False, since=earlier, backup=False).json("rollup")
    assert doc["changes"]["since"]["as_of"] == "2015-09-30"
    assert doc["changes"]["headline"]["overdue"] == [0, 1]
    assert [r["ref"] for r in doc["changes"]["newly_overdue"]] == ["1.1"]


def _match_every_pair(then: list[dict], now: list[dict]) -> list[tuple[dict, dict, str]]:
    """The matching rule written plainly: by reference, else each action takes the most alike untaken one."""
    import difflib

    def alike(a: str, b: str) -> float:
        a, b = " ".join(a.casefold().split()), " ".join(b.casefold().split())
        return 1.0 if a == b else difflib.SequenceMatcher(None, a, b).ratio()
    pairs, taken, left = [], set(), []
    by_ref = {(a["team"], a["sheet"], str(a["ref"]).strip().casefold()): a for a in then if a["ref"]}
    for a in now:
        old = by_ref.get((a["team"], a["sheet"], str(a["ref"]).strip().casefold())) if a["ref"] else None
        if old is not None and id(old) not in taken and alike(old["action"], a["action"]) >= 0.4:
            pairs.append((old, a, "ref"))
            taken.add(id(old))
        else:
            left.append(a)
    for a in left:
        candidates = [(alike(o["action"], a["action"]), i, o) for i, o in enumerate(then)
                      if id(o) not in taken and (o["team"], o["sheet"]) == (a["team"], a["sheet"])]
        best = max(candidates, default=None, key=lambda c: (c[0], -c[1]))
        if best and best[0] >= 0.8:
            pairs.append((best[2], a, "text"))
            taken.add(id(best[2]))
    return pairs


def test_matching_by_text_pairs_as_comparing_every_action_with_every_other_would():
    """Random plans, many without references, with repeated, reworded and reordered texts: match() finds
    the same pairs as the plain rule (it skips comparisons that cannot win, so a plan without references
    is matched in a moment rather than minutes)."""
    import random

    rng = random.Random(13)
    words = "refresh the early help offer train staff audit cases publish local report board family".split()

    def text() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(2, 7)))

    def reword(t: str) -> str:
        w = t.split()
        pick = rng.random()
        if pick < 0.3:
            w[rng.randrange(len(w))] = rng.choice(words)
        elif pick < 0.5:
            w.insert(rng.randrange(len(w) + 1), rng.choice(words))
        elif pick < 0.6:
            return t.upper() + "  "
        return " ".join(w)

    for _ in range(60):
        places = [("North", "Plan"), ("North", "Plan 2"), ("South", "Plan")]
        then = [{"team": t, "sheet": s, "ref": rng.choice([None, None, f"{rng.randint(1, 9)}.{rng.randint(1, 3)}"]),
                 "action": text()} for t, s in (rng.choice(places) for _ in range(rng.randint(0, 40)))]
        then += [dict(rng.choice(then)) for _ in range(5)] if then else []
        now = [{**o, "action": reword(o["action"]) if rng.random() < 0.5 else o["action"],
                "ref": o["ref"] if rng.random() < 0.7 else None} for o in then if rng.random() < 0.85]
        now += [{"team": t, "sheet": s, "ref": None, "action": text()} for t, s in rng.sample(places, 2)]
        rng.shuffle(now)
        expected = _match_every_pair(then, now)
        assert [(id(o), id(n), how) for o, n, how in match(then, now)] == \
               [(id(o), id(n), how) for o, n, how in expected]
        assert any(how == "text" for _, _, how in expected) or not then

"""The history of roll-ups: a real SQLite file, written by real ehxl processes."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ehxl import api, history
from ehxl.cli import main
from plans import derby_like_plan

AS_OF = date(2015, 11, 2)


def runs_in(path: Path) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT as_of, output, kind, total, complete, overdue FROM runs ORDER BY id").fetchall()


def test_a_roll_up_is_recorded_with_its_actions_and_figures(tmp_path: Path):
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    result = api.rollup(plan, as_of=AS_OF, backup=False)
    path = tmp_path / "ehxl-history.sqlite"
    assert result.history == path
    # tests/test_api.py: 8 actions, 1 complete, 2 overdue
    assert runs_in(path) == [("2015-11-02", "plan.xlsx", "workbook", 8, 1, 2)]
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == history.APPLICATION_ID
        refs = [r[0] for r in db.execute("SELECT ref FROM actions ORDER BY rowid")]
        overdue = [r[0] for r in db.execute("SELECT ref FROM actions WHERE overdue = 1 ORDER BY rowid")]
        findings = db.execute("SELECT count(*) FROM findings").fetchone()[0]
    assert refs == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.4"]
    assert overdue == ["1.1", "1.3"]
    assert findings == 6                                     # 3 errors, 3 warnings


def test_a_new_history_has_every_table_and_index_of_its_schema_and_uses_them(tmp_path: Path):
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    path = api.rollup(plan, as_of=AS_OF, backup=False).history
    with closing(sqlite3.connect(path)) as db:
        made = dict(db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall())
        plan_used = " ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN SELECT * FROM actions WHERE run_id = 1"))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    with closing(sqlite3.connect(":memory:")) as db:
        db.executescript(history.MIGRATIONS[history.SCHEMA_VERSION])
        schema = dict(db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall())
    assert made == schema and {"actions_run", "figures_run", "runs_as_of"} <= made.keys()
    assert "USING INDEX actions_run" in plan_used


def test_no_history_records_nothing(tmp_path: Path):
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    assert api.rollup(plan, as_of=AS_OF, backup=False, history=False).history is None
    assert not (tmp_path / "ehxl-history.sqlite").exists()


def test_two_roll_ups_started_together_both_record_their_runs(tmp_path: Path):
    shared = tmp_path / "shared-history.sqlite"
    plans = [derby_like_plan(tmp_path / f"team{i}.xlsx") for i in (1, 2)]
    procs = [subprocess.Popen([sys.executable, "-m", "ehxl.cli", "rollup", str(p), "--as-of", "2015-11-02",
                               "--history", str(shared)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for p in plans]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert sorted(r[1] for r in runs_in(shared)) == ["team1.xlsx", "team2.xlsx"]
    with closing(sqlite3.connect(shared)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM actions").fetchone()[0] == 16


@pytest.mark.parametrize("content, words", [
    (b"SQLite format 3\x00" + b"\x13" * 2000, "is damaged"),
    (b"Name,Owner\nA,B\n", "is not an ehxl history"),
])
def test_a_damaged_or_foreign_history_is_refused_and_nothing_is_written(tmp_path: Path, content: bytes, words: str):
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    bad = tmp_path / "ehxl-history.sqlite"
    bad.write_bytes(content)
    before = plan.read_bytes()
    res = CliRunner().invoke(main, ["rollup", str(plan), "--as-of", "2015-11-02"])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("ehxl: ehxl-history.sqlite: ") and words in res.stderr
    assert plan.read_bytes() == before and bad.read_bytes() == content


def test_another_programs_database_is_not_taken_for_a_history(tmp_path: Path):
    other = tmp_path / "budget.sqlite"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE lines (item TEXT, amount REAL)")
        db.commit()
    before = other.read_bytes()
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    res = CliRunner().invoke(main, ["rollup", str(plan), "--as-of", "2015-11-02", "--history", str(other)])
    assert res.exit_code == 2 and "is an SQLite database but not an ehxl history" in res.stderr
    assert other.read_bytes() == before


def test_a_history_from_a_newer_ehxl_is_refused(tmp_path: Path):
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    api.rollup(plan, as_of=AS_OF, backup=False)
    path = tmp_path / "ehxl-history.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {history.SCHEMA_VERSION + 1}")
    res = CliRunner().invoke(main, ["history", str(path)])
    assert res.exit_code == 2 and "was written by a newer ehxl" in res.stderr


def test_a_save_that_fails_records_no_run(tmp_path: Path):
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    api.rollup(plan, as_of=AS_OF, backup=False)
    (tmp_path / "~$plan.xlsx").write_bytes(b"\x00" * 165)          # open in Excel: the save is refused
    res = CliRunner().invoke(main, ["rollup", str(plan), "--as-of", "2015-12-01"])
    assert res.exit_code == 2 and "is open in Excel" in res.stderr
    assert [r[0] for r in runs_in(tmp_path / "ehxl-history.sqlite")] == ["2015-11-02"]


def test_history_of_a_missing_file_is_one_line(tmp_path: Path):
    res = CliRunner().invoke(main, ["history", str(tmp_path / "nothing.sqlite")])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "could not be found" in res.stderr


def test_a_history_held_by_another_roll_up_is_in_use_not_damaged(tmp_path: Path, monkeypatch):
    import sqlite3

    from ehxl import history

    path = derby_like_plan(tmp_path / "plan.xlsx")
    api.rollup(path, as_of=AS_OF, backup=False)
    before = path.read_bytes()
    monkeypatch.setattr(history, "BUSY_TIMEOUT_S", 0.1)
    locker = sqlite3.connect(tmp_path / "ehxl-history.sqlite", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        res = CliRunner().invoke(main, ["rollup", str(path), "--as-of", "2015-11-30"])
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert res.exit_code == 2
    assert "is in use by another roll-up" in res.output and "damaged" not in res.output
    assert len(res.output.strip().splitlines()) == 1 and path.read_bytes() == before


def test_action_rows_are_stored_as_given_with_owners_as_json(tmp_path: Path):
    from ehxl.changes import Snapshot

    full = {"team": "North", "file": "n.xlsx", "sheet": "Plan", "row": 5, "ref": "1.1", "theme": "Voice",
            "action": "Do it", "owners": ["Ann Bo", 'Cé "Di"'], "deadline": "2016-01-31", "deadline_kind": "deadline",
            "status": "red", "complete": False, "overdue": True, "update": "Late", "cell": "F5",
            "status_cell": "G5", "update_cell": "I5", "link": "n.xlsx"}
    bare = {"sheet": "Plan", "row": 6, "action": "Other", "owners": ["Ann Bo", 'Cé "Di"'], "status": None,
            "complete": True, "overdue": False, "update": ""}
    path = tmp_path / "h.sqlite"
    history.record(path, Snapshot(as_of=AS_OF, actions=[full, bare, dict(full, owners=[])]), output="o.xlsx",
                   kind="pack", ehxl_version="t")
    with closing(sqlite3.connect(path)) as db:
        stored = db.execute("SELECT owners, update_text, complete, overdue, team, link FROM actions ORDER BY rowid")
        assert stored.fetchall() == [('["Ann Bo", "Cé \\"Di\\""]', "Late", 0, 1, "North", "n.xlsx"),
                                     ('["Ann Bo", "Cé \\"Di\\""]', "", 1, 0, None, None),
                                     ("[]", "Late", 0, 1, "North", "n.xlsx")]
    loaded = history.baseline(path, on_or_before=AS_OF).actions
    assert loaded[0] == full
    assert loaded[1] == {**dict.fromkeys(full), **bare}


def test_fields_a_snapshot_says_are_blank_are_stored_as_null_and_the_others_in_their_columns(tmp_path: Path):
    from ehxl.changes import snapshot_of

    analysis = api.analyse_file(derby_like_plan(tmp_path / "plan.xlsx"), as_of=AS_OF)[0]
    tables = []
    for blank in (("team", "link"), ()):
        made = snapshot_of(analysis, file="plan.xlsx")
        made.blank = blank
        path = tmp_path / f"{len(blank)}.sqlite"
        history.record(path, made, output="plan.xlsx", kind="workbook", ehxl_version="t")
        with closing(sqlite3.connect(path)) as db:
            tables.append(db.execute("SELECT * FROM actions").fetchall())
    assert tables[0] == tables[1] and len(tables[0]) == 8
    assert {(r[1], r[-1]) for r in tables[0]} == {(None, None)} and all(r[4] for r in tables[0])


def test_a_run_recorded_from_rows_made_as_they_are_read_is_the_run_recorded_from_a_list(tmp_path: Path):
    from ehxl.changes import snapshot_of, streamed_snapshot

    analysis = api.analyse_file(derby_like_plan(tmp_path / "plan.xlsx"), as_of=AS_OF)[0]
    tables = []
    for made in (snapshot_of(analysis, file="plan.xlsx"), streamed_snapshot(analysis, file="plan.xlsx")):
        path = tmp_path / f"{type(made.actions).__name__}.sqlite"
        history.record(path, made, output="plan.xlsx", kind="workbook", ehxl_version="t")
        with closing(sqlite3.connect(path)) as db:
            tables.append([db.execute(f"SELECT * FROM {t}").fetchall() for t in ("actions", "figures")] +
                          [db.execute("SELECT as_of, total, complete, overdue, green, amber, red FROM runs").fetchall()])
    assert tables[0] == tables[1]
    assert tables[0][2] == [("2015-11-02", 8, 1, 2, *(snapshot_of(analysis, file="x").headline()[c]
                                                      for c in ("green", "amber", "red")))]
    assert len(tables[0][0]) == 8

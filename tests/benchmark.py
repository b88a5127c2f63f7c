"""Benchmark: ``ehxl rollup`` against what people would otherwise run, whole process, in one run.

Not part of the test suite (pytest collects only ``test_*.py``).  Run it with

    python tests/benchmark.py [--rows 200 2000 20000] [--teams 100] [--repeat 5] [--pack-only]
                              [--startup-only] [--startup-runs 11]

Start-up: ``ehxl --help`` and ``ehxl --version`` against ``python -c pass``,
the median of ``--startup-runs`` runs each (at least 5), taking turns; the
difference is what ehxl adds to the interpreter's own start (aim: 60 ms).
Beside them, ``import ehxl.api`` (what every job loads) and the floor: the
interpreter with only the standard imports any click command reading a zipped
workbook into an SQLite history needs, the least a roll-up can take.
One plan: ``ehxl rollup`` in place against a bare openpyxl load + save of the
same file, with the aim in seconds (aim x openpyxl's time) beside the floor run
in the same turns (what the aim leaves ehxl for its own imports and work); then
"again", the case a performance officer meets before every board after the
first: the plan already rolled up for the last board (31/03/2016), its history
beside it, rolled up for this one (a Changes sheet, ehxl's sheets refreshed),
against openpyxl on that same file. The board pack: ``ehxl rollup FOLDER -o
pack.xlsx`` over a folder of generated team workbooks (laid out differently, as
teams do) against the pandas script a performance officer would write instead
(read every file, find the header, concat, count actions and statuses per team,
write .xlsx), and against ehxl forced to read in one process.

Each measurement is a whole process (interpreter start, imports, read, work,
write), on the same generated files, in the same run, so the columns are
comparable.  For one plan the median of ``--repeat`` runs (at least 5 is
meant) is reported, after a warm-up run of each command, with the peak RSS of
each (``getrusage(RUSAGE_CHILDREN)`` in a wrapper process per run); for the
board pack the best of ``--repeat``, with the peak RSS of the largest process
(ehxl's readers run in child processes of their own).  Children may write
bytecode caches even where PYTHONDONTWRITEBYTECODE is set, as an installed
ehxl would have them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

OPENPYXL = "import sys, openpyxl; wb = openpyxl.load_workbook(sys.argv[1]); wb.save(sys.argv[1])"
STATUSES = ("Complete", "In progress", "Behind schedule", "Not started")
FILLS = ("#00B050", "#FFC000", "#FF0000", "#D9D9D9")


def make_plan(path: Path, rows: int) -> None:
    """A plan as a team keeps it: title rows, theme rows, statuses as words and fills, UK dates."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Action plan")
    bold = wb.add_format({"bold": True})
    fills = [wb.add_format({"bg_color": c}) for c in FILLS]
    ws.write(0, 0, "Early Help Action Plan (generated for the benchmark)", bold)
    header = ["Ref", "Theme", "Action", "Owner", "Start", "Deadline", "Status", "Progress (%)", "Update"]
    ws.write_row(2, 0, header, bold)
    owners = ["RP", "VW/RP", "NH", "SW & CS", "Early Help management team."]
    start = date(2015, 4, 1)
    r = 3
    for i in range(rows):
        if i % 50 == 0:
            ws.write(r, 0, f"{i // 50 + 1}. Theme: Workstream {i // 50 + 1}", bold)
            r += 1
        due = start + timedelta(days=(i * 7) % 700)
        k = i % 4
        ws.write_row(r, 0, [f"{i // 50 + 1}.{i % 50 + 1}", None, f"Action number {i} to improve early help",
                            owners[i % len(owners)], "From 1.4.15", f"By {due.day}.{due.month}.{due.year % 100}"])
        ws.write(r, 6, STATUSES[k], fills[k])
        ws.write(r, 7, [1.0, 0.5, 0.2, 0.0][k])
        ws.write(r, 8, "Progress update text for the board " * 3)
        r += 1
    wb.close()


#: Runs one command and prints its seconds, the peak RSS (KiB) of it and whatever it waited for, and its exit code.
#: A wrapper process per measurement, because RUSAGE_CHILDREN's ru_maxrss is the largest of every child ever
#: waited for: asked in the benchmark itself it would stay at the largest run so far.
MEASURE = ("import resource, subprocess, sys, time; t0 = time.perf_counter(); "
           "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
           "t = time.perf_counter() - t0; "
           "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)")


def child_env() -> dict[str, str]:
    """The children's environment, with bytecode caches allowed: an installed ehxl has its .pyc files, as
    openpyxl in site-packages has, and without them every run would compile ehxl's modules afresh."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(cmd: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, int]:
    """Seconds of the whole child process, and its peak RSS in MiB, through a wrapper process of its own."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True,
                          env=child_env())
    seconds, kib, rc = done.stdout.split()
    if int(rc) not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {rc}")
    return float(seconds), int(kib) // 1024


def fresh(original: Path, work: Path, history: Path | None = None) -> None:
    """A new copy of the plan, with no backups from an earlier run beside it and no history, or a copy of
    ``history``: every run alike."""
    shutil.copyfile(original, work)
    shutil.rmtree(work.parent / ".ehxl-backups", ignore_errors=True)
    if history is None:
        (work.parent / "ehxl-history.sqlite").unlink(missing_ok=True)
    else:
        shutil.copyfile(history, work.parent / "ehxl-history.sqlite")


def median_of(cmds: list[list[str]], repeat: int, original: Path, work: Path,
              history: Path | None = None) -> list[tuple[float, int]]:
    """(median seconds, peak MiB) of each command on a fresh copy of ``original`` (and ``history``), after one
    warm-up run each (bytecode caches written); the commands take turns so that drift in the machine's speed
    hits all alike."""
    runs: list[list[tuple[float, int]]] = [[] for _ in cmds]
    for cmd in cmds:
        fresh(original, work, history)
        measure(cmd)
    for _ in range(repeat):
        for cmd, seen in zip(cmds, runs):
            fresh(original, work, history)
            seen.append(measure(cmd))
    return [(statistics.median(t for t, _ in seen), max(m for _, m in seen)) for seen in runs]


# ------------------------------------------------------------------ the board pack

PANDAS = r"""
import os, sys
import pandas as pd

FIELDS = {"ref": "ref", "no.": "ref", "action": "action", "task": "action", "owner": "owner", "lead": "owner",
          "by whom": "owner", "deadline": "deadline", "by when": "deadline", "timescale": "deadline",
          "status": "status", "rag": "status", "progress": "status"}
frames = []
for name in sorted(os.listdir(sys.argv[1])):
    if not name.endswith(".xlsx"):
        continue
    raw = pd.read_excel(os.path.join(sys.argv[1], name), sheet_name=0, header=None)
    head = next(i for i in range(len(raw)) if {str(v).strip().lower() for v in raw.iloc[i]} & {"action", "task"})
    plan = raw.iloc[head + 1:].copy()
    plan.columns = [FIELDS.get(str(v).strip().lower(), str(v)) for v in raw.iloc[head]]
    plan = plan.dropna(subset=["action"])
    plan["team"] = name[:-5]
    frames.append(plan[["team", "ref", "action", "owner", "deadline", "status"]])
actions = pd.concat(frames, ignore_index=True)
counts = actions.groupby("team").agg(actions=("action", "size"))
statuses = actions.assign(status=actions["status"].fillna("(none)")).groupby(["team", "status"]).size()
counts.join(statuses.unstack(fill_value=0)).to_excel(sys.argv[2])
"""

EHXL_OK = (0, 1)                  # ehxl exits 1 when any team's plan has errors
#: ehxl with every file read in the main process, as before parallel reading.
EHXL_SERIAL = "import ehxl.team_reading as t; t.pays = lambda files: False; from ehxl.cli import run; run()"

HEADERS = {"ref": ("Ref", "No."), "action": ("Action", "Task"), "owner": ("Owner", "Lead", "By whom"),
           "deadline": ("Deadline", "By when", "Timescale"), "status": ("Status", "RAG", "Progress")}
PEOPLE = ("Rachel Price", "Vicky Wood", "Nadia Hussain", "Sam Walsh", "RP", "VW/RP", "Fran Doyle & Nancy Meehan",
          "Early Help management team", "Louison Ricketts – Service Manager", "CS")
WORDS = ("Complete", "On track", "In progress", "Behind schedule", "Not started", "Green", "Amber", "Red")
WORD_FILL = {"Complete": FILLS[0], "On track": FILLS[0], "Green": FILLS[0], "In progress": FILLS[1],
             "Amber": FILLS[1], "Behind schedule": FILLS[2], "Red": FILLS[2], "Not started": FILLS[3]}


def make_team(path: Path, rng, actions: int, owners: bool = False) -> None:
    """One team's plan, laid out its own way: header words, title rows, RAG as words or as fill only; with
    ``owners``, an Owners sheet as ehxl's template has (see :func:`owners_sheet`)."""
    import xlsxwriter

    words = {f: rng.choice(h) for f, h in HEADERS.items()}
    style = rng.choice(("words", "words and fill", "fill only"))
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(rng.choice(("Action plan", "Plan 2015-16", "Sheet1")))
    bold = wb.add_format({"bold": True})
    fills = {c: wb.add_format({"bg_color": c}) for c in FILLS}
    dated = wb.add_format({"num_format": "dd/mm/yyyy"})
    row = 0
    for line in rng.sample(("Early Help Action Plan 2015-16", f"{path.stem} locality",
                            "Updated monthly for the Early Help board"), rng.randint(0, 3)):
        ws.write(row, 0, line, bold)
        row += 2 if rng.random() < 0.3 else 1
    ws.write_row(row, 0, [words["ref"], words["action"], words["owner"], words["deadline"], words["status"],
                          "Update"], bold)
    themes = rng.random() < 0.5
    for i in range(actions):
        row += 1
        if themes and i % 25 == 0:
            ws.write(row, 0, f"{i // 25 + 1}. Theme: workstream {i // 25 + 1}", bold)
            row += 1
        ws.write(row, 0, f"{i // 25 + 1}.{i % 25 + 1}")
        ws.write(row, 1, f"Action {i} to improve early help in {path.stem}")
        ws.write(row, 2, rng.choice(PEOPLE))
        _deadline(ws, row, rng, dated)
        word = rng.choice(WORDS)
        if style == "fill only":
            ws.write_blank(row, 4, None, fills[WORD_FILL[word]])
        elif style == "words and fill":
            ws.write(row, 4, word, fills[WORD_FILL[word]])
        else:
            ws.write(row, 4, word)
        if rng.random() < 0.7:
            ws.write(row, 5, "Progress update for the board " * rng.randint(1, 3))
    if owners:
        owners_sheet(wb, path.stem)
    wb.close()


def owners_sheet(wb, team: str) -> None:
    """The team's Owners sheet: the people every generated plan names, and six of its own."""
    ws = wb.add_worksheet("Owners")
    ws.write_row(0, 0, ["Name", "Initials", "Role"])
    for i, person in enumerate([*REGISTERED, *((f"Worker{i} {team.title().replace(' ', '')}", "", "Family worker")
                                                for i in range(6))], start=1):
        ws.write_row(i, 0, person)


def _deadline(ws, row: int, rng, dated) -> None:
    """Deadlines as teams type them: real dates, "By 1.7.15.", "30/09/2015", "March 2016"."""
    due = date(2015, 4, 1) + timedelta(days=rng.randint(0, 540))
    kind = rng.randrange(4)
    if kind == 0:
        ws.write_datetime(row, 3, datetime(due.year, due.month, due.day), dated)
    elif kind == 1:
        ws.write(row, 3, f"By {due.day}.{due.month}.{due.year % 100}.")
    elif kind == 2:
        ws.write(row, 3, f"{due:%d/%m/%Y}")
    else:
        ws.write(row, 3, f"{due:%B %Y}")


def make_teams(folder: Path, teams: int, seed: int = 11, owners: bool = False) -> int:
    """``teams`` team workbooks of 30 to 200 actions each, the same for the same seed (with ``owners``, each
    with an Owners sheet); the number of actions."""
    import random

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for n in range(1, teams + 1):
        actions = rng.randint(30, 200)
        make_team(folder / f"team {n:03}.xlsx", rng, actions, owners)
        total += actions
    return total


def run_child(cmd: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, int]:
    """Seconds taken, and the peak RSS (MiB) of the child or of the largest of the processes it waited for."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return seconds, usage.ru_maxrss // 1024


def best_of(cmds: list[tuple[list[str], tuple[int, ...]]], repeat: int, out: Path) -> list[tuple[float, int]]:
    """(best seconds, peak MiB) of each (command, exit codes that mean success) after a warm-up run of each,
    taking turns so that drift in the machine's speed hits all alike; each run into an empty folder: no
    earlier pack, no history to compare."""
    runs: list[list[tuple[float, int]]] = [[] for _ in cmds]
    for cmd, ok in cmds:                          # warm-up: bytecode caches written
        shutil.rmtree(out.parent, ignore_errors=True)
        out.parent.mkdir()
        run_child(cmd, ok)
    for _ in range(repeat):
        for (cmd, ok), seen in zip(cmds, runs):
            shutil.rmtree(out.parent, ignore_errors=True)
            out.parent.mkdir()
            seen.append(run_child(cmd, ok))
    return [(min(r[0] for r in seen), max(r[1] for r in seen)) for seen in runs]


def check_pack(folder: Path, out: Path, actions: int) -> None:
    """The pack read every team and every action: the timing is of the whole job."""
    done = subprocess.run([sys.executable, "-m", "ehxl.cli", "rollup", str(folder), "-o", str(out),
                           "--as-of", "2015-11-02", "--format", "json"], capture_output=True, text=True)
    doc = json.loads(done.stdout)
    read = sum(1 for f in doc["files"] if f["status"] == "read")
    if doc["actions"]["total"] != actions or read != len(doc["files"]):
        raise SystemExit(f"the pack read {read} of {len(doc['files'])} files, "
                         f"{doc['actions']['total']} of {actions} actions")


#: Everyone the generated plans name (PEOPLE), as a register lists them.
REGISTERED = [("Rachel Price", "RP", ""), ("Vicky Wood", "VW", ""), ("Nadia Hussain", "NH", ""),
              ("Sam Walsh", "SW", ""), ("Fran Doyle", "FD", ""), ("Nancy Meehan", "NM", ""),
              ("Louison Ricketts", "LR", "Service Manager"), ("Cheryl Smith", "CS", ""),
              ("Early Help management team", "", "")]


def make_register(path: Path, people: int = 300) -> None:
    """An owner register as a council keeps one (CSV: Name, Initials, Role): the generated teams' owners, and
    ``people`` more, so that every owner cell is checked against a few hundred names."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Name", "Initials", "Role"])
        writer.writerows(REGISTERED)
        writer.writerows((f"Practitioner{i} Surname{i}", "", "Practitioner") for i in range(people))


def pack_rows(sizes: list[int], repeat: int, register: bool = False, team_owners: bool = False) -> None:
    print(f"\n{'teams':>9}  {'actions':>7}  {'ehxl pack (s)':>13}  {'serial (s)':>10}  {'pandas (s)':>10}  "
          f"{'ratio':>6}  {'aim':>5}  {'RSS MiB ehxl/serial/pandas':>26}")
    with tempfile.TemporaryDirectory() as tmp:
        owners = Path(tmp) / "owners.csv"
        make_register(owners)
        out = Path(tmp) / "out" / "pack.xlsx"
        out.parent.mkdir(exist_ok=True)
        for teams in sizes:
            folder = Path(tmp) / f"teams-{teams}"
            actions = make_teams(folder, teams)
            check_pack(folder, out, actions)
            runs = [(f"{teams}", folder, [])] + ([(f"{teams} reg", folder, ["--owners", str(owners)])] if register else [])
            if team_owners:
                runs.append((f"{teams} own", Path(tmp) / f"teams-{teams}-own", []))
                make_teams(runs[-1][1], teams, owners=True)
                check_pack(runs[-1][1], out, actions)
            for label, folder, extra in runs:
                args = ["rollup", str(folder), "-o", str(out), "--as-of", "2015-11-02"]
                (t_ehxl, m_ehxl), (t_serial, m_serial), (t_pandas, m_pandas) = best_of(
                    [([sys.executable, "-m", "ehxl.cli", *args, *extra], EHXL_OK),
                     ([sys.executable, "-c", EHXL_SERIAL, *args, *extra], EHXL_OK),
                     ([sys.executable, "-c", PANDAS, str(folder), str(out)], (0,))], repeat, out)
                print(f"{label:>9}  {actions:>7}  {t_ehxl:>13.2f}  {t_serial:>10.2f}  {t_pandas:>10.2f}  "
                      f"{t_ehxl / t_pandas:>6.2f}  {0.25:>5.2f}  {f'{m_ehxl}/{m_serial}/{m_pandas}':>26}")


def aim(rows: int) -> str:
    """Issue 13's aim for the ratio at this many rows (the nearest size it names)."""
    return f"{min(((200, 0.4), (2000, 0.25), (20000, 0.2)), key=lambda a: abs(a[0] - rows))[1]:.2f}"


def plan_rows(sizes: list[int], repeat: int, again: bool = True) -> None:
    ehxl = [sys.executable, "-m", "ehxl.cli", "rollup", "--as-of", "2016-06-30"]
    print(f"{'rows':>11}  {'ehxl rollup (s)':>16}  {'openpyxl load+save (s)':>23}  {'ratio':>6}  {'aim':>5}  "
          f"{'aim (s)':>7}  {'floor (s)':>9}  {'RSS MiB ehxl/openpyxl':>21}  {'RSS ratio':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            original = Path(tmp) / f"plan-{rows}.xlsx"
            make_plan(original, rows)
            work = Path(tmp) / "work" / "work.xlsx"
            work.parent.mkdir(exist_ok=True)
            cmds = [[*ehxl, str(work)], [sys.executable, "-c", OPENPYXL, str(work)], [sys.executable, "-c", FLOOR]]
            plan_row(f"{rows:>11}", rows, median_of(cmds, repeat, original, work))
            if again:
                rolled, history = last_board(original, work, Path(tmp) / f"plan-{rows}-rolled")
                plan_row(f"{f'{rows} again':>11}", rows, median_of(cmds, repeat, rolled, work, history))


def plan_row(label: str, rows: int, measured: list[tuple[float, int]]) -> None:
    """One size: the ratio and its aim, the aim in seconds (the aim times openpyxl's time) beside the floor
    measured in the same turns, so that what the aim leaves for ehxl's own imports and work is in plain view."""
    (t_ehxl, m_ehxl), (t_bare, m_bare), (t_floor, _) = measured
    print(f"{label}  {t_ehxl:>16.2f}  {t_bare:>23.2f}  {t_ehxl / t_bare:>6.2f}  {aim(rows):>5}  "
          f"{float(aim(rows)) * t_bare:>7.3f}  {t_floor:>9.3f}  {f'{m_ehxl}/{m_bare}':>21}  {m_ehxl / m_bare:>9.2f}")


def last_board(original: Path, work: Path, keep: Path) -> tuple[Path, Path]:
    """The plan as it stands before a board when ehxl rolled it up for the last one (its sheets in it, that
    board in the history beside it), kept as ``keep``.xlsx and ``keep``.sqlite: what a roll-up "again" meets."""
    fresh(original, work)
    subprocess.run([sys.executable, "-m", "ehxl.cli", "rollup", "--as-of", "2016-03-31", str(work)], check=True,
                   capture_output=True, env=child_env())
    rolled, history = keep.with_suffix(".xlsx"), keep.with_suffix(".sqlite")
    shutil.copyfile(work, rolled)
    shutil.copyfile(work.parent / "ehxl-history.sqlite", history)
    return rolled, history


def which_ehxl() -> str:
    """Where the children import ehxl from: a checkout on PYTHONPATH, or the installed one."""
    done = subprocess.run([sys.executable, "-c", "import ehxl; print(ehxl.__file__)"], check=True,
                          capture_output=True, text=True, env=child_env())
    return str(Path(done.stdout.strip()).parent)


#: The least any click command that reads a zipped workbook and keeps an SQLite history pays before it reads
#: a byte: the interpreter and these standard imports.  Set beside a roll-up's aim it shows how much is left.
FLOOR = "import click, zipfile, sqlite3, hashlib, json, datetime, dataclasses, pathlib, re"


#: The console script's form: ``ehxl`` as the program name, the group called as the entry point calls it.
EHXL_SCRIPT = "import sys; sys.argv[0] = 'ehxl'; from ehxl.cli import run; run()"


def startup_row(runs: int) -> None:
    """Whole-process medians (not the best) of the three, taking turns: start-up noise is what a person meets."""
    cmds = {"python -c pass": [sys.executable, "-c", "pass"],
            "ehxl --help": [sys.executable, "-c", EHXL_SCRIPT, "--help"],
            "ehxl --version": [sys.executable, "-c", EHXL_SCRIPT, "--version"],
            "floor (imports only)": [sys.executable, "-c", FLOOR],
            "import ehxl.api": [sys.executable, "-c", "import ehxl.api"]}
    seen: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(max(runs, 5)):
        for name, cmd in cmds.items():
            seen[name].append(run_child(cmd)[0])
    medians = {name: statistics.median(times) * 1000 for name, times in seen.items()}
    base = medians["python -c pass"]
    print(f"{'start-up, median of ' + str(max(runs, 5)) + ' runs':<30}  {'ms':>6}  {'over python -c pass':>19}")
    for name, ms in medians.items():
        extra = "" if name == "python -c pass" else f"{ms - base:+.0f}"
        print(f"{name:<30}  {ms:>6.0f}  {extra:>19}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--teams", type=int, nargs="*", default=[100], help="team workbooks in the board pack")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of each command: the median is reported for a plan, the best for a pack")
    parser.add_argument("--pack-only", action="store_true", help="only the board-pack rows")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up row")
    parser.add_argument("--startup-runs", type=int, default=11, help="runs of each start-up command (at least 5)")
    parser.add_argument("--register", action="store_true",
                        help="also time each pack with an owner register of about 300 people (--owners), every "
                             "owner cell checked against it (rows 'reg'); the pandas script checks no owners")
    parser.add_argument("--team-owners", action="store_true",
                        help="also time each pack of teams whose workbooks each have an Owners sheet, as ehxl's "
                             "template has (rows 'own'): the register is every team's Owners sheet")
    parser.add_argument("--no-again", dest="again", action="store_false",
                        help="leave out the rows 'again': the plan rolled up before, at the board of 31/03/2016, its "
                             "history beside it, and rolled up for 30/06/2016 (what a performance officer meets)")
    args = parser.parse_args()
    print(f"ehxl from {which_ehxl()}")
    if not args.pack_only:
        startup_row(args.startup_runs)
        if args.startup_only:
            return
        print()
        plan_rows(args.rows, args.repeat, args.again)
    pack_rows(args.teams, args.repeat, args.register, args.team_owners)


if __name__ == "__main__":
    main()

"""Benchmark: ``ehxl rollup`` in place against a bare openpyxl load + save of the same file.

Not part of the test suite (pytest does not collect it).  Run it with

    python tests/benchmark.py [--rows 200 2000 20000] [--repeat 3]

Each measurement is a whole process (interpreter start, imports, read, work,
write), timed on a fresh copy of the same generated plan, in the same run, so
the two columns are comparable.  The best of ``--repeat`` runs is reported.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
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


def timed(cmd: list[str], repeat: int, original: Path, work: Path) -> float:
    best = float("inf")
    for _ in range(repeat):
        shutil.copyfile(original, work)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ehxl = [sys.executable, "-m", "ehxl.cli", "rollup", "--as-of", "2016-06-30"]
    print(f"{'rows':>7}  {'ehxl rollup (s)':>16}  {'openpyxl load+save (s)':>23}  {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            original = Path(tmp) / f"plan-{rows}.xlsx"
            make_plan(original, rows)
            work = Path(tmp) / "work.xlsx"
            t_ehxl = timed([*ehxl, str(work)], args.repeat, original, work)
            t_bare = timed([sys.executable, "-c", OPENPYXL, str(work)], args.repeat, original, work)
            print(f"{rows:>7}  {t_ehxl:>16.2f}  {t_bare:>23.2f}  {t_ehxl / t_bare:>6.2f}")


if __name__ == "__main__":
    main()

"""The ``ehxl`` command as a person meets it: exit codes, one-line errors, one JSON document."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from ehxl.cli import main
from plans import derby_like_plan

AS_OF = ["--as-of", "2015-11-02"]


@pytest.fixture()
def plan(tmp_path):
    return derby_like_plan(tmp_path / "plan.xlsx")


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="ehxl")


def test_validate_exit_code_1_on_errors_and_one_json_document(plan):
    res = run("validate", str(plan), *AS_OF, "--format", "json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["errors"] == 3 and doc["file"] == str(plan)


def test_validate_text_names_cells(plan):
    res = run("validate", str(plan), *AS_OF)
    assert res.exit_code == 1
    assert "Action plan!D10" in res.stdout and "owner-missing" in res.stdout
    assert "3 errors, 3 warnings in 8 actions" in res.stdout


def test_overdue_text_and_json(plan):
    res = run("overdue", str(plan), *AS_OF)
    assert res.exit_code == 0
    assert "Overdue as of 02/11/2015: 2" in res.stdout
    assert "Due in the next 30 days: 1" in res.stdout
    doc = json.loads(run("overdue", str(plan), *AS_OF, "--format", "json").stdout)
    assert [r["ref"] for r in doc["overdue"]] == ["1.1", "1.3"]


def _cell_style(path, sheet_part: str, ref: str) -> str | None:
    import re

    xml = zipfile.ZipFile(path).read(sheet_part).decode()
    m = re.search(rf'<c r="{ref}"[^>]*?s="(\d+)"', xml)
    return m.group(1) if m else None


def test_mark_twice_changes_nothing_more_and_clear_restores(plan):
    part = "xl/worksheets/sheet1.xml"
    before = {ref: _cell_style(plan, part, ref) for ref in ("E6", "E10", "E14")}
    assert run("overdue", str(plan), *AS_OF, "--mark").exit_code == 0
    marked = plan.read_bytes()
    after = {ref: _cell_style(plan, part, ref) for ref in ("E6", "E10", "E14")}
    assert after["E6"] != before["E6"] and after["E10"] != before["E10"]     # the two overdue deadlines
    assert after["E14"] == before["E14"]                                       # due soon is not flagged
    assert run("overdue", str(plan), *AS_OF, "--mark").exit_code == 0
    assert plan.read_bytes() == marked
    assert run("overdue", str(plan), *AS_OF, "--clear").exit_code == 0
    assert {ref: _cell_style(plan, part, ref) for ref in ("E6", "E10", "E14")} == before


def test_rollup_to_output_leaves_input_untouched(plan, tmp_path):
    before = plan.read_bytes()
    out = tmp_path / "out.xlsx"
    res = run("rollup", str(plan), *AS_OF, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "Wrote Summary, Overdue, Validation" in res.stdout
    assert plan.read_bytes() == before and out.exists()


@pytest.mark.parametrize("args, fragment", [
    (["validate", "no-such-file.xlsx"], "no-such-file.xlsx"),
    (["overdue", "PLAN", "--as-of", "next tuesday"], "--as-of"),
    (["rollup", "PLAN", "--sheet", "nonsense"], "--sheet"),
    (["overdue", "FOLDER", "--mark"], "--mark and --clear change one workbook"),
    (["rollup", "FOLDER"], "needs -o OUT"),
    (["rollup"], "Missing argument 'WORKBOOK|FOLDER...'. (see 'ehxl rollup --help')"),
    (["validate"], "Missing argument 'WORKBOOK|FOLDER...'. (see 'ehxl validate --help')"),
    (["overdue", "PLAN", "--within", "-3"], "--within"),
    (["valdiate", "PLAN"], "No such command 'valdiate'"),
    (["--bogus"], "No such option '--bogus'. (see 'ehxl --help')"),
    (["macros", "install", "PLAN", "--shet", "Summary"], "No such option '--shet'"),
])
def test_bad_input_is_one_line_exit_2(plan, args, fragment):
    args = [{"PLAN": str(plan), "FOLDER": str(plan.parent)}.get(a, a) for a in args]
    res = run(*args)
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and fragment in lines[0]
    assert "Traceback" not in res.output


def test_not_a_workbook_in_a_real_process(tmp_path):
    fake = tmp_path / "budget.xlsx"
    fake.write_text("Name,Owner\nA,B\n")
    proc = subprocess.run([sys.executable, "-m", "ehxl.cli", "validate", str(fake)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "budget.xlsx" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert fake.read_text() == "Name,Owner\nA,B\n"


def test_help_teaches():
    res = run("--help")
    assert res.exit_code == 0
    for word in ("validate", "overdue", "rollup", "demo", "Typical use"):
        assert word in res.stdout
    assert "Example" in run("overdue", "--help").stdout


#: What ``ehxl --help`` and ``--version`` must not load: the spreadsheet stack behind the commands.
HEAVY = ("xlwings", "openpyxl", "pandas", "numpy", "lxml")
#: All of ehxl they may load: the command table and the one exception it catches.
START_UP = ["ehxl", "ehxl.cli", "ehxl.errors"]


@pytest.mark.parametrize("args, shown", [([], ""), (["--help"], "Typical use"), (["--version"], "ehxl, version")],
                         ids=["import", "help", "version"])
def test_help_and_version_load_no_workbook_library(args, shown):
    """A fresh process, as a person starts it: importing the CLI, or asking it for help or its version, loads
    click and the command table only, never the library behind the commands."""
    script = ("import json, sys; sys.argv[0] = 'ehxl'; import ehxl.cli\n"
              "if sys.argv[1:]:\n    ehxl.cli.main(standalone_mode=False)\n"
              "print(json.dumps(sorted({m.split('.')[0] if not m.startswith('ehxl') else m for m in sys.modules})),"
              " file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert shown in proc.stdout
    loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    assert [m for m in loaded if m in HEAVY] == []
    assert [m for m in loaded if m.split(".")[0] == "ehxl"] == START_UP


def test_version_is_the_packages_own():
    from ehxl import __version__

    res = run("--version")
    assert res.exit_code == 0 and res.stdout == f"ehxl, version {__version__}\n"


def test_owner_register_from_a_csv_file(plan, tmp_path):
    owners = tmp_path / "owners.csv"
    owners.write_text("Name,Initials,Role\nRachel Price,RP,Service Manager\nXavier Young,XY,Analyst\n")
    doc = json.loads(run("validate", str(plan), *AS_OF, "--owners", str(owners), "--format", "json").stdout)
    unknown = sorted((f["cell"], f["message"].split('"')[1]) for f in doc["findings"] if f["rule"] == "owner-unknown")
    # the CSV replaces the Owners sheet: VW, NH, SW and the management team are unknown now; XY is known
    assert unknown == [("D13", "NH"), ("D13", "SW"), ("D14", "Early Help management team"),
                       ("D15", "SW"), ("D16", "NH"), ("D7", "VW")]


def test_a_workbook_whose_structure_is_protected_gets_no_new_sheets(tmp_path):
    """Excel's Review > Protect Workbook forbids adding sheets; ehxl honours it, in one line, touching nothing."""
    from openpyxl import load_workbook
    from openpyxl.workbook.protection import WorkbookProtection

    path = derby_like_plan(tmp_path / "plan.xlsx")
    wb = load_workbook(path)
    wb.security = WorkbookProtection(workbookPassword="board2015", lockStructure=True)
    wb.save(path)
    before = path.read_bytes()
    assert run("validate", str(path), *AS_OF).exit_code == 1          # reading is fine: 3 errors, as ever
    for args in (["rollup", str(path)], ["overdue", str(path), "--mark"]):
        res = run(*args, *AS_OF)
        assert res.exit_code == 2
        assert res.stderr == ("ehxl: plan.xlsx: has its structure protected (Review > Protect Workbook), so ehxl "
                              "will not add sheets to it. Turn that protection off in Excel, run ehxl, then turn "
                              "it back on.\n")
    assert path.read_bytes() == before

"""End-to-end checks of validate / overdue / rollup on a realistic plan, figures worked out by hand.

The plan is tests/plans.py's Derby-like workbook, judged as of 2 November 2015
(the date of its "Progress As at 2.11.15" column), due-soon window 30 days.
"""
from __future__ import annotations

import zipfile
from datetime import date

import pytest

from ehxl import api
from plans import derby_like_plan

AS_OF = date(2015, 11, 2)


@pytest.fixture()
def plan(tmp_path):
    return derby_like_plan(tmp_path / "plan.xlsx")


def test_rollup_json_figures(plan):
    doc = api.rollup(plan, as_of=AS_OF, backup=False).json("rollup")
    acts = doc["actions"]
    # 8 actions: 1.1 1.2 1.3 2.1 2.2 2.3 2.4 2.4 (the continuation row and the repeated header are not actions)
    assert acts["total"] == 8
    # amber: 1.1 (RGB fill), 2.1 (word), 2.3 (FFEB9C fill); green: 1.2 (theme fill); red: 1.3 (indexed 10), 2.2;
    # grey: 2.4 "Not started"; none: the second 2.4
    assert acts["by_status"] == {"green": 1, "amber": 3, "red": 2, "blue": 0, "grey": 1, "none": 1}
    assert acts["complete"] == 1
    # overdue: 1.1 (By 1.7.15) and 1.3 (By 1.10.15); 2.2's deadline cannot be read, 2.1 is ongoing
    assert acts["overdue"] == 2
    assert acts["due_soon"] == 1          # 2.3, By 30.11.15: 28 days after 2.11.15
    assert [t["theme"] for t in acts["by_theme"]] == ["Performance framework",
                                                      "Children's Services Performance Data"]
    first, second = acts["by_theme"]
    assert (first["total"], first["overdue"]) == (3, 2)
    assert first["by_status"] == {"green": 1, "amber": 1, "red": 1, "blue": 0, "grey": 0, "none": 0}
    assert (second["total"], second["overdue"]) == (5, 0)
    assert second["by_status"] == {"green": 0, "amber": 2, "red": 1, "blue": 0, "grey": 1, "none": 1}
    by_owner = {o["owner"]: (o["total"], o["overdue"]) for o in acts["by_owner"]}
    assert by_owner == {
        "Rachel Price": (3, 1),       # 1.1, 1.2, 2.4
        "Vicky Wood": (1, 0),         # 1.2
        "(no owner)": (1, 1),         # 1.3
        "XY": (1, 0),                 # 2.1, not in the register
        "Nadia Hussain": (2, 0),      # 2.2, second 2.4
        "Sam Walsh": (2, 0),          # 2.2, 2.4
        "Early Help management team": (1, 0),
    }
    assert acts["by_owner"][0]["owner"] == "Rachel Price"


def test_overdue_json_rows(plan):
    doc = api.overdue(plan, as_of=AS_OF).json("overdue")
    assert doc["as_of"] == "2015-11-02"
    rows = [{k: r[k] for k in ("sheet", "row", "ref", "action", "owners", "deadline", "days_overdue", "status")}
            for r in doc["overdue"]]
    assert rows == [
        {"sheet": "Action plan", "row": 6, "ref": "1.1", "action": "Amend the data collection process",
         "owners": ["Rachel Price"], "deadline": "2015-07-01", "days_overdue": 124, "status": "amber"},
        {"sheet": "Action plan", "row": 10, "ref": "1.3", "action": "=Devise methods for engaging resistant families",
         "owners": [], "deadline": "2015-10-01", "days_overdue": 32, "status": "red"},
    ]
    soon = [{k: r[k] for k in ("row", "ref", "deadline", "days_left", "status")} for r in doc["due_soon"]]
    assert soon == [{"row": 14, "ref": "2.3", "deadline": "2015-11-30", "days_left": 28, "status": "amber"}]


def test_validate_findings_name_sheet_and_cell(plan):
    doc = api.validate(plan, as_of=AS_OF).json("validate")
    found = {(f["rule"], f["severity"], f["cell"], f["row"]) for f in doc["findings"]}
    assert found == {
        ("owner-missing", "error", "D10", 10),
        ("owner-unknown", "warning", "D12", 12),
        ("deadline-unparsed", "error", "E13", 13),
        ("cell-several-values", "warning", "G14", 14),
        ("duplicate-ref", "error", "A16", 16),
        ("status-missing", "warning", "F16", 16),
    }
    # no update-missing: every red and amber action (1.1, 1.3, 2.1, 2.2, 2.3) has a "Progress As at 2.11.15"
    # entry; the two 2.4s have none, but one is grey (not started) and the other has no status at all
    assert (doc["errors"], doc["warnings"]) == (3, 3)
    for f in doc["findings"]:
        assert f["sheet"] == "Action plan"
        assert f"'Action plan'!{f['cell']}" in f["message"]


def test_continuation_row_joins_the_action_above(plan):
    analysis, _, _ = api.analyse_file(plan, as_of=AS_OF)
    act = next(a for a in analysis.actions if a.ref == "1.2")
    assert act.update.endswith("audit to take place\nin January 2016.")


def test_validate_leaves_the_file_untouched(plan):
    before = plan.read_bytes()
    api.validate(plan, as_of=AS_OF)
    api.overdue(plan, as_of=AS_OF)
    assert plan.read_bytes() == before


def test_rollup_writes_board_sheets_with_text_kept_as_text(plan, tmp_path):
    out = tmp_path / "board.xlsx"
    api.rollup(plan, as_of=AS_OF, out=out)
    import openpyxl

    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[:2] == ["Action plan", "Owners"]
    assert {"Summary", "Overdue", "Validation"} <= set(wb.sheetnames)
    overdue_rows = [r for r in wb["Overdue"].iter_rows(values_only=True)]
    texts = [v for row in overdue_rows for v in row if isinstance(v, str)]
    assert "=Devise methods for engaging resistant families" in texts
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>Devise" not in z.read(name) and b"<f>=Devise" not in z.read(name)


# ------------------------------------------------------------------ staff sheets with ehxl's names

BOARD = ("Summary", "Overdue", "Validation", "Maturity", "KPIs", "Audits")
MATURITY_AREAS = (("Service delivery", 2), ("Workforce development", 1), ("Governance", 3))
QUARTERS = (date(2015, 6, 30), date(2015, 9, 30), date(2015, 12, 31))


def team_workbook(path):
    """A team's workbook whose own sheets already use every name ehxl gives its sheets.

    The team keeps notes on 'Summary', a to-chase list on 'Overdue', the lists
    behind its status drop-down on 'Validation', and its self-assessment,
    quarterly figures and audit grades on 'Maturity', 'KPIs' and 'Audits'.
    """
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    plan = wb.active
    plan.title = "Plan"
    plan.append(["Ref", "Action", "Owner", "Deadline", "Status"])
    plan.append(["1.1", "Refresh the early help offer", "Rachel Price", "By 1.7.15.", "In progress"])
    plan.append(["1.2", "Train staff in family assessments", "Sam Walsh", "31/12/2015", "Complete"])
    wb.create_sheet("Summary").append(["Our notes for the locality meeting"])
    wb.create_sheet("Overdue").append(["Chase Rachel about 1.1"])
    lists = wb.create_sheet("Validation")
    for word in ("Complete", "In progress", "Behind schedule"):
        lists.append([word])
    dropdown = DataValidation(type="list", formula1="=Validation!$A$1:$A$3")
    plan.add_data_validation(dropdown)
    dropdown.add("E2:E50")
    grid = wb.create_sheet("Maturity")
    grid.append(["Progress", 1, 2, 3, 4])
    for area, level in MATURITY_AREAS:
        row = [area, None, None, None, None]
        row[level] = level
        grid.append(row)
    kpis = wb.create_sheet("KPIs")
    kpis.append(["Case Type", *QUARTERS])
    kpis.append(["Early Help/Level 2 Cases", 766, 1031, 1014])
    kpis.append(["CiN Cases", 1813, 1705, 1753])
    audits = wb.create_sheet("Audits")
    audits.append(["Indicator", "0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING"])
    audits.append(["Reviews", 1, 3, 7, 6, 0])
    audits.append(["Outcomes", 0, 2, 10, 5, 0])
    wb.save(path)
    return path


#: The only staff parts ehxl may touch when it adds sheets (see ehxl.workbook_writing).
BOOKKEEPING = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml",
               "docProps/app.xml"}


def _digests(path) -> dict[str, str]:
    import hashlib

    with zipfile.ZipFile(path) as z:
        return {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}


def _sheet_names(path) -> list[str]:
    from ehxl.package import Package

    return [s.name for s in Package.open(path).sheets()]


def test_staff_sheets_with_ehxls_names_are_kept_and_ehxl_writes_beside_them(tmp_path):
    from click.testing import CliRunner

    from ehxl.cli import main

    path = team_workbook(tmp_path / "team.xlsx")
    staff = _digests(path)
    res = CliRunner().invoke(main, ["rollup", str(path), "--as-of", "2015-11-02"])
    assert res.exit_code == 0, res.output
    ours = [f"{name} (ehxl)" for name in BOARD]
    assert _sheet_names(path) == ["Plan", *BOARD, *ours, "_ehxl"]
    after = _digests(path)
    assert {n: after.get(n) for n in staff if n not in BOOKKEEPING} == \
        {n: d for n, d in staff.items() if n not in BOOKKEEPING}        # every staff sheet byte for byte
    said = [line for line in res.output.splitlines() if line.startswith("Your own")]
    assert said == ['Your own sheets "Summary", "Overdue", "Validation", "Maturity", "KPIs", "Audits" are left as '
                    'they are; ehxl wrote its sheets as "Summary (ehxl)", "Overdue (ehxl)", "Validation (ehxl)", '
                    '"Maturity (ehxl)", "KPIs (ehxl)", "Audits (ehxl)" instead.']
    assert "(see the Validation (ehxl) sheet)" in res.output


def test_the_renamed_sheets_hold_the_teams_figures_and_charts_point_at_them(tmp_path):
    import openpyxl

    path = team_workbook(tmp_path / "team.xlsx")
    result = api.rollup(path, as_of=AS_OF, backup=False)
    doc = result.json("rollup")
    assert doc["sheets_renamed"] == {name: f"{name} (ehxl)" for name in BOARD}
    # read from the team's own sheets: two actions, 1.1 overdue (By 1.7.15: 124 days by 2 Nov 2015)
    assert (doc["actions"]["total"], doc["actions"]["overdue"], doc["actions"]["complete"]) == (2, 1, 1)
    assert {m["area"]: m["declared_level"] for m in doc["maturity"]} == dict(MATURITY_AREAS)
    assert {k["measure"] for k in doc["kpis"]} == {"Early Help/Level 2 Cases", "CiN Cases"}
    wb = openpyxl.load_workbook(path)
    overdue = [row for row in wb["Overdue (ehxl)"].iter_rows(values_only=True) if "1.1" in row]
    assert len(overdue) == 1 and 124 in overdue[0]
    assert [r[0].value for r in wb["Overdue"].iter_rows()] == ["Chase Rachel about 1.1"]
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n) for n in z.namelist() if n.startswith("xl/charts/chart")]
    refs = b"".join(charts)
    assert b"'KPIs (ehxl)'!$B$" in refs and b"'Audits (ehxl)'!$" in refs
    assert b"<c:f>'KPIs'!" not in refs and b"<c:f>'Audits'!" not in refs


def test_a_second_run_refreshes_ehxls_renamed_sheets_in_place(tmp_path):
    path = team_workbook(tmp_path / "team.xlsx")
    staff = _digests(path)
    api.rollup(path, as_of=AS_OF, backup=False)
    first = _digests(path)
    names = _sheet_names(path)
    result = api.rollup(path, as_of=AS_OF, backup=False)
    assert result.sheets_written == [f"{name} (ehxl)" for name in BOARD]
    assert _sheet_names(path) == names                     # no "(ehxl 2)": the same sheets, refreshed
    assert _digests(path) == first                         # an identical run changes no part
    assert {n: d for n, d in _digests(path).items() if n in staff and n not in BOOKKEEPING} == \
        {n: d for n, d in staff.items() if n not in BOOKKEEPING}

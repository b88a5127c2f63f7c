"""The Excel buttons, tested through xlwings' own API (its remote engine records what Excel would do)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from ehxl import api, excel
from plans import derby_like_plan

AS_OF = date(2015, 11, 2)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def xw(monkeypatch):
    """xlwings with its remote engine enabled for the test only (ehxl itself never needs a key)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings

    return xlwings


def book_from_file(xw, path: Path):
    """The payload Excel would send for this workbook: every sheet's values, as the file holds them."""
    from ehxl.workbook_reading import read_workbook

    sheets = []
    for grid in read_workbook(path).grids:
        rows = [[grid.value(r, c) if grid.value(r, c) is not None else "" for c in range(1, grid.max_col + 1)]
                for r in range(1, grid.max_row + 1)] or [[]]
        rows = [[v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v for v in row] for row in rows]
        sheets.append({"name": grid.name, "values": rows, "pictures": [], "tables": []})
    payload = {"client": "Microsoft Office", "version": xw.__version__,
               "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
               "names": [], "sheets": sheets}
    return xw.Book(json=payload)


def written(book, sheet_name: str) -> list[list]:
    """The values the button path asked Excel to put in one sheet."""
    actions = book.json()["actions"]
    position = next(a["args"][0] for a in actions if a["func"] == "addSheet" and a["args"][1] == sheet_name)
    for a in actions:
        if a["func"] == "setValues" and a["sheet_position"] == position:
            return a["values"]
    raise AssertionError(f"nothing written to {sheet_name}")


def test_every_runpython_call_names_a_function_in_ehxl_excel():
    source = (REPO / "macros" / "ehxl.bas").read_text()
    calls = re.findall(r'EhxlRun "import ehxl\.excel; ehxl\.excel\.(\w+)\(\)"', source)
    assert 'Application.Run "xlwings.xlam!RunPython", command' in source
    assert sorted(calls) == ["clear_flags", "flag_overdue", "rollup", "validate"]
    for name in calls:
        assert callable(getattr(excel, name))
    subs = re.findall(r"^Sub (\w+)\(\)", source, re.M)
    assert {excel.SUBS[s] for s in subs} == set(calls)


def test_rollup_button_writes_what_the_command_line_writes(xw, tmp_path):
    plan = derby_like_plan(tmp_path / "plan.xlsx", words=True)     # the remote engine sends no fill colours
    book = book_from_file(xw, plan)
    analysis = excel.rollup(book, as_of=AS_OF)
    assert analysis is not None
    file_doc = api.rollup(plan, as_of=AS_OF, out=tmp_path / "board.xlsx").json("rollup")
    assert analysis.summary == file_doc["actions"]
    summary = written(book, "Summary")
    figures = {row[0]: row[1] for row in summary if row and isinstance(row[0], str)}
    # worked out by hand in tests/test_api.py: 8 actions, 1 complete, 2 overdue, 1 due soon
    assert (figures["All actions"], figures["Complete"]) == (8, 1)
    assert figures["Overdue (past deadline, not complete)"] == 2
    assert figures["Due in the next 30 days"] == 1
    overdue = written(book, "Overdue")
    refs = [row[0] for row in overdue[4:6]]
    assert refs == ["1.1", "1.3"]
    assert [row[4] for row in overdue[4:6]] == [124, 32]
    texts = [v for row in overdue for v in row if isinstance(v, str)]
    assert "'=Devise methods for engaging resistant families" in texts     # text, never a formula
    assert "_ehxl" in [a["args"][1] for a in book.json()["actions"] if a["func"] == "addSheet"]


def test_flag_button_refuses_where_excel_cannot_report_colours(xw, tmp_path):
    book = book_from_file(xw, derby_like_plan(tmp_path / "plan.xlsx"))
    excel.flag_overdue(book, as_of=AS_OF)
    actions = book.json()["actions"]
    assert not [a for a in actions if a["func"] == "setRangeColor"]      # nothing coloured it could not undo
    alerts = [a["args"][0] for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and "ehxl overdue --mark" in alerts[0]


def test_a_problem_shows_as_an_alert_not_a_traceback(xw, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Plan"
    wb.active.append(["Ref", "Action", "Owner", "Deadline"])
    wb.create_sheet("Summary").append(["our own summary"])
    path = tmp_path / "clash.xlsx"
    wb.save(path)
    book = book_from_file(xw, path)
    assert excel.rollup(book, as_of=AS_OF) is None
    alerts = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"]
    assert len(alerts) == 1 and "Summary" in alerts[0] and "rename" in alerts[0]


def test_export_writes_the_module(tmp_path):
    path = excel.export_macros(tmp_path)
    assert path.read_bytes().replace(b"\r\n", b"\n") == (REPO / "macros" / "ehxl.bas").read_bytes().replace(
        b"\r\n", b"\n")

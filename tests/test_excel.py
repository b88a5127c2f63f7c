"""The Excel buttons, tested through xlwings' own API (its remote engine records what Excel would do)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from ehxl import api, demo, excel
from excel_actions import payload, replay
from plans import derby_like_plan

AS_OF = date(2015, 11, 2)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def xw(monkeypatch):
    """xlwings with its remote engine enabled for the test only (ehxl itself never needs a key)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings

    try:
        xlwings.engines["remote"]
    except (KeyError, xlwings.LicenseError):     # xlwings was imported before the key was set (by another test)
        from xlwings.pro import _xlremote

        xlwings.engines.add(xlwings.Engine(impl=_xlremote.engine))
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


def _plan_with_staff_summary(path: Path, *, records: bool = False) -> Path:
    """A plan whose team keeps its own 'Summary' sheet; ``records``: ehxl's buttons have written beside it before."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Plan"
    wb.active.append(["Ref", "Action", "Owner", "Deadline", "Status"])
    wb.active.append(["1.1", "Refresh the early help offer", "Rachel Price", "By 1.7.15.", "In progress"])
    wb.create_sheet("Summary").append(["our own summary"])
    if records:
        for name in ("Summary (ehxl)", "Overdue", "Validation"):
            wb.create_sheet(name).append([f"ehxl's {name} from the last press"])
        state = wb.create_sheet("_ehxl")
        for row in ([excel.STATE_MARKER, "Kept by ehxl"], ["kind", "sheet", "sheet id", "cell"],
                    ["sheet", "Summary (ehxl)", None], ["sheet", "Overdue", None], ["sheet", "Validation", None]):
            state.append(row)
    wb.save(path)
    return path


def test_a_staff_sheet_named_summary_is_kept_and_the_button_writes_beside_it(xw, tmp_path):
    book = book_from_file(xw, _plan_with_staff_summary(tmp_path / "team.xlsx"))
    assert excel.rollup(book, as_of=AS_OF) is not None
    actions = book.json()["actions"]
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert added == ["Summary (ehxl)", "Overdue", "Validation", "_ehxl"]
    written_to = {a["sheet_position"] for a in actions if a["func"] in ("setValues", "clearContents", "clear")}
    assert 1 not in written_to                                   # the team's Summary, second in the book
    figures = {row[0]: row[1] for row in written(book, "Summary (ehxl)") if row and isinstance(row[0], str)}
    assert (figures["All actions"], figures["Overdue (past deadline, not complete)"]) == (1, 1)
    alerts = [a["args"][0] for a in actions if a["func"] == "alert"]
    assert alerts == ['Your own sheet "Summary" is left as it is; ehxl wrote its sheet as "Summary (ehxl)" instead.']
    records = next(a["values"] for a in actions if a["func"] == "setValues"
                   and a["sheet_position"] == added.index("_ehxl") + 2)
    assert ["sheet", "Summary (ehxl)", ""] in [row[:3] for row in records]


def test_the_next_press_refreshes_ehxls_renamed_sheet_and_says_nothing(xw, tmp_path):
    book = book_from_file(xw, _plan_with_staff_summary(tmp_path / "team.xlsx", records=True))
    assert excel.rollup(book, as_of=AS_OF) is not None
    actions = book.json()["actions"]
    assert [a["args"][1] for a in actions if a["func"] == "addSheet"] == []
    summary_position = 2                                         # Plan, Summary, Summary (ehxl), Overdue...
    values = next(a["values"] for a in actions if a["func"] == "setValues" and a["sheet_position"] == summary_position)
    assert values[0][0] == "Action plan summary"               # the title of ehxl's Summary sheet
    assert not [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1]
    assert not [a for a in actions if a["func"] == "alert"]


def test_a_problem_shows_as_an_alert_not_a_traceback(xw, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Plan"
    wb.active.append(["Ref", "Action", "Owner", "Deadline"])
    wb.create_sheet("_ehxl").append(["a sheet of the team's that happens to have ehxl's records name"])
    path = tmp_path / "clash.xlsx"
    wb.save(path)
    book = book_from_file(xw, path)
    assert excel.rollup(book, as_of=AS_OF) is None
    alerts = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"]
    assert len(alerts) == 1 and "_ehxl" in alerts[0] and "rename" in alerts[0]
    assert not [a for a in book.json()["actions"] if a["func"] in ("addSheet", "setValues")]


def test_export_writes_the_module(tmp_path):
    path = excel.export_macros(tmp_path)
    assert path.read_bytes().replace(b"\r\n", b"\n") == (REPO / "macros" / "ehxl.bas").read_bytes().replace(
        b"\r\n", b"\n")


def words_version(path: Path, as_of: date) -> Path:
    """The same workbook with each colour-only status also written as its word.

    xlwings' remote engine sends Excel's values but not its fills (desktop
    Excel reports both), so the equivalence below is checked on plans whose
    statuses the remote engine can see.  A plan coloured on its reference
    column (seed 000) gets a Status column after its last one.
    """
    from openpyxl import load_workbook

    analysis = api.validate(path, as_of=as_of).analysis
    wb = load_workbook(path)
    for plan in analysis.plans:
        ws = wb[plan.sheet]
        col = plan.columns.get("status")
        if col is None:
            col = max(plan.columns.values()) + 1
            ws.cell(plan.header_row, col, "Status")
        for act in plan.actions:
            if act.meaning is not None and not act.status_word:
                ws.cell(act.row, col, str(act.meaning).capitalize())
    out = path.with_name("words-" + path.name)
    wb.save(out)
    return out


REALISTIC = [pytest.param(lambda p: derby_like_plan(p, words=True), AS_OF, id="derby-like")] + [
    pytest.param(lambda p, b=b: b.build(p) or p, b.as_of, id=b.file.removesuffix(".xlsx")) for b in demo.WORKBOOKS]


def _file_value(cell):
    from datetime import datetime

    value = cell.value
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    return value


def _solid(cell) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    return str(fill.fgColor.rgb)[-6:].upper()


@pytest.mark.parametrize("build, as_of", REALISTIC)
def test_buttons_lay_out_the_same_board_sheets_as_the_command_line(xw, tmp_path, build, as_of):
    """Every value, number format, fill, bold, link, width and chart of every board sheet matches `ehxl rollup`."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    plan = words_version(build(tmp_path / "plan.xlsx"), as_of)
    book = book_from_file(xw, plan)
    assert excel.rollup(book, as_of=as_of) is not None, [a for a in book.json()["actions"] if a["func"] == "alert"]
    result = api.rollup(plan, as_of=as_of, out=tmp_path / "board.xlsx")
    buttons = replay(book)
    added = [a["args"][1] for a in book.json()["actions"] if a["func"] == "addSheet"]
    assert added == [*result.sheets_written, "_ehxl"] or added == ["_ehxl", *result.sheets_written][:len(added)] \
        or set(added) == {*result.sheets_written, "_ehxl"}
    board = load_workbook(tmp_path / "board.xlsx")
    for name in result.sheets_written:
        ws, model = board[name], buttons[name]
        file_cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row if c.value is not None}
        assert {k: _file_value(c) for k, c in file_cells.items()} == model.values, name
        for key, cell in file_cells.items():
            assert model.formats.get(key, "General") == cell.number_format, (name, cell.coordinate)
            assert model.fills.get(key) == _solid(cell), (name, cell.coordinate)
            assert bool(model.fonts.get(key, {}).get("bold")) == bool(cell.font.b), (name, cell.coordinate)
            lined = {side for side in ("top", "bottom", "left", "right") if getattr(cell.border, side).style == "thin"}
            assert model.borders.get(key, set()) == lined, (name, cell.coordinate)
            link = cell.hyperlink.location if cell.hyperlink is not None else None
            assert (model.links.get(key) or "#")[1:] == (link or ""), (name, cell.coordinate)
        widths = {c: ws.column_dimensions[get_column_letter(c)].width for c in model.widths}
        assert widths == model.widths, name
        heights = {r: ws.row_dimensions[r].height for r in model.heights}
        assert heights == model.heights, name
        assert [r for r, d in ws.row_dimensions.items() if d.customHeight] == sorted(model.heights), name
        assert model.freeze == ws.freeze_panes, name
        assert len(model.charts) == len(ws._charts), name
        for drawn, chart in zip(model.charts, ws._charts):
            refs = [s.val.numRef.f.split("!")[1] for s in chart.series]
            cats = {(s.cat.numRef or s.cat.strRef).f.split("!")[1] for s in chart.series}
            assert drawn["categories"] == cats.pop()
            first, last = refs[0].split(":")[0], refs[-1].split(":")[-1]
            assert drawn["source"] == f"{first}:{last}"
            assert drawn["anchor"] == "$" + "$".join(_split(chart.anchor._from)), name


def _split(marker) -> tuple[str, str]:
    from openpyxl.utils import get_column_letter

    return get_column_letter(marker.col + 1), str(marker.row + 1)


def test_pressing_roll_up_again_refreshes_the_same_sheets(xw, tmp_path):
    """The second press starts from what Excel holds after the first: same sheets, charts replaced, not added."""
    b = demo.WORKBOOKS[3]                                  # KPIs and audits: seven line charts, two bar charts
    plan = words_version(b.build(tmp_path / b.file) or tmp_path / b.file, b.as_of)
    first = book_from_file(xw, plan)
    excel.rollup(first, as_of=b.as_of)
    before = replay(first)
    second = xw.Book(json=payload(first, before, xw.__version__))
    assert excel.rollup(second, as_of=b.as_of) is not None
    actions = second.json()["actions"]
    assert not [a for a in actions if a["func"] in ("alert", "addSheet")]
    assert len([a for a in actions if a["func"] == "deleteChart"]) == 9
    assert len([a for a in actions if a["func"] == "addChart"]) == 9
    after = replay(second)
    for name in ("Validation", "KPIs", "Audits"):
        assert after[name].values == before[name].values and after[name].formats == before[name].formats
        assert [c["source"] for c in after[name].charts] == [c["source"] for c in before[name].charts]
    assert after["_ehxl"].values == before["_ehxl"].values
    assert [after["_ehxl"].values.get((r, 2)) for r in (3, 4, 5)] == ["Validation", "KPIs", "Audits"]


def test_the_validate_button_writes_beside_a_staff_validation_sheet_and_names_it(xw, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Plan"
    for row in (["Ref", "Action", "Owner", "Deadline"], ["1", "Audit cases", "", "By 1.7.15"]):
        wb.active.append(row)
    wb.create_sheet("Validation").append(["our own notes"])
    path = tmp_path / "lists.xlsx"
    wb.save(path)
    book = book_from_file(xw, path)
    assert excel.validate(book, as_of=AS_OF) is not None
    actions = book.json()["actions"]
    assert [a["args"][1] for a in actions if a["func"] == "addSheet"] == ["Validation (ehxl)", "_ehxl"]
    assert not [a for a in actions if a.get("sheet_position") == 1 and a["func"] != "alert"]
    alerts = [a["args"][0] for a in actions if a["func"] == "alert"]
    # one finding: action 1 has no owner (no owner register, so nothing else is checked against one)
    assert len(alerts) == 1 and alerts[0].startswith("1 errors and ")
    assert 'see the Validation (ehxl) sheet. Your own sheet "Validation" is left as it is' in alerts[0]


def test_settings_beside_the_saved_workbook_are_used(xw, tmp_path):
    (tmp_path / "ehxl.toml").write_text("as_of = 2015-11-02\n")
    plan = derby_like_plan(tmp_path / "plan.xlsx", words=True)
    book = book_from_file(xw, plan)
    book.api["book"]["name"] = str(plan)              # desktop Excel gives the saved path as Book.fullname
    analysis = excel.rollup(book)
    assert analysis is not None and analysis.as_of == date(2015, 11, 2)
    assert analysis.summary["overdue"] == 2                # 1.1 and 1.3, as in test_rollup_button_writes_...


def test_clear_flags_gives_each_cell_its_own_fill_back_and_keeps_other_records(xw):
    """Records as Flag overdue leaves them in desktop Excel: one cell had no fill, one a yellow fill."""
    state = [["ehxl state 1", "Kept by ehxl", "", "", "", ""],
             ["kind", "sheet", "sheet id", "cell", "original style", "applied style"],
             ["sheet", "Summary", "", "", "", ""],
             ["flag", "Action plan", "", "E6", "none", "xlwings"],
             ["flag", "Action plan", "", "E10", "#FFFF00", "xlwings"],
             ["flag", "Action plan", "1", "E13", "7", "12"]]                  # flagged by `ehxl overdue --mark`
    book = xw.Book(json={"client": "Microsoft Office", "version": xw.__version__,
                         "book": {"name": "plan.xlsm", "active_sheet_index": 0, "selection": "A1"}, "names": [],
                         "sheets": [{"name": "Action plan", "values": [["Ref"]], "pictures": [], "tables": []},
                                    {"name": "Summary", "values": [["Action plan summary"]], "pictures": [],
                                     "tables": []},
                                    {"name": "_ehxl", "values": state, "pictures": [], "tables": []}]})
    assert excel.clear_flags(book) == 2
    actions = book.json()["actions"]
    colours = [(a["start_row"], a["start_column"], a["args"]) for a in actions if a["func"] == "setRangeColor"]
    assert colours == [(5, 4, [None]), (9, 4, ["#FFFF00"])]           # E6 back to no fill, E10 to yellow
    left = replay(book)["_ehxl"].values
    assert [left.get((r, 1)) for r in range(1, 6)] == ["ehxl state 1", "kind", "sheet", "flag", None]
    assert (left[(3, 2)], left[(4, 4)], left[(4, 6)]) == ("Summary", "E13", "12")


def test_a_workbook_with_nothing_to_report_on_gets_one_message_and_no_sheets(xw):
    book = xw.Book(json={"client": "Microsoft Office", "version": xw.__version__,
                         "book": {"name": "budget.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
                         "sheets": [{"name": "Budget", "values": [["Item", "Cost"], ["Venue", 120]],
                                     "pictures": [], "tables": []}]})
    for button in (excel.validate, excel.rollup, excel.flag_overdue):
        assert button(book, as_of=AS_OF) is None
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"] * 3
    assert "found no action plan" in actions[0]["args"][0] and "Nothing was changed" in actions[0]["args"][0]


def test_roll_up_compares_with_the_history_beside_the_saved_workbook_and_records_its_run(xw, tmp_path):
    """Board one rolled up on the command line; the plan changed as in tests/test_changes.py; board two by button."""
    from test_changes import BOARD_ONE, BOARD_TWO, NOW, THEN, plan

    path = plan(tmp_path / "plan.xlsx", BOARD_ONE, {date(2015, 6, 30): 766, date(2015, 9, 30): 1031})
    api.rollup(path, as_of=THEN, backup=False)
    plan(path, BOARD_TWO, {date(2015, 6, 30): 766, date(2015, 9, 30): 1040, date(2015, 12, 31): 1014})
    book = book_from_file(xw, path)
    book.api["book"]["name"] = str(path)              # desktop Excel gives the saved path as Book.fullname
    analysis = excel.rollup(book, as_of=NOW)
    assert analysis is not None
    changes = written(book, "Changes")
    assert changes[0][0] == "What changed since the board of 30 September 2015"
    head = next(i for i, r in enumerate(changes) if r[0] == "Headline")
    # then 5 actions, 1 complete, none overdue; now 5, 2 complete (1.2, 2.1), 1 overdue (1.1): tests/test_changes.py
    assert [r[:3] for r in changes[head + 1:head + 4]] == [["Actions", 5, 5], ["Complete", 1, 2], ["Overdue", 0, 1]]
    assert [f.cell for f in analysis.findings if f.rule == "update-stale"] == ["F4", "F6"]    # 1.1 and 1.3
    runs = api.history_runs(tmp_path / "ehxl-history.sqlite")
    assert [(r.as_of, r.output, r.complete) for r in runs] == [("2015-09-30", "plan.xlsx", 1),
                                                               ("2016-01-15", "plan.xlsx", 2)]


def test_an_unsaved_workbook_rolls_up_without_a_history(xw, tmp_path):
    plan = derby_like_plan(tmp_path / "plan.xlsx", words=True)
    book = book_from_file(xw, plan)                   # Book.fullname is just "plan.xlsx": never saved
    assert excel.rollup(book, as_of=AS_OF) is not None
    assert "Changes" not in [a["args"][1] for a in book.json()["actions"] if a["func"] == "addSheet"]
    assert not list(tmp_path.glob("*.sqlite")) and not list(Path.cwd().glob("ehxl-history.sqlite"))


def test_a_history_that_cannot_be_written_leaves_the_sheets_and_says_so(xw, tmp_path, monkeypatch):
    """Another roll-up taking the history between the comparison and the record: the sheets stand, the alert
    says why (the lock is what SQLite reports; it is raised here at that moment)."""
    import sqlite3

    from ehxl import history
    from ehxl.errors import EhxlError

    plan = derby_like_plan(tmp_path / "plan.xlsx", words=True)
    book = book_from_file(xw, plan)
    book.api["book"]["name"] = str(plan)

    def locked(path, *a, **kw):
        raise EhxlError("could not be written", path=path) from sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(history, "record", locked)
    assert excel.rollup(book, as_of=AS_OF) is not None
    assert "Summary" in [a["args"][1] for a in book.json()["actions"] if a["func"] == "addSheet"]
    (alert,) = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"]
    assert alert.startswith("The sheets are written, but this roll-up could not be added to the history beside "
                            "the workbook (database is locked)")

"""The workbook templates behind ``ehxl new``, built by code so they can be rebuilt and checked.

Run ``python -m ehxl.templates [DIR]`` to regenerate ``workbook_templates/``.
The files are built with XlsxWriter (a development dependency: installed
copies of ehxl only read the shipped files) with a fixed creation date, so a
rebuild gives the same content part for part; a test checks the committed
files against a fresh build.

``action_plan.xlsm`` is ``action_plan.xlsx`` put through ``ehxl macros
install``: its VBA project is written from ``macros/ehxl.bas`` by
:mod:`ehxl.vba_project`, so the template holds no binary of unknown origin and
shows exactly what installing the buttons gives a manager's own plan.
"""
from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path

from .api import install_macros, template_path  # noqa: F401  (template_path: where the shipped copies are)

CREATED = datetime(2026, 1, 1, 9, 0, 0)
#: The first cell of ehxl's records sheet (see ehxl.workbook_writing).
STATE_MARKER = "ehxl state 1"
NAMES = ("action_plan.xlsx", "maturity.xlsx", "kpi.xlsx", "audit.xlsx", "action_plan.xlsm", "board_pack.xlsx")
STATUSES = ["Complete", "In progress", "Behind schedule", "Not started"]
RAG_FILLS = {"Complete": ("#C6EFCE", "#006100"), "In progress": ("#FFEB9C", "#9C5700"),
             "Behind schedule": ("#FFC7CE", "#9C0006"), "Not started": ("#D9D9D9", "#404040")}
AREAS = ["Service delivery", "Integrated service delivery", "Workforce development",
         "Integrated performance management", "Quality assurance", "Communication and engagement", "Governance"]
INDICATORS = ["Response to initial contact", "Assessment quality", "Care plan", "Reviews",
              "Management oversight and Supervision", "Outcomes"]


def build(name: str) -> bytes:
    """One template's bytes."""
    if name == "action_plan.xlsm":
        return _with_buttons(build("action_plan.xlsx"))
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": f"ehxl {name}", "author": "ehxl", "created": CREATED,
                       "comments": "Made by ehxl. Run `ehxl rollup` on it, or press the buttons."})
    {"action_plan.xlsx": _action_plan, "maturity.xlsx": _maturity, "kpi.xlsx": _kpi,
     "audit.xlsx": _audit, "board_pack.xlsx": _board_pack}[name](wb)
    wb.close()
    return buf.getvalue()


def _with_buttons(xlsx: bytes) -> bytes:
    """The action-plan template with ehxl's module and buttons, installed the way a manager's plan would be."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "action_plan.xlsx"
        source.write_bytes(xlsx)
        result = install_macros(source, backup=False)
        return result.written.read_bytes()


def build_all(directory: str | Path | None = None) -> list[Path]:
    folder = Path(directory) if directory else Path(__file__).resolve().parent.parent / "workbook_templates"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in NAMES:
        (folder / name).write_bytes(build(name))
        out.append(folder / name)
    return out


def _board_pack(wb) -> None:
    """An empty board pack: a Summary sheet ehxl's records say is its own, so the first roll-up replaces it.

    A workbook needs one visible sheet, and the board's first sheet should be
    the Summary; ehxl's records (the veryHidden ``_ehxl`` sheet, as the
    lossless writer keeps them) claim it by name and sheet id.
    """
    f = _formats(wb)
    ws = wb.add_worksheet("Summary")
    ws.write("A1", "Board pack", f["title"])
    ws.write("A2", "ehxl writes this pack from the teams' workbooks: run `ehxl rollup FOLDER -o THIS-FILE`.", f["note"])
    state = wb.add_worksheet("_ehxl")
    for r, row in enumerate(([STATE_MARKER, "Kept by ehxl: which sheets it created and which cells it flagged. "
                                            "Do not edit."],
                             ["kind", "sheet", "sheet id", "cell", "original style", "applied style"],
                             ["sheet", "Summary", 1])):
        state.write_row(r, 0, row)
    state.very_hidden()


def _formats(wb) -> dict:
    return {
        "title": wb.add_format({"bold": True, "font_size": 16}),
        "note": wb.add_format({"italic": True, "font_color": "#595959"}),
        "header": wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1,
                                 "text_wrap": True, "valign": "top"}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "date": wb.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "border": 1}),
        "pct": wb.add_format({"num_format": "0%", "valign": "top", "border": 1}),
        "int": wb.add_format({"valign": "top", "border": 1}),
        "bold": wb.add_format({"bold": True}),
    }


def _landscape(ws) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _action_plan(wb) -> None:
    f = _formats(wb)
    ws = wb.add_worksheet("Plan")
    ws.write("A1", "Early Help action plan", f["title"])
    ws.write("A2", "One row per action. Status: choose from the list (the colour follows). "
                   "Deadline: a date, or 'Ongoing'.", f["note"])
    header = ["Ref", "Theme", "Action", "Owner", "Start", "Deadline", "Status", "Progress (%)", "Update"]
    ws.write_row(3, 0, header, f["header"])
    rows = [
        ("1.1", "Early Help performance framework", "Agree the Early Help data set with the Performance Team",
         "RP", datetime(2026, 4, 1), datetime(2026, 6, 30), "In progress", 0.5, "Draft shared with managers"),
        ("1.2", "Early Help performance framework", "Collect 'How was it for you' feedback at every case closure",
         "VW", datetime(2026, 4, 1), datetime(2026, 9, 30), "Not started", 0.0, ""),
        ("2.1", "Quality of practice", "Quarterly case-file audit of Early Help Assessments", "NH",
         datetime(2026, 4, 1), "Ongoing", "In progress", 0.25, "Q1 audit complete"),
        ("2.2", "Quality of practice", "Refresh supervision policy and launch it across the service", "SW",
         datetime(2026, 1, 5), datetime(2026, 3, 31), "Complete", 1.0, "Launched in March"),
    ]
    for i, (ref, theme, action, owner, start, due, status, pct, update) in enumerate(rows, start=4):
        ws.write(i, 0, ref, f["text"])
        ws.write(i, 1, theme, f["text"])
        ws.write(i, 2, action, f["text"])
        ws.write(i, 3, owner, f["text"])
        ws.write_datetime(i, 4, start, f["date"])
        if isinstance(due, datetime):
            ws.write_datetime(i, 5, due, f["date"])
        else:
            ws.write(i, 5, due, f["text"])
        ws.write(i, 6, status, f["text"])
        ws.write_number(i, 7, pct, f["pct"])
        ws.write(i, 8, update, f["text"])
    ws.data_validation("G5:G204", {"validate": "list", "source": STATUSES,
                                   "error_message": "Choose Complete, In progress, Behind schedule or Not started."})
    ws.data_validation("D5:D204", {"validate": "list", "source": "=Owners!$C$2:$C$200", "error_type": "warning",
                                   "error_message": "This owner is not on the Owners sheet."})
    for status, (bg, fg) in RAG_FILLS.items():
        ws.conditional_format("G5:G204", {"type": "cell", "criteria": "==", "value": f'"{status}"',
                                          "format": wb.add_format({"bg_color": bg, "font_color": fg})})
    legend = 206
    for j, line in enumerate(("Green – Complete", "Amber – In progress", "Red – Behind schedule")):
        ws.write(legend + j, 0, line, f["note"])
    for col, width in enumerate((7, 26, 48, 14, 12, 12, 16, 12, 40)):
        ws.set_column(col, col, width)
    ws.freeze_panes(4, 0)
    ws.repeat_rows(3)
    _landscape(ws)
    owners = wb.add_worksheet("Owners")
    owners.write_row(0, 0, ["Name", "Initials", "Role", "Email"], f["header"])
    people = [("Rachel Price", "RP", "Prevention Service Manager", "rachel.price@example.gov.uk"),
              ("Vicky Wood", "VW", "Participation Officer", "vicky.wood@example.gov.uk"),
              ("Nadia Hussain", "NH", "Head of Early Help", "nadia.hussain@example.gov.uk"),
              ("Sam Walsh", "SW", "Performance Officer", "sam.walsh@example.gov.uk")]
    for i, person in enumerate(people, start=1):
        owners.write_row(i, 0, person, f["text"])
    owners.set_column(0, 0, 24)
    owners.set_column(1, 1, 9)
    owners.set_column(2, 3, 32)
    config = wb.add_worksheet("Config")
    config.write_row(0, 0, ["Setting", "Value", "What it does"], f["header"])
    config.write_row(1, 0, ["As of", "", "Judge deadlines as of this date (blank: today)."], f["text"])
    config.write_row(2, 0, ["Due soon (days)", 30, "List actions due within this many days."], f["text"])
    config.set_column(0, 0, 18)
    config.set_column(1, 1, 14)
    config.set_column(2, 2, 50)


def _maturity(wb) -> None:
    f = _formats(wb)
    plan = wb.add_worksheet("Plan")
    plan.write("A1", "Early Help maturity plan", f["title"])
    plan.write_row(2, 0, ["Matrix area", "Progress level", "Ref", "Action", "Lead", "Timescale", "Status",
                          "Update"], f["header"])
    rows = [("Service delivery", 2, "1", "Embed the family support offer", "RP", "March 2027", "In progress",
             "Offer agreed with the children's centres"),
            ("", 3, "2", "Extend the 2-year-old offer", "VW", "June 2026", "Complete", "Places taken up in June"),
            ("Workforce development", 2, "3", "Training plan for practitioners", "NH", "September 2026",
             "In progress", "First two courses booked"),
            ("Governance", 1, "4", "Merge the Early Help and Troubled Families boards", "SW", "December 2026",
             "Not started", "")]
    for i, row in enumerate(rows, start=3):
        plan.write_row(i, 0, row, f["text"])
    for col, width in enumerate((28, 10, 6, 44, 10, 14, 14, 36)):
        plan.set_column(col, col, width)
    _landscape(plan)
    grid = wb.add_worksheet("Maturity matrix")
    grid.write("A1", "Maturity matrix self-assessment: put an x under the level each area has reached", f["title"])
    grid.write_row(2, 0, ["Area", 1, 2, 3, 4], f["header"])
    declared = [2, 1, 2, 2, 2, 2, 1]
    for i, (area, level) in enumerate(zip(AREAS, declared), start=3):
        grid.write(i, 0, area, f["text"])
        for lv in range(1, 5):
            grid.write(i, lv, "x" if lv == level else "", f["text"])
    key = 3 + len(AREAS) + 1
    for j, text in enumerate(("1 Basic", "2 Early progress", "3 Substantial progress", "4 Maturity")):
        grid.write(key + j, 0, text, f["note"])
    grid.set_column(0, 0, 36)
    grid.set_column(1, 4, 6)


def _kpi(wb) -> None:
    f = _formats(wb)
    ws = wb.add_worksheet("Quarterly KPIs")
    ws.write("A1", "Quarterly performance", f["title"])
    ends = [datetime(2025, 6, 30), datetime(2025, 9, 30), datetime(2025, 12, 31), datetime(2026, 3, 31)]
    ws.write(2, 0, "Measure", f["header"])
    for j, d in enumerate(ends, start=1):
        ws.write_datetime(2, j, d, wb.add_format({"num_format": "dd/mm/yyyy", "bold": True, "font_color": "#FFFFFF",
                                                   "bg_color": "#1F4E78", "border": 1}))
    rows = [("Early Help cases open", [683, 726, 698, 740]), ("Child in need cases", [923, 923, 1019, 958]),
            ("Escalated to Social Care", ["51/273", "53/369", "18/206", "65/351"]),
            ("Early Help Assessments completed", [187, 206, 254, 282])]
    for i, (measure, values) in enumerate(rows, start=3):
        ws.write(i, 0, measure, f["text"])
        for j, v in enumerate(values, start=1):
            ws.write(i, j, v, f["int"])
    ws.set_column(0, 0, 34)
    ws.set_column(1, 4, 12)
    targets = wb.add_worksheet("Targets")
    targets.write_row(0, 0, ["Measure", "Target", "Tolerance", "Polarity"], f["header"])
    targets.write_row(1, 0, ["Escalated to Social Care", 20, 5, "lower"], f["text"])
    targets.write_row(2, 0, ["Early Help Assessments completed", 200, 25, "higher"], f["text"])
    targets.set_column(0, 0, 34)


def _audit(wb) -> None:
    f = _formats(wb)
    ws = wb.add_worksheet("Case file audit")
    ws.write("A1", "Case File Audit: Early Help team - March 2026", f["bold"])
    ws.write_row(1, 0, ["Indicator", "0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING"],
                 f["header"])
    counts = [(0, 1, 5, 2, 0), (2, 1, 4, 3, 0), (1, 1, 5, 3, 0), (1, 3, 7, 6, 0), (0, 1, 8, 7, 1),
              (0, 2, 6, 5, 0)]
    for i, (name, row) in enumerate(zip(INDICATORS, counts), start=2):
        ws.write(i, 0, name, f["text"])
        ws.write_row(i, 1, row, f["int"])
    ws.set_column(0, 0, 38)
    ws.set_column(1, 5, 14)


if __name__ == "__main__":  # pragma: no cover
    for written in build_all(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written)

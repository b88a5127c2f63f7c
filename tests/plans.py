"""Realistic action-plan workbooks for the tests, built in code the way staff lay them out.

``derby_like_plan`` follows seed 000 (Derby's Early Help Action Plan 2015-16):
title rows, a blank header over the reference column, a theme row merged
across, a continuation row left by a page break, the header repeated
mid-table, RAG as fill colour only (RGB, theme + tint, legacy indexed), a
legend under the table, initials with an Owners sheet, a missing owner, an
unknown initial, an unparseable deadline, two values in one cell and a
duplicate reference.  The expected figures live in the tests, worked out by
hand from the table in this docstring-free layout:

    row ref  owner                         by when              status (how)                progress
    6   1.1  RP                            By 1.7.15.           amber  (RGB FFC000 fill)    50%
    7   1.2  VW/RP                         By 1.10.15.          green  (theme accent3 +0.4) 100%
    8   --   continuation: "in January 2016." in the update column
    9   --   the header again
    10  1.3  (blank)                       By 1.10.15           red    (indexed 10)         20%
    11  --   "2. Theme: Children's Services Performance Data" (merged)
    12  2.1  XY                            From 1.4.15.         amber  (word In progress)
    13  2.2  NH/SW                         By end of Octobr 15  red    (word + red fill)
    14  2.3  Early Help management team.   By 30.11.15.         amber  (FFEB9C fill)        <p>100%</p><p>0%</p>
    15  2.4  RP & SW                       June 2016            grey   (word Not started)
    16  2.4  NH                            By 1.6.16            none
    18-20 legend: Green – Complete / Amber – In progress / Red – Behind schedule

``levels_plan`` follows seed 001 (Coventry's plan and maturity matrix): progress levels per action with
gaps, and one matrix area none of whose actions has a level.
"""
from __future__ import annotations

from pathlib import Path

HEADER = ["", "Outcome", "Action", "By Whom", "By When", "RAG", "Progress (%)", "Progress As at 2.11.15"]


def _fill(**colour):
    from openpyxl.styles import Color, PatternFill

    return PatternFill(fill_type="solid", fgColor=Color(**colour))


def derby_like_plan(path: Path, *, words: bool = False) -> Path:
    """``words``: statuses written as words where the original has a fill only (for engines that cannot read fills)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Action plan"
    ws["A1"] = "Appendix 3."
    ws["A2"] = "Early Help Action Plan 2015-16."
    ws["A2"].font = Font(bold=True, size=14)
    for c, h in enumerate(HEADER, 1):
        ws.cell(4, c, h or None)
    ws["A5"] = "1. Theme: Performance framework"
    ws.merge_cells("A5:H5")
    rows = {
        6: ("1.1", "A broader set of data", "Amend the data collection process", "RP", "By 1.7.15.", None, 0.5,
            "Data is being collected"),
        7: ("1.2", "Families feel able to communicate views", "Devise alternative methods for families",
            "VW/RP", "By 1.10.15.", None, "100%", "Complete. Spidergraph tool re-designed; audit to take place"),
        10: ("1.3", "All families can comment", "=Devise methods for engaging resistant families", None,
             "By 1.10.15", None, 0.2, "Forms will be compared at year end"),
        12: ("2.1", "Data shows impact", "Compare EH data against CIN, CPP and CiC", "XY", "From 1.4.15.",
             "In progress", None, "Quarter 2 data gathered"),
        13: ("2.2", "Right families offered help", "Audit a sample of CP cases", "NH/SW", "By end of Octobr 15",
             "Behind schedule", None, "Data is being collected"),
        14: ("2.3", "Medium term impact understood", "Audit cases open in 2012-13",
             "Early Help management team.", "By 30.11.15.", None, "<p>100%</p> <p>0%</p>", "Sample drawn"),
        15: ("2.4", "Board challenges performance", "Report to DSCB", "RP & SW", "June 2016", "Not started", None,
             None),
        16: ("2.4", "Partners assess impact", "Annual report to the board", "NH", "By 1.6.16", None, None, None),
    }
    for r, values in rows.items():
        for c, v in enumerate(values, 1):
            if v is not None:
                ws.cell(r, c, v)
    ws["C10"].data_type = "s"      # text a manager typed with a leading "=", kept as text
    ws.cell(6, 7).number_format = "0%"
    ws.cell(10, 7).number_format = "0%"
    ws["H8"] = "in January 2016."
    for c, h in enumerate(HEADER, 1):
        ws.cell(9, c, h or None)
    ws["A11"] = "2. Theme: Children's Services Performance Data"
    ws.merge_cells("A11:H11")
    ws["F6"].fill = _fill(rgb="FFFFC000")
    ws["F7"].fill = _fill(theme=6, tint=0.3999755851924192)
    ws["F10"].fill = _fill(indexed=10)
    ws["F13"].fill = _fill(rgb="FFFF0000")
    ws["F14"].fill = _fill(rgb="FFFFEB9C")
    if words:
        for ref, word in (("F6", "In progress"), ("F7", "Complete"), ("F10", "Behind schedule"),
                          ("F14", "In progress")):
            ws[ref] = word
    ws["A18"] = "Green – Complete"
    ws["A19"] = "Amber – In progress"
    ws["A20"] = "Red – Behind schedule"
    owners = wb.create_sheet("Owners")
    owners.append(["Name", "Initials", "Role", "Email"])
    for row in (("Rachel Price", "RP", "Service Manager", "rachel.price@example.gov.uk"),
                ("Vicky Wood", "VW", "Employment Adviser", "vicky.wood@example.gov.uk"),
                ("Nadia Hussain", "NH", "Head of Early Help", None),
                ("Sam Walsh", "SW", "Performance Officer", None),
                ("Early Help management team", "EHMT", "Team", None)):
        owners.append(list(row))
    wb.save(path)
    return path


LEVELS_HEADER = ["Action No.", "Matrix area", "Description", "Lead", "Timescale", "Progress level", "RAG",
                 "Progress update"]
#: Seed 001's layout (Coventry): the matrix area written once per area, a progress level per action, left blank
#: where the plan gives none, and one whole area (Workforce development) with no level at all.
LEVELS_ROWS = {
    4: ("1", "Service delivery", "Strengthening Families phase 2", "Louison Ricketts", "June 2016", 3,
        "In progress", "Phase 2 started in January"),
    5: (None, None, "Second payment-by-results claim", "Stuart Hunter", "September 16", None, "In progress",
        "27 families claimed so far"),
    6: ("2", None, "Acting Early - school age", "Christina Walding", "July 2016", 1, "In progress",
        "4 secondary schools interested"),
    7: ("3", None, "Acting Early 0-5", "Amanda Reynolds", "March 17", None, "In progress", "11 sites running"),
    8: ("4", None, "Connecting Communities phase 1", "Amanda Reynolds", "September 17", 1, "Complete",
        "Approved by cabinet"),
    9: (None, "Workforce development", "Ignite - Willenhall hub pilot", "Grace Haynes", "June 17", None,
        "Behind schedule", "Pilot delayed by staffing"),
    10: ("5", None, "Workforce development strategy", "Andrew Brunt", "June 17", None, "In progress",
         "5 social workers recruited"),
    11: ("6", None, "Training plan for practitioners", "Andrew Brunt", "March 17", None, "Complete",
         "Plan agreed"),
    12: ("7", "Governance", "Terms of reference for the Early Help Board", "Sue Frossell", "June 2016", 2,
         "Complete", "Agreed in December"),
    13: ("8", None, "Merge the Early Help and Troubled Families boards", "Sue Frossell", "December 16",
         "Level 3", "In progress", "Proposal drafted"),
}
#: The self-assessment grid on its own sheet: the level's number under its column.
LEVELS_DECLARED = [("Service delivery", 2), ("Workforce development", 2), ("Governance", 2)]


def levels_plan(path: Path) -> Path:
    """A maturity plan (sheet 'Plan', levels in column F) and its 'Maturity matrix' grid (levels in B-E, rows 4-6)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws["A1"] = "Early Help and Prevention Action Plan 2015 - 2018"
    for c, h in enumerate(LEVELS_HEADER, 1):
        ws.cell(3, c, h)
    for r, values in LEVELS_ROWS.items():
        for c, v in enumerate(values, 1):
            if v is not None:
                ws.cell(r, c, v)
    grid = wb.create_sheet("Maturity matrix")
    grid["A1"] = "Self-assessment against the Early Help maturity matrix"
    grid.append([])
    grid.append(["Progress", 1, 2, 3, 4])
    for area, level in LEVELS_DECLARED:
        row = [area, None, None, None, None]
        row[level] = level
        grid.append(row)
    wb.save(path)
    return path

"""Realistic sample workbooks for ``ehxl demo``, laid out as council staff keep them.

The content comes from real published council papers (Derby's Early Help
action plan 2015-16 and performance tables, Coventry's Early Help and
Prevention plan with its maturity matrix, a prevention team's 2020-21 plan),
with the quirks staff workbooks have: title rows, a blank header over the
reference column, merged theme rows, the header repeated mid-table, RAG as
fill colours only (RGB, theme + tint, legacy indexed), a legend under the
table, owners as initials with an Owners sheet, free-text UK dates.

The workbooks are new files written by openpyxl; ehxl then rolls them up
through its own lossless writer, exactly as it would a staff workbook.
Beside them, ``locality-teams/`` holds four localities' workbooks (one cut
short in the post) and the board pack built from them, as a performance
officer would run it before the board.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from . import api, history

GREEN, AMBER, RED = "FF00B050", "FFFFC000", "FFFF0000"


@dataclass(frozen=True)
class DemoBook:
    file: str
    as_of: date
    build: Callable[[Path], None]


def _fill(rgb: str | None = None, *, theme: int | None = None, tint: float = 0.0, indexed: int | None = None):
    from openpyxl.styles import Color, PatternFill

    if rgb:
        colour = Color(rgb=rgb)
    elif theme is not None:
        colour = Color(theme=theme, tint=tint)
    else:
        colour = Color(indexed=indexed)
    return PatternFill(fill_type="solid", fgColor=colour, bgColor=Color(indexed=64))


def _style_header(ws, row: int, ncols: int) -> None:
    from openpyxl.styles import Alignment, Font

    for c in range(1, ncols + 1):
        cell = ws.cell(row, c)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


# --------------------------------------------------------------- Derby plan

DERBY_HEADER = ["", "Outcome", "Action", "By Whom", "By When", "Rationale", "Progress As at 2.11.15"]
# (ref, outcome, action, by whom, by when, rationale, progress, fill)
DERBY_THEMES: list[tuple[str, list[tuple]]] = [
    ("1. Theme: Early Help Performance Framework", [
        ("1.1", "A broader set of early help performance data is available in April 2016.",
         "Amend the Early Help data collection process and agree with Children's Services Performance Team",
         "Heads of Service in Early Help and Children's Services Performance Team.", "By 1.7.15.",
         "Avoid inconsistencies in data collection across early help locality teams.",
         "Data is being collect but MAT and CC Managers to remind staff of how to collect/record data.", "amber"),
        ("1.2", "Families feel able to communicate views in all situations.",
         "Devise alternative methods for families to communicate views in formal meetings.",
         "Early Help management team.", "By 1.10.15.", "How was it for you feedback from families in 2014-15.",
         "Spidergraph tool re-designed to include questions to gain family views before review meetings. "
         "Audit of use to take place", "amber"),
        ("1.3", "All families are given opportunities to comment on services provided by Early Help teams.",
         "Devise methods for engaging more resistant families in feedback on quality of service provision.",
         "Early Help management team.", "By 1.10.15", "Number of How was it for you forms completed.",
         "The number of How Was it for you forms will be compared to last years total at year end.", "red"),
        ("1.4", "We know the entire number of cases worked with by Early Help services across 2015-16.",
         "Early Help teams to collect data on cases worked with as both Lead Professional and Involvement.",
         "Early Help management team.", "From 1.4.15", "Gaps in data collection throughout 2014-15.",
         "All Early Help Team Managers to manually collate quarter 1 and 2 figures.", "amber"),
    ]),
    ("2. Theme: Children's Services Performance Data", [
        ("2.1", "Data displays impact of Early Help services on demand for tier 3 and 4 children's services.",
         "Early Help data is continually compared against CIN, CPP, YOS and CiC data in the DSCB QA sub group.",
         "Children's Services Performance Data Team", "From 1.4.15.", "Children's services performance data.",
         "A Kaiser to gather quarter 2 data for EH, CIN, CPP, CIC and YOS.", "theme-green"),
        ("2.2", "We better understand whether Early Help is being offered to the right families.",
         "Audit a sample of cases subject to child protection plans and children in care.",
         "Early Help management team and Child Protection Managers.", "By 1.10.15.",
         "Children's services performance data throughout 2014-15.",
         "Data is being collected by Performance and Data Team.", "red"),
        ("2.3", "We better understand the medium term impact of Early Help services.",
         "Audit a sample of cases that were open to Early Help in 2012-13.",
         "Early Help management team and Children's Services Performance Team.", "By 30.11.15.",
         "Children's services performance data throughout 2014-15.",
         "Data is being collected by Performance and Data Team.", "theme-amber"),
    ]),
    ("3. Theme: Review of the Early Help Assessment (EHA)", [
        ("3.1", "All agencies have a clearer understanding of Vulnerable Children's Meetings (VCM).",
         "Revise the terms of reference for VCM's.", "Heads of Service in Early Help", "By 1.8.15.",
         "Feedback from partner agencies as part of the EHA review in 2015.",
         "A Kaiser to send these out to all IPG members.", "indexed-amber"),
        ("3.2", "All agencies have a clearer understanding of when to use the EHA pre-assessment checklist form.",
         "Update the EHA document set guidance notes.", "DSCB Policy Officer.", "By 1.4.15.",
         "Feedback from partner agencies.", "Complete. Ratified by DSCB Policy and Procedure sub group.", "green"),
        ("3.3", "Help improve the quality of EHA's across the city.",
         "Develop a menu of assessment tools that can aid affective assessment.", "DSCB Policy Officer.",
         "By 1.4.15.", "Feedback from partner agencies.", "Complete. Ratified by DSCB Policy and Procedure sub group.",
         "green"),
        ("3.4", "Improve understanding regarding the quality of EHA's across the city.",
         "A multi-agency audit of EHA quality to be completed.", "DSCB.", "By 1.10.15.",
         "Gaps in knowledge identified through review of the EHA in 2015.",
         "A Kaiser to discuss with Mark Sobey in November QA sub group.", "red"),
    ]),
    ("4. Theme: External Reports on Early Help", [
        ("4.1", "Improve quality, consistency and timeliness of case work in Early Help services.",
         "Ensure all staff have clear guidance on expectations of quality and timeliness for case work.",
         "Early Help Heads of Service and Early Help Team Managers.", "By 1.7.15.",
         "Case audit feedback throughout 2014-15.", "Checklists have been devised; different versions in place.",
         "amber"),
        ("4.4", "Ensure all cases have consistent and effective management oversight.",
         "Management oversight is completed by all Team Managers in every supervision session.",
         "Impact to be measured by on-going case audit co-ordinated by the Children's Service's QA Team.",
         "From 1.4.15.", "Challenges raised from case audit feedback.", "", "amber"),
        ("4.6", "Ensure the DSCB has an annual report to challenge the performance and impact of Early Help.",
         "Annual report to be provided to DSCB that assesses impact of Early Help services.",
         "Early Help Heads of Service.", "By 1.6.16", "Feedback from OFSTED's thematic report.", "", None),
    ]),
    ("6. Children's Centres", [
        ("6.2", "There is senior officer oversight of centres progress and performance.",
         "The Service Director for EIIS is included in the annual discussion with the early help Heads of Service.",
         "Early Help Heads of Service, Service Director for EISS, Children's Centre Team Managers.", "By 2.1.16.",
         "Outcome of centre inspections in 2014.", "Date to be planned for November 2015.", "amber"),
        ("6.3", "Reduce the amount of manual work required to collect performance data for centres.",
         "Commission and implement a new database.", "Early Help Head of Service with strategic lead for centres.",
         "By 1.10.15.", "Outcome of centre inspections in 2014.", "Connect Plus was launched on 7.9.15.", "green"),
        ("6.5", "Increase take up of 2, 3 and 4 year old funded nursery place offer for eligible families.",
         "Work with Families Information Service to increase take up.",
         "Children's Centre Team Managers and Families Information Service.", "By end of Octobr 15",
         "Outcome of centre inspections in 2014.", "CC Team Managers are due to meet with the FIS.", "amber"),
    ]),
]

DERBY_OWNERS = [
    ("Heads of Service in Early Help", "HOS", "Heads of Service", ""),
    ("Early Help Heads of Service", "EHHOS", "Heads of Service", ""),
    ("Early Help Head of Service", "", "Head of Service", ""),
    ("Children's Services Performance Team", "PT", "Performance team", ""),
    ("Children's Services Performance Data Team", "PDT", "Performance team", ""),
    ("Early Help management team", "EHMT", "Management team", ""),
    ("Child Protection Managers", "CPM", "Child protection", ""),
    ("DSCB Policy Officer", "", "Safeguarding board", ""),
    ("DSCB", "", "Derby Safeguarding Children Board", ""),
    ("Early Help Team Managers", "EHTM", "Team managers", ""),
    ("Service Director for EISS", "SD", "Service Director", ""),
    ("Children's Centre Team Managers", "CCTM", "Team managers", ""),
    ("Families Information Service", "FIS", "Service", ""),
]


def _apply_rag(cell, rag: str | None) -> None:
    if rag is None:
        return
    cell.fill = {"green": _fill(GREEN), "amber": _fill(AMBER), "red": _fill(RED),
                 "theme-green": _fill(theme=6, tint=0.3999755851924192),   # accent3 (green) lightened
                 "theme-amber": _fill(theme=9, tint=0.0),                  # accent6 (orange)
                 "indexed-amber": _fill(indexed=51)}[rag]                  # legacy palette gold


def build_derby_plan(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Action plan"
    ws["A1"] = "Appendix 3."
    ws["A2"] = "Early Help Action Plan 2015-16."
    ws["A2"].font = Font(bold=True, size=14)
    row = 4
    ws.append([])
    for c, h in enumerate(DERBY_HEADER, 1):
        ws.cell(row, c, h)
    _style_header(ws, row, len(DERBY_HEADER))
    ws.freeze_panes = "A5"
    row += 1
    for t_index, (theme, actions) in enumerate(DERBY_THEMES):
        if t_index == 2:       # a Word table pasted across pages: the header again mid-table
            for c, h in enumerate(DERBY_HEADER, 1):
                ws.cell(row, c, h)
            _style_header(ws, row, len(DERBY_HEADER))
            row += 1
        ws.cell(row, 1, theme).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(DERBY_HEADER))
        row += 1
        for ref, outcome, action, owner, when, why, progress, rag in actions:
            for c, v in enumerate((ref, outcome, action, owner, when, why, progress), 1):
                cell = ws.cell(row, c, v or None)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            _apply_rag(ws.cell(row, 1), rag)
            row += 1
            if ref == "1.2":   # Word split this cell over a page break
                ws.cell(row, 7, "in January 2016.")
                row += 1
    row += 1
    for text in ("Green– Complete", "Amber – In progress", "Red– Behind schedule"):
        ws.cell(row, 1, text)
        row += 1
    for col, width in zip("ABCDEFG", (6, 34, 40, 28, 12, 30, 44)):
        ws.column_dimensions[col].width = width
    _owners_sheet(wb, DERBY_OWNERS)
    wb.save(path)


def _owners_sheet(wb, owners) -> None:
    ws = wb.create_sheet("Owners")
    ws.append(["Name", "Initials", "Role", "Email"])
    _style_header(ws, 1, 4)
    for name, initials, role, email in owners:
        ws.append([name, initials or None, role or None, email or None])
    ws.column_dimensions["A"].width = 44


# ------------------------------------------------------ prevention team plan

PREVENTION_HEADER = ["PRIORITY", "TASK", "IMPACT MEASURE", "RESPONSIBLE OFFICER", "START DATE", "END DATE",
                     "QUARTER COMPLETED", "PROGRESS (%)", "STATUS", "COMMENTS / UPDATES"]
PREVENTION_ROWS = [
    ("Troubled Families Programme: achieve significant and sustained progress for 216 families",
     "To identify and work with target number of families at an early help level",
     "Number of families engaged with KW-129", "RP", datetime(2020, 4, 1), "31/3/2021", None, 0.66,
     "In progress", "<p>196 Families engaged as of 31st Dec 2020.</p> <p>135 families claimed to date.</p>"),
    ("The Troubled Families Employment Adviser (DWP) to upskill the workforce",
     "To offer training to LA staff and partners on key areas of DWP business", None, "VW/RP", None, None,
     None, 0.8, "In Progress", "TFEA is supporting the Prevention Team staff to upskill the workforce."),
    ("Improve the quality of the Early Help Assessments, plans and case notes led by the Prevention team",
     "<p>Robust management oversight of assessments, plans and case notes</p> "
     "<p>Regular quality assurance audits using the Brief Case Audit tool</p>",
     "All cases will have evidence of management oversight.", "RP/Prevention Leads",
     "<p>March 2020</p> <p>Jan 2021 onwards</p>", None, None, "<p>100%</p> <p>0%</p>", "In progress",
     "Leads are only signing assessments off that have evidence of the voice of the child."),
    ("Increase participation/feedback from families to inform service improvement",
     "Work with the Participation Officer to increase the response rates on customer feedback surveys",
     "The number and percentage of families who feedback increases every quarter", "RP/Prevention team leads/CS",
     "Oct 2020", None, None, None, None, "New process of texting link to families started end of August 2020."),
    ("Review and update Troubled family's outcomes plan annually in line with MHCLG requirements",
     "TFOP to be updated by reviewing the indicators with partner agencies",
     "The TFOP is updated annually", "NH/SW/RP", datetime(2019, 6, 30), datetime(2020, 9, 30), "Q2", 1.0,
     "Completed", "The Troubled Families outcomes plan was updated with partners and submitted in June 2020"),
    ("Embed 'Signs of Wellbeing' evidenced-based practice across the Prevention teams",
     "Team to take part in workforce training and development sessions.", "All staff trained.",
     "NH/RP/Prevention Team Leads", "September 2020", "September 2021", None, 0.98, None,
     "Staff have completed 2-day training."),
    ("Improve the quality of Early Help Referrals",
     "Develop an audit tool to regularly assess the quality of early help referrals received in the MACH",
     "Screening of early help referrals is more efficient", "MACH Manager/ EHC/SE/RP", "Jan 2021", None, None,
     0.0, "Audit tool to still be developed by MACH Manager", "No/% of Early Help referrals audited"),
    ("To increase the completion of partner-led Early Help Assessments (EHAs)",
     "Three Early help Coordinators appointed to link with all secondary and primary schools",
     "When LA does not own 100% of completed Early Help Assessments", "RP/Prevention Leads/EH Coordinators",
     "1 st April 2020", "31 st March 2021", None, 0.6, "In Progress",
     "The submission of partner-led Early Help Assessments is monitored and reported on monthly."),
    ("To ensure that the quality of partner-led EHAs and plans is good",
     "Develop a collaborative audit tool to use on EHAs and plans submitted by other agencies",
     "The majority of EHAs and plans submitted by partners is of a good quality", "RP/EH Coordinators/JC/KD",
     "Feb 2021", "Jan 2022", None, 0.0, "Not started", "Collaborative audit tool yet to be developed"),
    ("To reduce the number of young people being excluded from school",
     "Targeted Intervention Officers and KW will work directly with excluded young people",
     "When the exclusion rates for the LA are reduced.", "RP/Prevention Leads/EH Coordinators",
     "1 st April 2020", "1 st April 2021", None, None, "In progress",
     "Targeted Intervention Officers have developed an intervention programme."),
]
PREVENTION_OWNERS = [
    ("Rachel Price", "RP", "Prevention Service Manager", "rachel.price@example.gov.uk"),
    ("Vicky Wood", "VW", "Troubled Families Employment Adviser", "vicky.wood@example.gov.uk"),
    ("Nadia Hussain", "NH", "Head of Early Help", "nadia.hussain@example.gov.uk"),
    ("Sam Walsh", "SW", "Performance Officer", "sam.walsh@example.gov.uk"),
    ("Chris Stone", "CS", "Participation Officer", "chris.stone@example.gov.uk"),
    ("Prevention Leads", "", "Team", ""),
    ("Prevention team leads", "", "Team", ""),
    ("EH Coordinators", "EHC", "Early Help Coordinators", ""),
    ("MACH Manager", "", "Multi-Agency Children's Hub", ""),
    ("June Craven", "JC", "Health Visiting lead", ""),
]


def build_prevention_plan(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Plan 2020-21"
    ws["A1"] = "This is our...Early Help Prevention Team Action Plan"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"] = "Our Vision is..."
    ws["A4"] = "Children and Young People are supported as early as possible in order to give them the best start in life."
    header_row = 6
    for c, h in enumerate(PREVENTION_HEADER, 1):
        ws.cell(header_row, c, h)
    _style_header(ws, header_row, len(PREVENTION_HEADER))
    fills = {"in progress": _fill(AMBER), "completed": _fill(GREEN), "not started": _fill("FFD9D9D9")}
    for i, values in enumerate(PREVENTION_ROWS):
        r = header_row + 1 + i
        for c, v in enumerate(values, 1):
            cell = ws.cell(r, c, v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if c in (5, 6) and isinstance(v, datetime):
                cell.number_format = "dd/mm/yyyy"
            if c == 8 and isinstance(v, float):
                cell.number_format = "0%"
        status = (values[8] or "").lower()
        if status in fills:
            ws.cell(r, 9).fill = fills[status]
    dv = DataValidation(type="list", formula1='"Not started,In progress,Completed,Behind schedule"',
                        allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"I{header_row + 1}:I{header_row + 40}")
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    for col, width in zip("ABCDEFGHIJ", (36, 40, 30, 18, 12, 12, 10, 10, 14, 50)):
        ws.column_dimensions[col].width = width
    _owners_sheet(wb, PREVENTION_OWNERS)
    wb.save(path)


# ------------------------------------------------- Coventry plan with matrix

COVENTRY_HEADER = ["Matrix area", "Progress level", "Action No.", "Description", "Achievement to date",
                   "Next steps - Action", "Lead", "Timescale", "Progress"]
COVENTRY_ROWS = [
    ("SERVICE DELIVERY", 3, 1, "Implement Strengthening Families Phase 2",
     "There are 14 keyworkers working with 203 children over 82 families (April 16).",
     "A proposal with recommendations is nearing completion", "Louison Ricketts – Service Manager", "June 2016", None),
    (None, None, None, None, "1 st claim completed – 27 families claimed",
     "Further work to identify evidence against outcomes; 2 nd claim – September 16",
     "Louison Ricketts – Service Manager Stuart Hunter – Perf Manager", "End of May 16 September 16", None),
    (None, 3, 2, "Sufficiency and Quality Assurance Family Information Service 2/3/4 year old offer",
     "Spring 16 - 63% - 2 year olds have a place", "Needs to be fit for purpose when cuts kick in",
     "Angela Harley – Service Manager", "March 17", "Level of funding cuts"),
    (None, 1, 4, "Acting Early – school age (primaries and secondary's) 5 - 19",
     "4 secondary schools identified and interested", "Call to Action Conference – 30 th November",
     "Christina Walding – programme manager, public health", "July 2016", None),
    (None, 1, 5, "Connecting Communities phase 1 – close 2 play centres",
     "Proposals went to cabinet and where approved Nov 15.", "The appointed service provider will be supported",
     "Amanda Reynolds – Service Manager", "September 17", None),
    (None, 2, 7, "Integrated working between social care and internal Early Help and prevention service: Edge of Care",
     "Spot purchasing – use of integrated youth support service", "Analysis of need – what constitutes Edge of Care",
     "Sally Giles – commissioning", "End of September 16", None),
    ("INTEGRATED SERVICE DELIVERY", 1, 9, "Connecting Communities phase 2 – develop Early Help hubs",
     "Update Early Help Strategy for approval – completed February 16", "Map, understand and evaluate the resources",
     "Fran Doyle – supported by the Early Help Board", "Full programme implementation March 2018", None),
    ("INTEGRATED PERFORMANCE MONITORING", 2, 6, "Supervision and appraisal",
     "Children's Service Improvement Board targets: NOVEMBER 15", "Embed new appraisal across the service",
     "Jed Francique - CWPT", "June 17", None),
    ("WORKFORCE DEVELOPMENT", 2, 10, "Workforce development strategy",
     "Recruited 5 qualified social workers", "Develop future training plan",
     "Andrew Brunt/Grace Haynes - LODS", "June 17 – 12 months", None),
    ("QUALITY ASSURANCE", 2, 11, "Re Referrals – what is causing this? CAF Co's updating their role",
     "Visit to Lincoln – research CAF co function", "Launch 'new' case supervision",
     "Sarah Newton – Service manager", "April 2016 – completed August 2016 review", None),
    ("COMMUNICATION AND ENGAGEMENT", 2, 12, "6 monthly Early Help and Prevention Newsletter",
     "Christmas News letter circulated internally", "Next newsletter due June 16",
     "Fran Doyle", "June 16", None),
    ("GOVERNANCE", 2, 13, "Ensure appropriate governance is in place for the leadership of Early Help",
     "Early Help Strategy agreed at CYP commissioning Board December 2015", "Create new terms of reference",
     "Sue Frossell", "June 2016 – review 6 months", None),
]
COVENTRY_GRID = [("Service delivery", 2), ("Integrated Service Delivery", 1), ("Workforce development", 2),
                 ("Integrated Performance Management", 2), ("Quality Assurance", 2),
                 ("Communication and Engagement", 2), ("Governance", 2)]


def build_coventry_plan(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Action plan"
    ws["A1"] = "Early Help and Prevention Action Plan 2015 – 2018"
    ws["A1"].font = Font(bold=True, size=14)
    for c, h in enumerate(COVENTRY_HEADER, 1):
        ws.cell(3, c, h)
    _style_header(ws, 3, len(COVENTRY_HEADER))
    for i, values in enumerate(COVENTRY_ROWS):
        for c, v in enumerate(values, 1):
            ws.cell(4 + i, c, v).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGHI", (22, 9, 8, 40, 40, 40, 28, 16, 20)):
        ws.column_dimensions[col].width = width
    _maturity_matrix(wb, COVENTRY_GRID)
    wb.save(path)


def _maturity_matrix(wb, areas) -> None:
    """The Coventry-style grid: one row per area, its level written under the level's column."""
    grid = wb.create_sheet("Maturity matrix")
    grid["A1"] = "4 levels of progress against the matrix are: 1 Basic, 2 Early progress, " \
                 "3 Substantial progress, 4 Maturity"
    grid.append([])
    grid.append(["Progress", 1, 2, 3, 4])
    _style_header(grid, 3, 5)
    for area, level in areas:
        row = [area, None, None, None, None]
        row[level] = level
        grid.append(row)
    grid.column_dimensions["A"].width = 36


# ------------------------------------------------- performance and audits

KPI_DATES = [date(2014, 6, 30), date(2014, 9, 30), date(2014, 12, 31), date(2015, 3, 31),
             date(2015, 6, 30), date(2015, 9, 30), date(2015, 12, 31), date(2016, 3, 31)]
KPI_ROWS = [
    ("Early Help/Level 2 Cases", [683, 726, 698, 740, 766, 1031, 1014, 989]),
    ("CiN Cases", [1813, 1705, 1524, 1583, 1813, 1705, 1753, 1567]),
    ("Number of CP Plans", [327, 329, 324, 307, 316, 302, 329, 313]),
    ("Children in Care", [459, 448, 470, 470, 467, 467, 487, 459]),
    ("Numbers open to YOS", [165, 183, 152, 125, 181, 173, 183, 149]),
    ("Escalated to Social Care", ["51/273", "53/369", "18/206", "65/351", "122/453", "87/325", "93/331", "97/392"]),
    ("Escalation %", ["18.60%", "14.30%", "8.70%", "18.5%", "26.9%", "26.7%", "28%", "24.7%"]),
    ("CAF/EHAs completed", [187, 206, 254, 282, 56, 79, 170, 108]),
]
AUDIT_INDICATORS = ["Response to initial contact", "Assessment quality - CAF", "Care plan - Early Help",
                    "Reviews", "Management oversight and Supervision", "Outcomes"]
AUDIT_2015 = [  # missing, poor, satisfactory, good, outstanding -- MAT under 11s (March) 2014/15
    (0, 1, 3, 2, 1), (2, 1, 2, 4, 1), (0, 1, 6, 2, 0), (0, 0, 5, 3, 1), (1, 0, 2, 6, 0), (0, 0, 5, 4, 0)]
AUDIT_2016 = [  # December 2015 under 11s (reviews as the 2015-16 report gives them: 1, 3, 7, 6 of 17)
    (0, 2, 9, 6, 0), (6, 1, 7, 6, 0), (5, 1, 10, 4, 0), (1, 3, 7, 6, 0), (0, 1, 9, 10, 0), (0, 2, 10, 5, 0)]


def build_performance(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Quarterly performance"
    ws["A1"] = "Children's Services Performance Data 2014-16"
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["Case Type", *KPI_DATES])
    _style_header(ws, 3, 9)
    for c in range(2, 10):
        ws.cell(3, c).number_format = "dd/mm/yyyy"
    for measure, values in KPI_ROWS:
        ws.append([measure, *values])
    ws.column_dimensions["A"].width = 28
    for col in "BCDEFGHI":
        ws.column_dimensions[col].width = 12
    targets = wb.create_sheet("Targets")
    targets.append(["Measure", "Target", "Tolerance", "Polarity"])
    targets.append(["Escalated to Social Care", 20, 5, "lower"])
    targets.append(["CAF/EHAs completed", 200, 25, "higher"])
    audits = wb.create_sheet("Case file audits")
    audits["A1"] = "Case File Audit: MAT under 11s (March) - 2014/15"
    audits.append(["Indicator", "0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING"])
    for name, counts in zip(AUDIT_INDICATORS, AUDIT_2015):
        audits.append([name, *counts])
    audits.append([])
    audits.append(["Case File Audit: MAT under 11s (December 2015) - 2015/16"])
    audits.append(["Indicator", "0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING"])
    for name, counts in zip(AUDIT_INDICATORS, AUDIT_2016):
        audits.append([name, *counts])
    audits.column_dimensions["A"].width = 38
    wb.save(path)


WORKBOOKS = (
    DemoBook("derby-early-help-action-plan-2015-16.xlsx", date(2015, 11, 2), build_derby_plan),
    DemoBook("prevention-team-action-plan-2020-21.xlsx", date(2021, 1, 8), build_prevention_plan),
    DemoBook("coventry-early-help-plan-2015-18.xlsx", date(2016, 7, 1), build_coventry_plan),
    DemoBook("derby-performance-and-audits-2014-16.xlsx", date(2016, 4, 30), build_performance),
)


def run(directory: str | Path, *, as_of: date | None = None,
        progress: Callable[[str], None] | None = None) -> list[api.Result]:
    """Build every sample workbook in ``directory`` and roll each up in place."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    results = []
    for book in WORKBOOKS:
        path = directory / book.file
        book.build(path)
        results.append(api.rollup(path, as_of=as_of or book.as_of, backup=False))
        if progress:
            progress(book.file)
    return results


# ------------------------------------------- board pack: a folder of locality teams
#
# What a performance officer collects before the board: each locality's own
# workbook, laid out its own way, one of them damaged in the post.  The actions
# are Derby's 2016-17 Early Help action plan and Coventry's matrix areas, split
# across localities; the KPIs are locality-sized versions of Derby's measures, and
# North's and South's audit grades add up to Derby's December 2015 audit.

PACK_FOLDER = "locality-teams"
PACK_FILE = "board-pack.xlsx"
PACK_AS_OF = date(2016, 11, 1)
NORTH_QUARTERS = [date(2015, 12, 31), date(2016, 3, 31), date(2016, 6, 30), date(2016, 9, 30)]
SOUTH_QUARTERS = ["Q3 2015/16", "Q4 2015/16", "Q1 2016/17", "Q2 2016/17"]


@dataclass(frozen=True)
class TeamBook:
    """One locality's workbook, and the team the folder's ehxl.toml names for it."""

    file: str
    team: str
    build: Callable[[Path], None]


NORTH_HEADER = ["", "Outcome", "Action", "By Whom", "By When", "Rationale", "Progress As at 1.11.16"]
# (ref, outcome, action, by whom, by when, rationale, progress, fill)
NORTH_THEMES: list[tuple[str, list[tuple]]] = [
    ("1. Theme: Early Help Performance Framework", [
        ("1.1", "Increase number of families feeding back at close of intervention from 71.2% to 75%.",
         "Devise another way of recording feedback from families at close of intervention.",
         "Early Help Team Managers.", "September 2016.", "Data from Early Help performance framework.",
         "Case guidance has been updated: where families do not want to complete HWIFY, workers gather "
         "verbal feedback.", "green"),
        ("1.2", "Ensure latest tools are being used to measure progress and ensure voice of family informs TAF "
         "meetings.", "Early Help Team Managers dip sample 5 cases every month from 1.6.16 - 1.9.16 to ensure new "
         "spider-graph form is embedded in practice.", "Early Help Team Managers.", "September 2016.",
         "Data from Early Help performance framework.",
         "Audit complete, 75% of cases audited were using the new spider-graph.", "green"),
        ("1.3", "Ensure young people are protected from harm by way of CSE.",
         "Dip sample cases where medium or high risk CSE is identified following initial screening.",
         "Early Help Team Managers.", "December 2016.", "Data from Early Help performance framework.",
         "First dip sample of 6 cases booked for November.", "amber"),
    ]),
    ("2. Theme: Children's Services Performance Data", [
        ("2.1", "Understand impact of Youth Crime Prevention Officers.",
         "Examine how many cases worked by Youth Crime Prevention Officers enter the youth justice system.",
         "Youth Offending Service Deputy Head of Service.", "May 2017.",
         "Data from Performance and Intelligence Team.", "Data request made to YOS in October.", "amber"),
        ("2.2", "Gain accurate number of Early Help Assessments completed in the locality.",
         "Work with Performance and Intelligence Team to identify why there is a shortfall in assessments "
         "for 2015-16.", "Early Help HOS'.", "June 2016.", "Data from Performance and Intelligence Team.",
         "Complete, Performance team have now reported on quarter 1 data (231).", "green"),
        ("2.3", "Reduced number of children entering care system.",
         "Develop further edge of care provision using Futures In Mind money and IAPT training.",
         "Early Help HOS'. Children's Commissioning Service.", "November 2016",
         "Data from Performance and Intelligence Team.",
         "Plan in place to train 15 staff in systemic techniques of family work; A Kaiser meeting S McFarlane "
         "W/C 17/10.", "amber"),
    ]),
    ("3. Theme: Case Audit Themes", [
        ("3.1", "Develop improved understanding of what works in Early Help.",
         "Audit sample of cases open to Early Help that did not escalate to Children's Social Care services.",
         "People's Directorate Quality Assurance Team and Performance and Intelligence Team.", "December 2016",
         "Need to better know what intervention/s prevent case escalation.", "", "grey"),
        ("3.3", "Children are kept safe from risk of harm caused by neglect.",
         "All Early Help staff to complete Neglect training if they have not done this within the last 2 years.",
         "Workforce Development Team. Early Help practitioners and Team Managers.", "1.4.17 Ongoing.",
         "Findings from multi-agency case audit in December 2015.",
         "As of 1.8.16, 25.5% of Early Help staff had completed neglect training in the last 2 years (36/141).",
         "amber"),
        ("3.4", "Ensure needs of all family members are considered where appropriate.",
         "Survey key barriers to effective partnership working between Children's and Adults services.",
         "Early Help Team Managers.", "July 2016.", "Findings from multi-agency case audit in December 2015.",
         "MAT Managers have completed survey with staff. A Kaiser will write the feedback into a themed report.",
         "amber"),
        ("3.5", "Contact level with families is proportionate to needs of the case.",
         "Case guidance is amended so Team Managers and front line staff agree visit frequency in all cases.",
         "Early Help staff and Team Managers.", "1.9.16", "Outcomes from case audit in December 2015.",
         "Complete, case guidance and checklist have been amended and sent to all Team Managers.", "green"),
        ("3.8", "Reduce incidences of young people being accommodated by the Local Authority.",
         "Team Managers to ensure all cases in Early Help have a genogram in place.",
         "Early Help staff and Team Managers.", "1.9.16.", "All case audits in 2015.",
         "Audit to be arranged with MAT Managers – now overdue. 38% of staff have had genogram training (54/141).",
         "red"),
        ("3.9", "Drift is reduced in Early Help cases.",
         "Findings from both case audits are shared with Early Help practitioners with focus on drift.",
         "Early Help HOS' and Team Managers.", "1.8.16.", "Findings from multi-agency case audit in December 2015.",
         "X 1 audit has been completed and findings were improved from the prior audit.", "amber"),
        ("3.10", "Improve understanding of risk in families.",
         "Chronologies to be in place for every Early Help case.", "Early Help practitioners. Team Managers",
         "By 1.9.16.", "Findings from multi-agency case audit in December 2015.", "", "red"),
        ("3.12", "Improve clarity of storage of key case work documents.",
         "Work with IT teams so Early Help case documents can be stored on the Early Help section of the "
         "recording system.", "Early Help HOS'. IT teams in DCC.", "1.8.16",
         "Findings from multi-agency case audit in December 2015.",
         "A categorisation system has been suggested to the Liquid Logic lead; waiting for feedback.", "amber"),
        ("3.13", "Improve quality of TAF plans.", "Develop exemplar plan. Develop APIRE guidance for Early Help staff.",
         "Early Help HOS'.", "1.12.16.", "Findings from multi-agency case audit in December 2015.",
         "Exemplar plan has been shared with teams. Draft APIRE guidance in place, further work needed.", "amber"),
    ]),
]
NORTH_KPIS = [
    ("Early Help cases", [236, 221, 214, 228]),
    ("Escalated to Social Care", ["31/102", "29/118", "24/96", "27/105"]),
    ("Early Help Assessments completed", [58, 36, 61, 66]),
]
SOUTH_KPIS = [
    ("Early Help Cases", [198, 187, 176, "Awaiting data"]),
    ("Escalated to social care", ["22/84", "25/97", "19/80", "21/88"]),
    ("Early Help assessments completed", [41, 30, 44, 52]),
]
LOCALITY_AUDIT_INDICATORS = ["Assessment quality - CAF", "Reviews", "Management oversight and Supervision",
                             "Outcomes"]
# Derby's December 2015 under 11s audit (AUDIT_2016 above), split between the two localities
NORTH_AUDIT = [(4, 1, 3, 2, 0), (1, 1, 4, 3, 0), (0, 1, 5, 4, 0), (0, 1, 6, 2, 0)]
SOUTH_AUDIT = [(2, 0, 4, 4, 0), (0, 2, 3, 3, 0), (0, 0, 4, 6, 0), (0, 1, 4, 3, 0)]
SOUTH_AUDIT_EARLIER = [(1, 1, 1, 2, 1), (0, 0, 3, 1, 1), (1, 0, 1, 3, 0), (0, 0, 2, 2, 0)]

SOUTH_HEADER = ["No.", "Task", "Lead", "Timescale", "Status", "Comments"]
SOUTH_ROWS = [
    ("S1", "Locality briefings on the use of the Graded Care Profile (GCP)", "Early Help Team Managers",
     "1.9.16", "In progress", "Briefings are planned for November 2016, led by the MAT Under 11s manager."),
    ("S2", "Use the GCP in all cases where neglect is a key feature", "Early Help practitioners and Team Managers",
     "From June 2016", "In progress", "GCP in use in 9 of 14 open neglect cases."),
    ("S3", "Case clinics for cases featuring parental non-engagement or disguised compliance",
     "Fiona Colton – Head of Service", "June 2016", "Complete",
     "Case clinics in place and have featured cases of parental non engagement."),
    ("S4", "Early Help staff attend training on assessing and meeting diverse needs", "Workforce Development Team",
     "15/11/2016", "Not started", "Diversity and Difference workshops planned between October and December 2016."),
    ("S5", "Session between Early Help and Adults' management teams on barriers to joining up",
     "Fiona Colton – Head of Service", "December 2016", "Behind schedule",
     "Director of People is planning a middle managers event."),
    ("S6", "Dip sample 2 cases each where domestic violence is a feature to assess use of the DVRIM",
     "Early Help Team Managers", "November 2016", "On track", "First dip sample done in October."),
    ("S7", "Use the DVRIM to inform assessments of risk within the family", "Early Help Team Managers and HOS'",
     "By 1.4.17.", "In progress", "DVRIM added to the case guidance."),
    ("S8", "Team Managers discuss the outcomes of all case audits in team meetings",
     "Early Help staff and Team Managers", "31/08/2016", "Completed", "MAT Over 11 audit findings shared with teams."),
    ("S9", "Review how visit frequency is recorded in all open cases", "Early Help Team Managers", "31/10/2016",
     "In progress", None),
]

EAST_HEADER = ["Matrix area", "Progress level", "Action No.", "Description", "Achievement to date", "Lead",
               "Deadline", "RAG"]
EAST_ROWS = [
    ("SERVICE DELIVERY", 3, 1, "Implement Strengthening Families Phase 2 in the locality",
     "14 keyworkers working with 82 families.", "Donna Brooks – Head of Service", "June 2016", "G"),
    (None, 2, 2, "Acting Early – school age 5 - 19: case supervision with SENCOs and learning mentors",
     "4 secondary schools identified and interested.", "Christina Walding – public health programme manager",
     "September 2016", "A"),
    (None, 3, 3, "Family Information Service 2/3/4 year old offer", "Spring 16 - 63% of 2 year olds have a place.",
     "Angela Harley – Service Manager", "March 2017", "A"),
    ("INTEGRATED SERVICE DELIVERY", 1, 4, "Connecting Communities phase 2 – develop Early Help hubs",
     "Update of the Early Help Strategy approved February 16.", "Fran Doyle", "August 2016", "R"),
    (None, 2, 5, "Integrated working with social care: Edge of Care",
     "Spot purchasing of the integrated youth support service.", "Sally Giles – commissioning",
     "End of September 16", "A"),
    ("WORKFORCE DEVELOPMENT", 2, 6, "Workforce development strategy", "Recruited 5 qualified social workers.",
     "Andrew Brunt – LODS", "June 17", "A"),
    ("QUALITY ASSURANCE", 2, 7, "Launch 'new' case supervision with schools",
     "Visit to Lincoln to research the CAF co function.", "Sarah Newton – Service manager", "October 2016", "R"),
    ("GOVERNANCE", 2, 8, "New terms of reference for the locality Early Help partnership",
     "Early Help Strategy agreed at CYP commissioning Board.", "Sue Frossell", "November 2016", "A"),
]
EAST_GRID = [("Service delivery", 3), ("Integrated Service Delivery", 2), ("Workforce development", 2),
             ("Quality Assurance", 2), ("Governance", 2)]

WEST_HEADER = ["PRIORITY", "TASK", "RESPONSIBLE OFFICER", "END DATE", "PROGRESS (%)", "STATUS", "COMMENTS / UPDATES"]
WEST_ROWS = [
    ("Young Carers", "Plan group activity for young carers with their parents", "Young Carers worker",
     "December 2016", 0.4, "In progress", "22 young people are accessing support."),
    ("Involvements", "Record every Team around the Family involvement", "MAT Managers", "September 2016", 1.0,
     "Completed", "2241 contacts recorded in quarter 3."),
    ("Case audit", "Dip sample 2 cases per Team Manager every quarter", "Early Help HOS'", "From June 2016", 0.5,
     "In progress", "8 cases reviewed in quarter 1, 7 in line with the supervision policy."),
]


def _header_row(ws, row: int, header: list[str]) -> None:
    for c, h in enumerate(header, 1):
        ws.cell(row, c, h)
    _style_header(ws, row, len(header))


def _kpi_sheet(wb, title: str, quarters: list, rows: list[tuple[str, list]], label: str) -> None:
    ws = wb.create_sheet("Quarterly performance")
    ws["A1"] = title
    ws.append([])
    ws.append([label, *quarters])
    _style_header(ws, 3, len(quarters) + 1)
    for c, q in enumerate(quarters, 2):
        if isinstance(q, date):
            ws.cell(3, c).number_format = "dd/mm/yyyy"
    for measure, values in rows:
        ws.append([measure, *values])
    ws.column_dimensions["A"].width = 34


def _audit_sheet(wb, tables: list[tuple[str, list[tuple]]], grade_header: list[str]) -> None:
    ws = wb.create_sheet("Case file audits")
    for i, (title, counts) in enumerate(tables):
        if i:
            ws.append([])
        ws.append([title])
        ws.append(["Indicator", *grade_header])
        for name, row in zip(LOCALITY_AUDIT_INDICATORS, counts):
            ws.append([name, *row])
    ws.column_dimensions["A"].width = 38


def build_north_locality(path: Path) -> None:
    """Derby's layout: fill-only RAG on the reference, merged theme rows, a legend; KPIs and an audit beside."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Action plan"
    ws["A1"] = "Appendix 1."
    ws["A2"] = "North Locality (Locality 1) Early Help Action Plan 2016-17."
    ws["A2"].font = Font(bold=True, size=14)
    _header_row(ws, 4, NORTH_HEADER)
    ws.freeze_panes = "A5"
    row = 5
    for theme, actions in NORTH_THEMES:
        ws.cell(row, 1, theme).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(NORTH_HEADER))
        row += 1
        for *values, rag in actions:
            for c, v in enumerate(values, 1):
                ws.cell(row, c, v or None).alignment = Alignment(wrap_text=True, vertical="top")
            ws.cell(row, 1).fill = _fill({"green": GREEN, "amber": AMBER, "red": RED, "grey": "FFBFBFBF"}[rag])
            row += 1
    row += 1
    for text in ("Green– Complete", "Amber – In progress", "Red– Behind schedule", "Grey – Not started"):
        ws.cell(row, 1, text)
        row += 1
    for col, width in zip("ABCDEFG", (6, 34, 40, 28, 12, 30, 44)):
        ws.column_dimensions[col].width = width
    _kpi_sheet(wb, "North Locality performance 2015-17", NORTH_QUARTERS, NORTH_KPIS, "Case Type")
    _audit_sheet(wb, [("Case File Audit: North MAT under 11s (December 2015) - 2015/16", NORTH_AUDIT)],
                 ["0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING"])
    wb.save(path)


def build_south_locality(path: Path) -> None:
    """Other header words and status words; quarters as labels and audit grades as Ofsted words."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "South locality plan"
    ws["A1"] = "South Locality (Locality 3) Early Help Plan 2016-17"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Kept by the MAT manager; updated monthly. Last updated 28/10/2016."
    _header_row(ws, 4, SOUTH_HEADER)
    for i, values in enumerate(SOUTH_ROWS):
        for c, v in enumerate(values, 1):
            ws.cell(5 + i, c, v).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEF", (6, 50, 30, 14, 16, 50)):
        ws.column_dimensions[col].width = width
    _kpi_sheet(wb, "South Locality quarterly figures", SOUTH_QUARTERS, SOUTH_KPIS, "Measure")
    grades = ["Missing", "Inadequate", "Requires improvement", "Good", "Outstanding"]
    _audit_sheet(wb, [("Case File Audit: South MAT under 11s (December 2015)", SOUTH_AUDIT),
                      ("Case File Audit: South MAT under 11s (March 2015)", SOUTH_AUDIT_EARLIER)], grades)
    wb.save(path)


def build_east_locality(path: Path) -> None:
    """Coventry's layout: matrix area written once, a progress level per action, RAG as letters; a maturity grid."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Plan 2016-17"
    ws["A1"] = "East Locality Early Help and Prevention Plan 2016-17"
    ws["A1"].font = Font(bold=True, size=14)
    _header_row(ws, 3, EAST_HEADER)
    for i, values in enumerate(EAST_ROWS):
        for c, v in enumerate(values, 1):
            ws.cell(4 + i, c, v).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGH", (22, 9, 8, 40, 40, 28, 16, 6)):
        ws.column_dimensions[col].width = width
    _maturity_matrix(wb, EAST_GRID)
    wb.save(path)


def build_west_locality_damaged(path: Path) -> None:
    """A real locality plan cut short, as an interrupted e-mail download leaves it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "West locality"
    ws["A1"] = "West Locality (Locality 5) Early Help Action Plan 2016-17"
    _header_row(ws, 3, WEST_HEADER)
    for values in WEST_ROWS:
        ws.append(list(values))
    wb.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


TEAM_BOOKS = (
    TeamBook("north-locality-action-plan-2016-17.xlsx", "North locality", build_north_locality),
    TeamBook("south-locality-plan-2016-17.xlsx", "South locality", build_south_locality),
    TeamBook("east-locality-plan-and-maturity-2016-17.xlsx", "East locality", build_east_locality),
    TeamBook("west-locality-action-plan-2016-17.xlsx", "West locality", build_west_locality_damaged),
)


def write_team_books(folder: str | Path) -> Path:
    """The locality workbooks and the ehxl.toml naming their teams, as the officer's folder holds them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for book in TEAM_BOOKS:
        book.build(folder / book.file)
    lines = ["# The team each workbook belongs to, as the board pack names it.", "[teams]"]
    lines += [f'"{book.file}" = "{book.team}"' for book in TEAM_BOOKS]
    (folder / "ehxl.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# The same folder as it stood at the board before, 1 August 2016, so the pack has a Changes sheet and a
# Trend: what each team's file said then, cell by cell ("delete" removes the row; a fill is the RAG).
LAST_BOARD = date(2016, 8, 1)
LAST_BOARD_FOLDER = "locality-teams-1-aug-2016"
FILL = "fill"
LAST_BOARD_CELLS: dict[str, list[tuple[str, str, object]]] = {
    "north-locality-action-plan-2016-17.xlsx": [
        ("Action plan", "A18", (FILL, AMBER)),                           # 3.8 amber then, red now
        ("Action plan", "G8", "Dip sampling to start in the autumn."),   # 1.3 ... 3.13: updates rewritten since
        ("Action plan", "G10", "Data request to be made to YOS."),
        ("Action plan", "G12", "Training plan being drawn up."),
        ("Action plan", "G15", "As of 1.5.16, 19% of Early Help staff had completed neglect training (27/141)."),
        ("Action plan", "G16", "Survey sent to MAT Managers."),
        ("Action plan", "G19", "First audit under way."),
        ("Action plan", "G21", "Meeting with the Liquid Logic lead booked."),
        ("Action plan", "G22", "Exemplar plan drafted."),
        ("Quarterly performance", "D4", 210),                            # Q1 2016-17 cases, restated to 214
        *[("Quarterly performance", f"E{r}", None) for r in range(3, 7)],   # Q2 2016-17 not yet reported
    ],
    "south-locality-plan-2016-17.xlsx": [
        ("South locality plan", "E7", "In progress"),                    # S3 complete since
        ("South locality plan", "E9", "On track"),                       # S5 behind schedule since
        ("South locality plan", "D8", "31/10/2016"),                     # S4 moved to 15/11/2016
        ("South locality plan", "F5", "Briefings to be planned with the MAT Under 11s manager."),
        ("South locality plan", "F6", "GCP in use in 5 of 12 open neglect cases."),
        ("South locality plan", "F10", "Dip sample planned for October."),
        ("South locality plan", "F11", "DVRIM to be added to the case guidance."),
        ("South locality plan", "A13", "delete"),                        # S9 added since
        *[("Quarterly performance", f"E{r}", None) for r in range(3, 7)],
    ],
    "east-locality-plan-and-maturity-2016-17.xlsx": [
        ("Plan 2016-17", "H7", "A"),                                     # 4 amber then, red now
        ("Plan 2016-17", "G7", "July 2016"),                             # 4 moved to August 2016
        *[("Plan 2016-17", f"E{r}", "Work planned.") for r in (5, 6, 7, 8, 9, 11)],   # all but 7's rewritten
        ("Maturity matrix", "D4", None), ("Maturity matrix", "C4", 2),   # service delivery level 2 then, 3 now
    ],
}


def write_last_board(folder: str | Path) -> Path:
    """The locality workbooks as they were e-mailed in for the board of 1 August 2016."""
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill

    folder = write_team_books(folder)
    for file, cells in LAST_BOARD_CELLS.items():
        wb = load_workbook(folder / file)
        for sheet, ref, value in cells:
            ws = wb[sheet]
            if value == "delete":
                ws.delete_rows(ws[ref].row)
            elif isinstance(value, tuple):
                ws[ref].fill = PatternFill("solid", start_color=value[1], end_color=value[1])
            else:
                ws[ref] = value
        wb.save(folder / file)
    return folder


def roll_up_teams(folder: str | Path, *, as_of: date | None = None) -> api.PackResult:
    """The board pack from the folder, written afresh beside the team files (which are only read)."""
    folder = Path(folder)
    out = folder / PACK_FILE
    out.unlink(missing_ok=True)
    return api.rollup_pack([folder], out, as_of=as_of or PACK_AS_OF, backup=False)


def run_pack(directory: str | Path, *, as_of: date | None = None,
             progress: Callable[[str], None] | None = None) -> api.PackResult:
    """The locality teams' folder inside ``directory`` and its board pack: the whole quarterly job.

    The pack is first built from the files of the board before (a folder beside),
    so the history holds that board and the pack says what changed since.
    """
    directory = Path(directory)
    folder = write_team_books(directory / PACK_FOLDER)
    out = folder / PACK_FILE
    out.unlink(missing_ok=True)
    (folder / history.DEFAULT_NAME).unlink(missing_ok=True)
    if (as_of or PACK_AS_OF) > LAST_BOARD:
        api.rollup_pack([write_last_board(directory / LAST_BOARD_FOLDER)], out, as_of=LAST_BOARD, backup=False)
    result = api.rollup_pack([folder], out, as_of=as_of or PACK_AS_OF, backup=False)
    if progress:
        progress(PACK_FILE)
    return result


def describe_pack(result: api.PackResult) -> str:
    """One line for ``ehxl demo``: where the pack is, what it holds and what it left out."""
    acts = result.pack.summary
    read = [s for s in result.pack.sources if s.status == "read"]
    worst = result.pack.by_team[0] if result.pack.by_team else None
    extra = [name for name, rows in (("KPIs", result.pack.kpis), ("maturity", result.pack.maturity_grid),
                                     ("audits", result.pack.audits_pooled)) if rows]
    line = (f"{result.written}: board pack of {len(read)} locality workbooks: {acts.get('total', 0)} actions, "
            f"{acts.get('overdue', 0)} overdue")
    if worst:
        line += f" ({worst['team']} worst, {worst['overdue']} of {worst['total']})"
    if extra:
        line += f", {', '.join(extra)}"
    if result.changes:
        since = date.fromisoformat(result.changes["since"]["as_of"])
        line += f"; since the board of {since.day} {since:%b %Y}: {result.changes['explanation'].rstrip('.')}"
    if result.refused:
        line += f"; left out (see Sources): {', '.join(Path(s.file).name for s in result.refused)}"
    return line

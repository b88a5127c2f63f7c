"""The board pack: one folder of team workbooks, as a performance officer collects them, into one pack.

The folder holds two locality plans laid out differently (north: tests/plans.py's
Derby-like plan with fill-only RAG, a blank reference header, an Owners sheet;
south: title rows, other header words, word statuses and a Targets sheet), an
exact copy of north under another name, a password-protected workbook, a
damaged file, an Excel lock file and an old backup.  Every figure below is
worked out by hand from those rows, judged as of 2 November 2015.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from ehxl import api
from ehxl.cli import main
from plans import derby_like_plan
import libreoffice

AS_OF = date(2015, 11, 2)
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"

SOUTH = [  # No., Task, Lead, Timescale, Progress, Comments
    ("S1", "Set up the locality panel", "Rachel Price", "30/09/2015", "In progress", "Panel meets monthly"),
    ("S2", "Publish the local offer", "Sam Walsh", "March 2016", "Complete", "Published in September"),
    ("S3", "Recruit two family workers", "Nadia Hussain", "15/11/2015", "Behind schedule", "Two posts vacant"),
    ("S4", "Review the step-down process", "Vicky Wood", "By 1.8.15.", "Not started", None),
]


def south_plan(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "South locality"
    ws["A1"] = "South Locality Early Help Plan 2015-16"
    ws["A2"] = "Owned by the South locality manager; updated monthly."
    ws.append([])
    ws.append(["No.", "Task", "Lead", "Timescale", "Progress", "Comments"])
    for row in SOUTH:
        ws.append(list(row))
    targets = wb.create_sheet("Targets")
    targets.append(["Measure", "Target", "Tolerance", "Polarity"])
    targets.append(["CAF/EHAs completed", 200, 25, "higher"])
    wb.save(path)
    return path


def encrypted(path: Path, source: Path) -> Path:
    """A real password-protected workbook, encrypted as Excel does it (msoffcrypto-tool)."""
    pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool builds the encrypted workbook")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with source.open("rb") as fh:
        OOXMLFile(fh).encrypt("board2015", out)
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    teams = tmp_path / "Board Q3"
    teams.mkdir()
    north = derby_like_plan(teams / "north.xlsx")
    south_plan(teams / "south.xlsx")
    shutil.copyfile(north, teams / "north (1).xlsx")                  # the same file e-mailed twice
    encrypted(teams / "west.xlsx", teams / "south.xlsx")
    (teams / "east.xlsx").write_bytes(north.read_bytes()[:900])       # cut short in the post
    (teams / "~$north.xlsx").write_bytes(b"\x00" * 165)              # Excel's lock file: not a team
    (teams / ".ehxl-backups").mkdir()
    shutil.copyfile(north, teams / ".ehxl-backups" / "north.20151001-090000.xlsx")
    (teams / "ehxl.toml").write_text('[teams]\n"north.xlsx" = "North locality"\n"south.xlsx" = "South locality"\n')
    return teams


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_pack_figures_over_every_team_worked_out_by_hand(folder: Path, tmp_path: Path):
    result = api.rollup_pack([folder], tmp_path / "pack.xlsx", as_of=AS_OF)
    doc = result.json()
    files = {Path(f["file"]).name: (f["team"], f["status"], f["actions"]) for f in doc["files"]}
    assert files == {
        "east.xlsx": ("east", "refused", 0),
        "north (1).xlsx": ("north (1)", "duplicate", 0),
        "north.xlsx": ("North locality", "read", 8),
        "south.xlsx": ("South locality", "read", 4),
        "west.xlsx": ("west", "refused", 0),
    }                                                      # no lock file, no backup
    acts = doc["actions"]
    # north (tests/test_api.py): 8 actions, 1 complete, 2 overdue, 1 due soon; green 1 amber 3 red 2 grey 1 none 1
    # south: S1 amber overdue (30/09/2015), S2 green complete, S3 red due 15/11/2015, S4 grey overdue (By 1.8.15)
    assert (acts["total"], acts["complete"], acts["overdue"], acts["due_soon"]) == (12, 2, 4, 2)
    assert acts["by_status"] == {"green": 2, "amber": 4, "red": 3, "blue": 0, "grey": 2, "none": 1}
    # worst overdue share first: south 2 of 4 (50%), north 2 of 8 (25%)
    assert acts["by_team"] == [
        {"team": "South locality", "total": 4, "complete": 1, "overdue": 2, "due_soon": 1,
         "by_status": {"green": 1, "amber": 1, "red": 1, "blue": 0, "grey": 1, "none": 0}},
        {"team": "North locality", "total": 8, "complete": 1, "overdue": 2, "due_soon": 1,
         "by_status": {"green": 1, "amber": 3, "red": 2, "blue": 0, "grey": 1, "none": 1}},
    ]
    # most overdue first: 1.1 (1 Jul, 124 days), S4 (1 Aug, 93), S1 (30 Sep, 33), 1.3 (1 Oct, 32)
    late = [(r["team"], r["ref"], r["days_overdue"], r["cell"], Path(r["file"]).name) for r in doc["overdue"]]
    assert late == [("North locality", "1.1", 124, "E6", "north.xlsx"),
                    ("South locality", "S4", 93, "D8", "south.xlsx"),
                    ("South locality", "S1", 33, "D5", "south.xlsx"),
                    ("North locality", "1.3", 32, "E10", "north.xlsx")]
    soon = [(r["team"], r["ref"], r["days_left"]) for r in doc["due_soon"]]
    assert soon == [("South locality", "S3", 13), ("North locality", "2.3", 28)]


def test_one_owner_register_serves_every_team(folder: Path, tmp_path: Path):
    doc = api.rollup_pack([folder], tmp_path / "pack.xlsx", as_of=AS_OF).json()
    south = [f for f in doc["findings"] if f["team"] == "South locality"]
    # north's Owners sheet names Rachel Price, Sam Walsh, Nadia Hussain and Vicky Wood: south's leads are all known
    assert [f for f in south if f["rule"].startswith("owner")] == []
    by_team = {(f["team"], f["rule"], f["cell"]) for f in doc["findings"]}
    assert ("North locality", "owner-unknown", "D12") in by_team            # XY is on nobody's register
    refused = sorted((f["team"], f["rule"], f["severity"]) for f in doc["findings"] if f["rule"] == "file-refused")
    assert refused == [("east", "file-refused", "error"), ("west", "file-refused", "error")]


def test_team_files_are_never_written(folder: Path, tmp_path: Path):
    before = hashes(folder)
    api.rollup_pack([folder], tmp_path / "pack.xlsx", as_of=AS_OF)
    api.rollup_pack([folder], tmp_path / "pack.xlsx", as_of=AS_OF)
    assert hashes(folder) == before


def test_the_pack_is_refreshed_in_place_and_keeps_a_sheet_someone_added(folder: Path, tmp_path: Path):
    pack = tmp_path / "pack.xlsx"
    api.rollup_pack([folder], pack, as_of=AS_OF, backup=False)
    _add_notes_sheet(pack)
    again = api.rollup_pack([folder], pack, as_of=AS_OF, backup=False)
    assert again.sheets_renamed == {}
    from ehxl.package import Package

    names = [s.name for s in Package.open(pack).sheets()]
    assert names == ["Summary", "_ehxl", "Overdue", "Validation", "Sources", "Chair's notes"]
    from openpyxl import load_workbook

    assert load_workbook(pack)["Chair's notes"]["A1"].value == "Ask South about S4"


def _add_notes_sheet(pack: Path) -> None:
    """A board officer adds a sheet of notes in Excel (here: the parts Excel would add)."""
    with zipfile.ZipFile(pack) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet99.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="%s"><sheetData><row r="1">'
        b'<c r="A1" t="inlineStr"><is><t>Ask South about S4</t></is></c></row></sheetData></worksheet>'
        % NS["m"].encode())
    wb = etree.fromstring(parts["xl/workbook.xml"])
    sheets = wb.find("m:sheets", NS)
    el = etree.SubElement(sheets, f"{{{NS['m']}}}sheet", name="Chair's notes", sheetId="99")
    el.set(f"{{{NS['r']}}}id", "rId99")
    parts["xl/workbook.xml"] = etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True)
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    etree.SubElement(rels, f"{PR}Relationship", Id="rId99", Target="worksheets/sheet99.xml",
                     Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet")
    parts["xl/_rels/workbook.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                         standalone=True)
    ct = etree.fromstring(parts["[Content_Types].xml"])
    etree.SubElement(ct, "{http://schemas.openxmlformats.org/package/2006/content-types}Override",
                     PartName="/xl/worksheets/sheet99.xml",
                     ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    parts["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(pack, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_cli_builds_the_pack_says_what_it_left_out_and_exits_1(folder: Path, tmp_path: Path):
    pack = tmp_path / "pack.xlsx"
    res = CliRunner().invoke(main, ["rollup", str(folder), "-o", str(pack), "--as-of", "2015-11-02"])
    assert res.exit_code == 1, res.output
    left_out = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(left_out) == 2
    assert left_out[0].startswith("ehxl: ") and "east.xlsx: is damaged" in left_out[0]
    assert "west.xlsx: is password-protected" in left_out[1] and left_out[1].endswith("(left out of the pack)")
    assert "2 team workbooks read, 2 refused, 1 duplicate" in res.stdout
    assert "all teams: 12 actions, 2 complete, 4 overdue, 2 due in the next 30 days" in res.stdout
    assert pack.exists()


def test_cli_json_is_one_document_and_no_progress_bar(folder: Path, tmp_path: Path):
    res = CliRunner().invoke(main, ["rollup", str(folder / "north.xlsx"), str(folder / "south.xlsx"),
                                    "-o", str(tmp_path / "pack.xlsx"), "--as-of", "2015-11-02", "--format", "json"])
    assert res.exit_code == 1                                     # north has errors (an action with no owner)
    doc = json.loads(res.stdout)
    assert [f["status"] for f in doc["files"]] == ["read", "read"]
    assert doc["actions"]["total"] == 12
    assert res.stderr == ""


def test_a_pack_needs_an_output_file_and_a_folder_of_nothing_is_one_line(folder: Path, tmp_path: Path):
    res = CliRunner().invoke(main, ["rollup", str(folder)])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "needs -o OUT" in res.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(main, ["rollup", str(empty), "-o", str(tmp_path / "pack.xlsx")])
    assert res.exit_code == 2
    assert res.stderr == "ehxl: empty: holds no .xlsx or .xlsm workbooks to build a board pack from.\n"
    assert not (tmp_path / "pack.xlsx").exists()


def test_nothing_readable_writes_nothing(tmp_path: Path):
    teams = tmp_path / "teams"
    teams.mkdir()
    (teams / "east.xlsx").write_bytes(b"PK\x03\x04 cut short")
    res = CliRunner().invoke(main, ["rollup", str(teams), "-o", str(tmp_path / "pack.xlsx")])
    assert res.exit_code == 2
    assert "none of the workbooks could be read, so there is nothing to report on" in res.stderr
    assert not (tmp_path / "pack.xlsx").exists()


def test_the_help_shows_the_folder_form():
    res = CliRunner().invoke(main, ["rollup", "--help"])
    assert res.exit_code == 0
    assert 'ehxl rollup "Board Q3/" -o "Board Q3/board-pack.xlsx"' in res.stdout
    assert "WORKBOOK|FOLDER..." in res.stdout


def test_libreoffice_opens_the_pack(folder: Path, tmp_path: Path):
    libreoffice.soffice()
    pack = tmp_path / "pack.xlsx"
    api.rollup_pack([folder], pack, as_of=AS_OF)
    outdir = tmp_path / "lo"
    libreoffice.convert([pack], "ods", outdir, timeout=180, check=True)
    assert (outdir / "pack.ods").stat().st_size > 0


def _sheet_parts(pack: Path) -> dict[str, str]:
    """Sheet name -> its part, read from the pack's workbook and relationships."""
    with zipfile.ZipFile(pack) as z:
        wb = etree.fromstring(z.read("xl/workbook.xml"))
        rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    return {s.get("name"): "xl/" + rels[s.get(f"{{{NS['r']}}}id")].lstrip("/").removeprefix("xl/")
            for s in wb.find("m:sheets", NS)}


def _links(pack: Path, sheet: str) -> list[tuple[str, str, str]]:
    """(cell, file the link opens, place in it) of every link on one of the pack's sheets."""
    from urllib.parse import unquote

    part = _sheet_parts(pack)[sheet]
    rels_part = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    with zipfile.ZipFile(pack) as z:
        root = etree.fromstring(z.read(part))
        rels = {r.get("Id"): (r.get("Target"), r.get("TargetMode")) for r in etree.fromstring(z.read(rels_part))}
    out = []
    for h in root.iterfind("m:hyperlinks/m:hyperlink", NS):
        target, mode = rels[h.get(f"{{{NS['r']}}}id")]
        assert mode == "External"
        out.append((h.get("ref"), unquote(target), h.get("location")))
    return out


def test_every_overdue_link_opens_the_teams_file_at_the_deadline_cell(folder: Path, tmp_path: Path):
    import openpyxl

    pack = tmp_path / "board" / "pack.xlsx"
    pack.parent.mkdir()
    doc = api.rollup_pack([folder], pack, as_of=AS_OF).json()
    links = _links(pack, "Overdue")
    assert [(Path(f).name, place) for _, f, place in links] == [
        ("north.xlsx", "'Action plan'!E6"), ("south.xlsx", "'South locality'!D8"),
        ("south.xlsx", "'South locality'!D5"), ("north.xlsx", "'Action plan'!E10"),      # the four overdue
        ("south.xlsx", "'South locality'!D7"), ("north.xlsx", "'Action plan'!E14")]      # then the two due soon
    assert all(not Path(f).is_absolute() and f.startswith("../Board Q3/") for _, f, _ in links)   # relative
    # what each team typed in the deadline cell, by the date ehxl read from it
    typed = {"2015-07-01": "By 1.7.15.", "2015-08-01": "By 1.8.15.", "2015-09-30": "30/09/2015",
             "2015-10-01": "By 1.10.15", "2015-11-15": "15/11/2015", "2015-11-30": "By 30.11.15."}
    deadlines = [r["deadline"] for r in doc["overdue"] + doc["due_soon"]]
    assert len(deadlines) == len(links) == 6
    for (_, file, place), deadline in zip(links, deadlines):
        sheet, cell = place.rsplit("!", 1)
        team_book = openpyxl.load_workbook(pack.parent / file)         # resolved against the pack's folder
        assert str(team_book[sheet.strip("'")][cell].value) == typed[deadline]


def test_validation_links_name_the_team_file_and_cell(folder: Path, tmp_path: Path):
    pack = tmp_path / "pack.xlsx"
    api.rollup_pack([folder], pack, as_of=AS_OF)
    links = {(Path(f).name, place) for _, f, place in _links(pack, "Validation")}
    # north's findings (tests/test_api.py): D10 owner missing, D12 XY unknown, E13 unreadable, G14 two values,
    # A16 duplicate ref, F16 no status; the refused files have no cell, so no link
    assert links == {("north.xlsx", f"'Action plan'!{cell}") for cell in ("D10", "D12", "E13", "G14", "A16", "F16")}


# ------------------------------------------------------------------ KPIs, maturity and audits across teams

Q1, Q2 = date(2015, 6, 30), date(2015, 9, 30)
HEADER = ["Indicator", "0=MISSING", "1=POOR", "2=SATISFACTORY", "3=GOOD", "4=OUTSTANDING"]


def performance(path: Path, early_help: list, escalated: list, reviews: tuple | None) -> Path:
    """A team's quarterly figures (and its latest case-file audit), laid out as the council reports print them."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Quarterly performance"
    ws["A1"] = "Locality performance 2015-16"
    ws.append([])
    ws.append(["Case Type", Q1, Q2])
    ws.append(["Early Help Cases", *early_help])
    ws.append(["Escalated to Social Care", *escalated])
    if reviews:
        audits = wb.create_sheet("Case file audits")
        audits["A1"] = "Case File Audit: under 11s (September 2015)"
        audits.append(HEADER)
        audits.append(["Reviews", *reviews])
    wb.save(path)
    return path


def maturity_book(path: Path, declared: dict[str, int], levels: list[tuple[str, int]] | None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    if levels:
        plan = wb.active
        plan.title = "Plan"
        plan.append(["Matrix area", "Progress level", "Ref", "Action", "Lead", "Timescale", "Status", "Update"])
        for i, (area, level) in enumerate(levels, start=1):
            plan.append([area, level, str(i), f"Action {i}", "Rachel Price", "March 2016", "In progress", "Going"])
        grid = wb.create_sheet("Maturity matrix")
    else:
        grid = wb.active
        grid.title = "Maturity matrix"
    grid.append(["Progress", 1, 2, 3, 4])
    for area, level in declared.items():
        row = [area, None, None, None, None]
        row[level] = level
        grid.append(row)
    wb.save(path)
    return path


@pytest.fixture()
def performance_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "performance"
    folder.mkdir()
    performance(folder / "north.xlsx", [100, 120], ["10/50", "12/60"], (1, 3, 7, 6, 0))
    performance(folder / "north v2.xlsx", [105, 120], ["10/50", "12/60"], None)      # Q1 restated
    performance(folder / "south.xlsx", [80, "Awaiting data"], ["5/40", "9/45"], (0, 2, 5, 3, 1))
    maturity_book(folder / "north maturity.xlsx", {"Service delivery": 3, "Governance": 1},
                  [("Service delivery", 2), ("Service delivery", 2), ("Governance", 1)])
    maturity_book(folder / "south maturity.xlsx", {"Service Delivery": 2, "Governance": 2}, None)
    (folder / "ehxl.toml").write_text('[teams]\n"north.xlsx" = "North"\n"north v2.xlsx" = "North"\n'
                                      '"north maturity.xlsx" = "North"\n"south.xlsx" = "South"\n'
                                      '"south maturity.xlsx" = "South"\n')
    return folder


def _city(doc: dict, measure: str) -> dict:
    return next(k for k in doc["kpis"] if k["team"] is None and k["measure"] == measure)


def test_city_kpis_sum_counts_pool_ratios_and_never_hide_a_gap(performance_folder: Path, tmp_path: Path):
    doc = api.rollup_pack([performance_folder], tmp_path / "pack.xlsx", as_of=AS_OF).json()
    escalated = _city(doc, "Escalated to Social Care")
    assert escalated["teams"] == ["North", "South"]
    q1, q2 = escalated["periods"]
    # pooled: (10 + 5) / (50 + 40) = 15/90 = 16.67%; (12 + 9) / (60 + 45) = 21/105 = 20%
    assert (q1["numerator"], q1["denominator"], q1["status"]) == (15, 90, "complete")
    assert q1["value"] == pytest.approx(100 * 15 / 90)
    assert (q2["numerator"], q2["denominator"], q2["value"]) == (21, 105, pytest.approx(20.0))
    cases = _city(doc, "Early Help Cases")
    q1, q2 = cases["periods"]
    # Q1: North's two files disagree (100 against 105), so no city figure is picked
    assert (q1["status"], q1["value"], q1["conflicting_teams"]) == ("conflicting", None, ["North"])
    # Q2: South's is "Awaiting data": the city figure is incomplete, not 120
    assert (q2["status"], q2["value"], q2["partial"], q2["teams_missing"]) == ("incomplete", None, 120, ["South"])
    teams = {(k["team"], Path(k["file"]).name) for k in doc["kpis"] if k["team"] and k["measure"] == "Early Help Cases"}
    assert teams == {("North", "north.xlsx"), ("North", "north v2.xlsx"), ("South", "south.xlsx")}


def test_two_versions_of_a_teams_file_are_a_source_conflict_naming_both(performance_folder: Path, tmp_path: Path):
    doc = api.rollup_pack([performance_folder], tmp_path / "pack.xlsx", as_of=AS_OF).json()
    conflicts = [f for f in doc["findings"] if f["rule"] == "source-conflict"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c["team"], Path(c["file"]).name, c["cell"], Path(c["other_file"]).name, c["other_cell"]) == \
        ("North", "north.xlsx", "B4", "north v2.xlsx", "B4")
    assert c["severity"] == "error" and "100" in c["message"] and "105" in c["message"]


def test_maturity_areas_by_team_with_mismatches_marked(performance_folder: Path, tmp_path: Path):
    doc = api.rollup_pack([performance_folder], tmp_path / "pack.xlsx", as_of=AS_OF).json()
    grid = {row["area"]: {team: (v["declared"], v["computed"], v["mismatch"]) if v else None
                          for team, v in row["teams"].items()} for row in doc["maturity_grid"]}
    # North: Service delivery declared 3, its actions 2 and 2 give 2 (mismatch); Governance 1 and 1.
    # South has no plan: declared only.  "Service Delivery" is the same area, loosely matched.
    assert grid == {"Service delivery": {"North": (3, 2, True), "South": (2, None, False)},
                    "Governance": {"North": (1, 1, False), "South": (2, None, False)}}


def test_audit_grades_pooled_over_teams(performance_folder: Path, tmp_path: Path):
    doc = api.rollup_pack([performance_folder], tmp_path / "pack.xlsx", as_of=AS_OF).json()
    (reviews,) = doc["audits_pooled"]
    # North 1 3 7 6 0 (17 cases), South 0 2 5 3 1 (11): 1 5 12 9 1 of 28; good or better 10/28
    assert reviews["counts"] == {"missing": 1, "poor": 5, "satisfactory": 12, "good": 9, "outstanding": 1}
    assert reviews["cases"] == 28
    assert reviews["pct_good_or_better"] == pytest.approx(100 * 10 / 28)
    assert reviews["teams"]["North"]["pct_good_or_better"] == pytest.approx(100 * 6 / 17)
    assert reviews["teams"]["South"]["pct_good_or_better"] == pytest.approx(100 * 4 / 11)


def test_the_pack_sheets_show_the_city_figures(performance_folder: Path, tmp_path: Path):
    import openpyxl

    pack = tmp_path / "pack.xlsx"
    api.rollup_pack([performance_folder], pack, as_of=AS_OF)
    wb = openpyxl.load_workbook(pack)
    assert wb.sheetnames == ["Summary", "_ehxl", "Overdue", "Validation", "KPIs", "Maturity", "Audits", "Sources"]
    kpis = [[c.value for c in row] for row in wb["KPIs"].iter_rows()]
    city = [r for r in kpis if r[0] and str(r[0]).startswith("City total")]
    assert [r[:3] for r in city] == [["City total (sum)", "conflicting", "incomplete"],
                                     ["City total (pooled)", pytest.approx(100 * 15 / 90), pytest.approx(20.0)]]
    cases = next(i for i, r in enumerate(kpis) if r[0] == "Early Help Cases")
    # North sent two versions, so each row names its file; South sent one, so its row is the team alone
    assert [r[0] for r in kpis[cases + 1:cases + 4]] == ["North (north.xlsx)", "North (north v2.xlsx)", "South"]
    notes = [r[0] for r in kpis if r[0] and "incomplete, no figure from" in str(r[0])]
    assert notes == ["Q2 2015-16: incomplete, no figure from South (the others give 120)."]
    audits = [[c.value for c in row] for row in wb["Audits"].iter_rows()]
    reviews = next(r for r in audits if r[0] == "Reviews")
    assert reviews[1:7] == [28, 1, 5, 12, 9, 1] and reviews[7] == pytest.approx(10 / 28)


# ------------------------------------------------------------------ validate and overdue over a folder

def test_validate_a_folder_names_each_problems_team_and_changes_nothing(folder: Path):
    before = hashes(folder)
    res = CliRunner().invoke(main, ["validate", str(folder), "--as-of", "2015-11-02", "--format", "json"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert set(doc) == {"files", "findings", "errors", "warnings"}
    # north's 3 errors (D10 no owner, E13 unreadable, A16 duplicate) and the two files left out; 3 warnings
    assert (doc["errors"], doc["warnings"]) == (5, 3)
    assert {(f["team"], f["rule"]) for f in doc["findings"] if f["severity"] == "error"} == {
        ("North locality", "owner-missing"), ("North locality", "deadline-unparsed"),
        ("North locality", "duplicate-ref"), ("east", "file-refused"), ("west", "file-refused")}
    assert hashes(folder) == before


def test_overdue_over_a_folder_lists_every_teams_actions(folder: Path):
    res = CliRunner().invoke(main, ["overdue", str(folder), "--as-of", "2015-11-02"])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "Overdue as of 02/11/2015: 4"
    late = [line.split()[:2] for line in lines[3:7]]
    assert late == [["North", "locality"], ["South", "locality"], ["South", "locality"], ["North", "locality"]]
    assert "S4" in lines[4] and " 93 " in lines[4]                    # By 1.8.15: 93 days by 2 Nov 2015


def test_a_board_pack_in_the_folder_is_not_read_as_a_team(folder: Path):
    pack = folder / "board-pack.xlsx"
    api.rollup_pack([folder], pack, as_of=AS_OF)
    doc = api.read_pack([folder], as_of=AS_OF)                         # e.g. ehxl validate FOLDER afterwards
    status = {Path(s.file).name: s.status for s in doc.sources}
    assert status["board-pack.xlsx"] == "skipped"
    assert doc.summary["total"] == 12                                  # still north's 8 and south's 4
    again = api.rollup_pack([folder], pack, as_of=AS_OF).json()      # the pack itself is never an input
    assert "board-pack.xlsx" not in {Path(f["file"]).name for f in again["files"]}


def test_a_city_wide_table_is_checked_against_the_teams_total_not_added_to_it(performance_folder: Path,
                                                                              tmp_path: Path):
    performance(performance_folder / "city.xlsx", [185, 200], ["15/90", "20/100"], None)
    toml = performance_folder / "ehxl.toml"
    toml.write_text('city = "City"\n' + toml.read_text() + '"city.xlsx" = "City"\n')
    doc = api.rollup_pack([performance_folder], tmp_path / "pack.xlsx", as_of=AS_OF).json()
    escalated = _city(doc, "Escalated to Social Care")
    assert escalated["teams"] == ["North", "South"]                   # the city's own table is not a team to add
    q1, q2 = escalated["periods"]
    # Q1: the city table's 15/90 is the localities' (10 + 5) / (50 + 40): agreed, and shown
    assert (q1["status"], q1["numerator"], q1["denominator"], q1["city_table"]) == \
        ("complete", 15, 90, pytest.approx(100 * 15 / 90))
    # Q2: the city table says 20/100 but the localities give (12 + 9) / (60 + 45) = 21/105: a conflict
    assert (q2["status"], q2["value"], q2["partial"]) == ("conflicting", None, pytest.approx(20.0))
    conflicts = [f for f in doc["findings"] if f["rule"] == "source-conflict" and f["team"] == "City"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (Path(c["file"]).name, c["cell"], Path(c["other_file"]).name, c["other_cell"]) == \
        ("city.xlsx", "C5", "north.xlsx", "C5")
    assert "is 20/100 in the city-wide table" in c["message"] and "add up to 21/105 (20.0%)" in c["message"]


def test_the_packs_summary_overdue_and_sources_cells_hold_the_hand_worked_figures(folder: Path, tmp_path: Path):
    import openpyxl

    pack = tmp_path / "pack.xlsx"
    api.rollup_pack([folder], pack, as_of=AS_OF)
    wb = openpyxl.load_workbook(pack)
    summary = [[c.value for c in row] for row in wb["Summary"].iter_rows()]
    figures = {r[0]: r[1:3] for r in summary if isinstance(r[0], str)}
    assert figures["All actions"][0] == 12
    assert figures["Complete"] == [2, pytest.approx(2 / 12)]
    assert figures["Overdue (past deadline, not complete)"] == [4, pytest.approx(4 / 12)]
    assert figures["Due in the next 30 days"] == [2, pytest.approx(2 / 12)]
    assert (figures["Green"][0], figures["Amber"][0], figures["Red"][0]) == (2, 4, 3)
    head = next(i for i, r in enumerate(summary) if r[0] == "By team")
    assert summary[head][:6] == ["By team", "Actions", "Complete", "Overdue", "Overdue share", "Due soon"]
    assert [r[:6] for r in summary[head + 1:head + 3]] == [
        ["South locality", 4, 1, 2, pytest.approx(0.5), 1],
        ["North locality", 8, 1, 2, pytest.approx(0.25), 1]]
    overdue = [[c.value for c in row] for row in wb["Overdue"].iter_rows()]
    head = next(i for i, r in enumerate(overdue) if r[0] == "Team")
    assert [(r[0], r[1], r[5]) for r in overdue[head + 1:head + 5]] == [
        ("North locality", "1.1", 124), ("South locality", "S4", 93), ("South locality", "S1", 33),
        ("North locality", "1.3", 32)]
    # files as a board member finds them: beside the pack, whatever folder the roll-up was run from
    assert [r[7] for r in overdue[head + 1:head + 5]] == ["Board Q3/north.xlsx", "Board Q3/south.xlsx",
                                                          "Board Q3/south.xlsx", "Board Q3/north.xlsx"]
    sources = [[c.value for c in row] for row in wb["Sources"].iter_rows()]
    head = next(i for i, r in enumerate(sources) if r[0] == "File")
    assert sorted(r[0] for r in sources[head + 1:] if r[0]) == [
        "Board Q3/east.xlsx", "Board Q3/north (1).xlsx", "Board Q3/north.xlsx", "Board Q3/south.xlsx",
        "Board Q3/west.xlsx"]
    rows = {Path(r[0]).name: (r[1], r[2], r[6]) for r in sources[head + 1:] if r[0]}
    assert rows == {"north.xlsx": ("North locality", "read", 8), "north (1).xlsx": ("north (1)", "duplicate", 0),
                    "south.xlsx": ("South locality", "read", 4), "west.xlsx": ("west", "refused", 0),
                    "east.xlsx": ("east", "refused", 0)}
    north = next(r for r in sources if r[0] and Path(r[0]).name == "north.xlsx")
    assert north[9] == hashlib.sha256((folder / "north.xlsx").read_bytes()).hexdigest()
    assert north[5] == "Action plan (action plan); Owners (owners)"


def test_the_trend_sheet_shows_each_board_and_opens_in_libreoffice(folder: Path, tmp_path: Path):
    import openpyxl

    pack = tmp_path / "pack.xlsx"
    for as_of in (date(2015, 9, 1), date(2015, 10, 15), date(2015, 10, 15), date(2015, 11, 2)):
        result = api.rollup_pack([folder], pack, as_of=as_of, backup=False)
    assert "Trend" in result.sheets_written and "Changes" in result.sheets_written
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(pack)["Trend"].iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0] == "Board (as of)")
    # overdue of 12: 1 Sep 1.1 and S4 (2); 15 Oct also 1.3 (1 Oct) and S1 (30 Sep) (4); 2 Nov the same 4.
    # green: 1.2 and S2, 2 of 12, at every board.  The board of 15 Oct, rolled up twice, is one row.
    assert [r[:2] for r in rows[head + 1:head + 4]] == [["01/09/2015", 12], ["15/10/2015", 12], ["02/11/2015", 12]]
    assert [r[2] for r in rows[head + 1:head + 4]] == [pytest.approx(2 / 12)] * 3
    assert [r[5] for r in rows[head + 1:head + 4]] == [pytest.approx(2 / 12), pytest.approx(4 / 12),
                                                       pytest.approx(4 / 12)]
    assert rows[head + 4][0] is None                                 # three boards, no more
    outdir = tmp_path / "lo"
    libreoffice.convert([pack], "ods", outdir, timeout=180, check=True)
    with zipfile.ZipFile(outdir / "pack.ods") as z:
        charts = [z.read(n) for n in z.namelist() if n.startswith("Object") and n.endswith("/content.xml")]
    assert any(b"<chart:chart" in c and b"Shares of all actions, board by board" in c for c in charts)


def test_a_teams_own_areas_stay_apart_in_the_maturity_grid():
    """'Service delivery' and 'Integrated service delivery' share two of three words but are two of Coventry's areas."""
    from ehxl.pack_figures import TeamFigures, maturity_grid

    east = TeamFigures("East", maturity=[
        ("e.xlsx", {"area": "Service delivery", "declared_level": 3, "computed_level": 3}),
        ("e.xlsx", {"area": "Integrated service delivery", "declared_level": 2, "computed_level": 1})])
    west = TeamFigures("West", maturity=[("w.xlsx", {"area": "SERVICE DELIVERY", "declared_level": 2,
                                                     "computed_level": None})])
    grid = {row["area"]: {t: (v["declared"], v["computed"], v["mismatch"]) if v else None
                          for t, v in row["teams"].items()} for row in maturity_grid([east, west])}
    assert grid == {"Service delivery": {"East": (3, 3, False), "West": (2, None, False)},
                    "Integrated service delivery": {"East": (2, 1, True), "West": None}}


# ------------------------------------------------------------------ team files read in parallel

def _team_folder(tmp_path: Path) -> Path:
    """Ten generated team workbooks laid out differently, north's plan (whose Owners sheet every team is
    checked against) and a file cut short."""
    from benchmark import make_teams

    teams = tmp_path / "teams"
    make_teams(teams, 10)
    north = derby_like_plan(teams / "north.xlsx")
    (teams / "east.xlsx").write_bytes(north.read_bytes()[:900])
    return teams


def _owners_then_damage(path: Path) -> Path:
    """A workbook whose Owners sheet reads but whose plan sheet is garbled: its owners must not count."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Plan"
    wb.active.append(["Ref", "Action", "Owner", "Deadline"])
    owners = wb.create_sheet("Owners")
    owners.append(["Name", "Initials"])
    owners.append(["Zed Zebra", "RP"])                   # would claim north's "RP" before Rachel Price
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r=1><c"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _pack_by(folder: Path, out: Path, monkeypatch, *, parallel: bool, start: str | None = None) -> tuple:
    """The pack's JSON (paths of its own left out), its cells, the progress calls and the pool's rounds."""
    import openpyxl
    from ehxl import team_reading

    monkeypatch.setattr(team_reading, "pays", lambda files: parallel)
    monkeypatch.setattr(team_reading, "START_METHOD", start)
    rounds, analyse = [], team_reading._analyse
    monkeypatch.setattr(team_reading, "_analyse", lambda *a: rounds.append(1) or analyse(*a))
    calls = []
    out.parent.mkdir()
    result = api.rollup_pack([folder], out, as_of=AS_OF, progress=lambda d, n, src: calls.append((d, n, src.file)))
    doc = {k: v for k, v in result.json().items() if k not in ("file", "written", "history")}
    wb = openpyxl.load_workbook(out)
    cells = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
    return doc, cells, calls, len(rounds)


@pytest.mark.parametrize("start", [None, "spawn"])
def test_reading_in_parallel_gives_exactly_the_serial_pack(tmp_path: Path, monkeypatch, start):
    folder = _team_folder(tmp_path)
    serial = _pack_by(folder, tmp_path / "serial" / "pack.xlsx", monkeypatch, parallel=False)
    parallel = _pack_by(folder, tmp_path / "parallel" / "pack.xlsx", monkeypatch, parallel=True, start=start)
    assert (serial[3], parallel[3]) == (0, 1)                         # the pool did the reading, in one round
    assert parallel[0] == serial[0]
    assert parallel[1] == serial[1]
    files = {Path(f["file"]).name: f["status"] for f in parallel[0]["files"]}
    assert len(files) == 12 and [n for n, s in files.items() if s == "refused"] == ["east.xlsx"]
    refused = [f for f in parallel[0]["findings"] if f["rule"] == "file-refused"]
    assert len(refused) == 1 and "is damaged" in refused[0]["message"]
    assert [c[:2] for c in parallel[2]] == [(i, 12) for i in range(1, 13)]   # once per file, in finishing order
    assert sorted(c[2] for c in parallel[2]) == sorted(c[2] for c in serial[2])
    # the register is north's Owners sheet, applied to every team whichever process read it
    assert any(f["rule"] == "owner-unknown" and f["team"] == "team 001" for f in parallel[0]["findings"])


def test_owners_of_a_file_that_fails_to_read_are_not_applied_in_parallel_either(tmp_path: Path, monkeypatch):
    folder = _team_folder(tmp_path)
    _owners_then_damage(folder / "damaged owners.xlsx")
    serial = _pack_by(folder, tmp_path / "serial" / "pack.xlsx", monkeypatch, parallel=False)
    parallel = _pack_by(folder, tmp_path / "parallel" / "pack.xlsx", monkeypatch, parallel=True)
    assert parallel[3] == 2                                          # the guessed register was wrong: read again
    assert parallel[0] == serial[0] and parallel[1] == serial[1]
    assert {Path(f["file"]).name for f in parallel[0]["files"] if f["status"] == "refused"} == \
        {"east.xlsx", "damaged owners.xlsx"}
    assert len(parallel[2]) == 13


def _read_with_register(folder: Path, owners: Path, monkeypatch, *, parallel: bool) -> tuple:
    from ehxl import team_reading

    monkeypatch.setattr(team_reading, "pays", lambda files: parallel)
    pack = api.read_pack([folder], out=folder.parent / "pack.xlsx", as_of=AS_OF, owners=owners)
    return api.PackResult(folder.parent / "pack.xlsx", pack).json(), [t.analysis.register for t in pack.teams]


def test_a_register_given_reaches_every_team_read_in_parallel_as_one_object(tmp_path: Path, monkeypatch):
    from benchmark import make_register

    folder = _team_folder(tmp_path)
    owners = tmp_path / "owners.csv"
    make_register(owners, people=20)
    serial, serial_registers = _read_with_register(folder, owners, monkeypatch, parallel=False)
    parallel, registers = _read_with_register(folder, owners, monkeypatch, parallel=True)
    assert parallel == serial
    assert len(registers) == 11 and all(r is registers[0] for r in registers)    # the workers' teams' too
    assert [o.name for o in registers[0]] == [o.name for o in serial_registers[0]] and len(registers[0]) == 29
    assert any(f["rule"] == "owner-unknown" for f in parallel["findings"])       # north's XY is on nobody's


def test_without_worker_processes_the_files_are_read_here(tmp_path: Path, monkeypatch):
    import concurrent.futures

    folder = _team_folder(tmp_path)
    serial = _pack_by(folder, tmp_path / "serial" / "pack.xlsx", monkeypatch, parallel=False)

    def no_processes(*args, **kw):
        raise OSError("no semaphores here")
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_processes)
    fallback = _pack_by(folder, tmp_path / "fallback" / "pack.xlsx", monkeypatch, parallel=True)
    assert fallback[0] == serial[0] and fallback[2] == serial[2]


def test_history_findings_in_a_pack_name_their_team_and_file(folder: Path, tmp_path: Path):
    pack = tmp_path / "pack.xlsx"
    api.rollup_pack([folder], pack, as_of=date(2015, 10, 15), backup=False)
    doc = api.rollup_pack([folder], pack, as_of=AS_OF, backup=False).json()
    stale = [(f["team"], f["file"], f["cell"]) for f in doc["findings"]
             if f["rule"] == "update-stale" and f["team"] == "South locality"]
    # South (header row 4, No. in A): S1 "In progress" (amber, row 5) and S3 "Behind schedule" (red, row 7)
    # keep their Comments (column F) from the board of 15 Oct; S2 is complete, S4 has no comment.
    south = str(folder / "south.xlsx")                                # as given: the folder was given whole
    assert stale == [("South locality", south, "F5"), ("South locality", south, "F7")]


def test_only_files_whose_sheets_include_owners_are_opened_for_the_register_guess(tmp_path: Path):
    from openpyxl import Workbook

    from ehxl import team_reading

    with_owners = derby_like_plan(tmp_path / "north.xlsx")             # has an Owners sheet
    plain = south_plan(tmp_path / "south.xlsx")                        # South locality plan and Targets only
    wb = Workbook()
    wb.active.title = " owner register"                               # as a team might type it
    wb.save(tmp_path / "register.xlsx")
    (tmp_path / "cut.xlsx").write_bytes(with_owners.read_bytes()[:900])
    assert [team_reading._may_list_owners(p) for p in (with_owners, plain, tmp_path / "register.xlsx")] == [
        True, False, True]
    assert team_reading._may_list_owners(tmp_path / "cut.xlsx")        # unreadable: the careful guess decides


def test_a_file_read_whole_for_the_register_guess_is_not_read_again_for_its_analysis(tmp_path: Path, monkeypatch):
    from ehxl import team_reading

    north = derby_like_plan(tmp_path / "north.xlsx")
    damaged = _owners_then_damage(tmp_path / "damaged owners.xlsx")
    options = {"as_of": AS_OF, "within": None, "kinds": None}
    afresh = team_reading._outcome(north, team_reading._register(team_reading._guess_people(north)), options)
    reads, read_team = [], team_reading.read_team
    monkeypatch.setattr(team_reading, "read_team", lambda path: reads.append(path.name) or read_team(path))
    people = team_reading._read_for_guess(north)
    assert people == team_reading._guess_people(north) and len(people) == 5
    kept = team_reading._outcome(north, team_reading._register(people), options)
    assert reads == ["north.xlsx"] and not team_reading._READ                  # read once, then let go
    assert kept.analysis.findings == afresh.analysis.findings and kept.analysis.summary == afresh.analysis.summary
    # a file that does not read whole is guessed from its Owners sheet, as before, and nothing is kept
    assert [o.name for o in team_reading._read_for_guess(damaged)] == ["Zed Zebra"] and not team_reading._READ


def _city_counted_both_ways(folder: Path) -> tuple[dict, dict | None]:
    from ehxl import pack as pack_mod, summary

    pack = api.read_pack([folder], out=folder.parent / "pack.xlsx", as_of=AS_OF)
    actions = [a for t in pack.teams for a in t.analysis.actions]
    afresh = summary.rollup(actions, [a for _, a in pack.late], [a for _, a in pack.soon])
    return afresh, pack_mod.city_rollup([t.analysis.summary for t in pack.teams])


def test_the_city_added_up_from_the_teams_roll_ups_is_the_city_counted_afresh(tmp_path: Path):
    afresh, added = _city_counted_both_ways(_team_folder(tmp_path))
    assert len(afresh["by_theme"]) > 2 and len(afresh["by_owner"]) > 5    # themes and owners shared by teams
    assert json.dumps(added) == json.dumps(afresh)                          # same figures, same order


def test_owners_differing_only_in_case_leave_the_order_to_a_fresh_count(tmp_path: Path):
    from openpyxl import Workbook

    folder = tmp_path / "teams"
    folder.mkdir()
    for name, owners in (("a", ["rp", "RP", "RP"]), ("b", ["rp"])):     # a's table: RP (2), rp (1)
        wb = Workbook()
        wb.active.append(["Ref", "Action", "Owner", "Deadline", "Status"])
        for i, owner in enumerate(owners, start=1):
            wb.active.append([f"{i}", f"Action {i}", owner, "31/12/2015", "Green"])
        wb.save(folder / f"{name}.xlsx")
    afresh, added = _city_counted_both_ways(folder)
    assert added is None
    assert [(o["owner"], o["total"]) for o in afresh["by_owner"]] == [("rp", 2), ("RP", 2)]   # rp came first


def test_the_command_as_its_own_process_keeps_the_collector_paused_and_freezes_at_exit(folder: Path, tmp_path: Path):
    import gc

    check = ("import atexit, gc, sys; atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 0)); "
             "from ehxl.cli import run; run()")
    proc = subprocess.run([sys.executable, "-c", check, "rollup", str(folder), "-o", str(tmp_path / "pack.xlsx"),
                           "--as-of", "2015-11-02", "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout.rstrip().endswith("False True")   # west and east were refused
    assert json.loads(proc.stdout.rstrip()[:-len("False True")])["actions"]["by_team"]
    was = gc.isenabled()
    CliRunner().invoke(main, ["rollup", str(folder), "-o", str(tmp_path / "again.xlsx"), "--as-of", "2015-11-02"])
    assert gc.isenabled() == was                                 # main, called in this process, leaves it as it was


def test_a_worker_unpickles_the_shared_register_once_not_once_per_file():
    from ehxl import team_reading
    from ehxl.owners import Owner, OwnerRegister

    import zlib

    def sent(register):                                                 # as _analyse sends it to the workers
        return zlib.compress(team_reading._dumps(register), 1)

    city = sent(OwnerRegister([Owner("Rachel Price", "RP"), Owner("Vicky Wood", "VW")]))
    first = team_reading._unpickled(city)
    assert team_reading._unpickled(bytes(city)) is first               # the next file's copy of the same register
    assert [o.name for o in first] == ["Rachel Price", "Vicky Wood"]
    other = team_reading._unpickled(sent(OwnerRegister([Owner("Sam Walsh", "SW")])))
    assert other is not first and [o.name for o in other] == ["Sam Walsh"]   # the corrected register, read again
    assert team_reading._unpickled(None) is None


def _history_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table of a history, row by row in the order written, without the clock's time of each run."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as db:
        tables = {}
        for table in ("runs", "sources", "actions", "figures", "findings"):
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] != "run_at"]
            tables[table] = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
        return tables


def _boards(folder: Path, out: Path, monkeypatch, *, parallel: bool, start: str | None = None) -> list[dict]:
    """Two boards of the folder into one pack, the files read in a pool or here; each board's JSON."""
    from ehxl import team_reading

    monkeypatch.setattr(team_reading, "pays", lambda files: parallel)
    monkeypatch.setattr(team_reading, "START_METHOD", start)
    out.parent.mkdir()
    docs = []
    for as_of in (date(2015, 10, 2), AS_OF):
        doc = api.rollup_pack([folder], out, as_of=as_of, backup=False).json()
        docs.append({k: v for k, v in doc.items() if k not in ("file", "written", "history", "changes")})
    return docs


@pytest.mark.parametrize("start", [None, "spawn"])
def test_a_packs_run_recorded_by_a_worker_while_the_pack_is_saved_is_the_run_recorded_here(tmp_path: Path,
                                                                                         monkeypatch, start):
    from ehxl import team_reading

    folder = _team_folder(tmp_path)
    serial = _boards(folder, tmp_path / "serial" / "pack.xlsx", monkeypatch, parallel=False)
    begun, record = [], team_reading.Workers.record
    monkeypatch.setattr(team_reading.Workers, "record", lambda *a, **kw: begun.append(record(*a, **kw)) or begun[-1])
    parallel = _boards(folder, tmp_path / "parallel" / "pack.xlsx", monkeypatch, parallel=True, start=start)
    assert len(begun) == 2 and None not in begun                     # each board's run recorded by a worker
    assert parallel == serial
    history = _history_rows(tmp_path / "parallel" / "ehxl-history.sqlite")
    assert history == _history_rows(tmp_path / "serial" / "ehxl-history.sqlite")
    assert len(history["runs"]) == 2 and len(history["actions"]) == 2 * parallel[1]["actions"]["total"]


def test_a_pack_that_is_not_saved_leaves_no_run_though_a_worker_was_recording_it(tmp_path: Path, monkeypatch):
    from ehxl import team_reading
    from ehxl.errors import WorkbookOpen

    folder = _team_folder(tmp_path)
    out = tmp_path / "out" / "pack.xlsx"
    _boards(folder, out, monkeypatch, parallel=True)
    history = tmp_path / "out" / "ehxl-history.sqlite"
    before = _history_rows(history)
    (out.parent / f"~${out.name}").write_bytes(b"\x00" * 165)          # open in Excel: the save is refused
    begun, record = [], team_reading.Workers.record
    monkeypatch.setattr(team_reading.Workers, "record", lambda *a, **kw: begun.append(record(*a, **kw)) or begun[-1])
    with pytest.raises(WorkbookOpen):
        api.rollup_pack([folder], out, as_of=date(2015, 12, 1), backup=False)
    assert begun and begun[0] is not None
    assert _history_rows(history) == before                           # rolled back: the save it waited for failed


@pytest.mark.parametrize("parallel", [False, True])
def test_a_history_another_roll_up_holds_fails_the_pack_after_its_save_either_way(tmp_path: Path, monkeypatch,
                                                                                  parallel):
    import multiprocessing
    import sqlite3

    from ehxl import history as history_mod
    from ehxl.errors import EhxlError

    if parallel and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("a worker started by spawn would wait the full busy timeout it imports")
    folder = _team_folder(tmp_path)
    out = tmp_path / "out" / "pack.xlsx"
    _boards(folder, out, monkeypatch, parallel=parallel, start="fork" if parallel else None)
    history = tmp_path / "out" / "ehxl-history.sqlite"
    before = _history_rows(history)
    monkeypatch.setattr(history_mod, "BUSY_TIMEOUT_S", 0.1)            # the pool's workers start after this
    locker = sqlite3.connect(history, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")                                 # another roll-up writing its run
    try:
        with pytest.raises(EhxlError) as err:
            api.rollup_pack([folder], out, as_of=date(2015, 12, 1), backup=False)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert str(err.value).startswith("ehxl-history.sqlite: could not be written (database is locked); the workbook "
                                     "was saved, but this run is not in the history.")
    assert _history_rows(history) == before
    import openpyxl

    assert openpyxl.load_workbook(out)["Summary"]["A2"].value.startswith("As of 1 December 2015 ·")   # saved


def test_a_worker_waiting_to_commit_a_run_rolls_it_back_unless_told_the_pack_was_saved(monkeypatch):
    import multiprocessing

    from ehxl import team_reading

    heard, word = multiprocessing.Pipe(duplex=False)
    monkeypatch.setattr(team_reading, "_HEARD", heard)
    monkeypatch.setattr(team_reading, "_LISTEN_S", 0.01)
    parent = type("Parent", (), {"alive": True, "is_alive": lambda self: self.alive})()
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: parent)
    word.send(True)
    team_reading._saved()                                             # saved: commit
    word.send(False)
    with pytest.raises(team_reading.NotSaved):                        # not saved: roll back
        team_reading._saved()
    parent.alive = False
    with pytest.raises(team_reading.NotSaved):                        # the process that would say is gone
        team_reading._saved()

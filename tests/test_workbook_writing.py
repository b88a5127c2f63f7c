"""ehxl writes its sheets and flags into staff workbooks and keeps everything else as it was.

The staff workbooks are built here with XlsxWriter and hold what council
workbooks hold (buttons with macros, a VBA project, drop-downs fed from another
sheet, x14 data bars, sparklines, notes, a table, a chart, a picture, links,
protection, names, formulas with cached values); the real workbooks in
``../shared/samples`` are run through the same checks.
"""
from __future__ import annotations

import csv
import re
import datetime as dt
import io
import shutil
import struct
import subprocess
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from lxml import etree

from ehxl.errors import WorkbookRefused
from ehxl.package import Package
from ehxl.report import Cell, Chart, Series, SheetSpec
from ehxl.workbook_writing import OWNED_STATE_SHEET, WorkbookWriter

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
SAMPLE_FILES = sorted(p.name for p in SAMPLES.glob("*.xls*")) if SAMPLES.is_dir() else []
SOFFICE = shutil.which("soffice")

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
NS = {"m": M, "r": R, "pr": PR, "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
      "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
      "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
      "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"}
TRICKY = ["=1+1", "+44 1332 123456", "-5 days late", "@owner please check", "Plain & <simple> \"quoted\"",
          "  padded  ", "ctrl\x01char\x1f"]


# ------------------------------------------------------------------ fixtures built in code

def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def rewrite(path: Path, **edits: bytes) -> None:
    """Change parts of a package behind ehxl's back (as Excel or a person would)."""
    changes = {k.replace("__", "/"): v for k, v in edits.items()}
    old = parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in old.items():
            z.writestr(name, changes.pop(name, data))
        for name, data in changes.items():
            z.writestr(name, data)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\x00\xff\x00" * 2)) + chunk(b"IEND", b""))


def vba_project(folder: Path) -> Path:
    xlwings = pytest.importorskip("xlwings")
    source = Path(xlwings.__file__).parent / "quickstart.xlsm"
    with zipfile.ZipFile(source) as z:
        target = folder / "vbaProject.bin"
        target.write_bytes(z.read("xl/vbaProject.bin"))
    return target


def staff_workbook(path: Path, *, extra_sheet: str | None = None, date_1904: bool = False) -> Path:
    """An action plan as staff keep it, with the features an openpyxl save would destroy."""
    xlsxwriter = pytest.importorskip("xlsxwriter")
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    if path.suffix == ".xlsm":
        wb.add_vba_project(str(vba_project(path.parent)))
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    day = wb.add_format({"num_format": "d/m/yyyy", "border": 1})
    pct = wb.add_format({"num_format": "0%"})
    red = wb.add_format({"bg_color": "#FF0000"})
    plan = wb.add_worksheet("Plan")
    lists = wb.add_worksheet("Lists")
    data = wb.add_worksheet("Data")
    if extra_sheet:
        wb.add_worksheet(extra_sheet).write("A1", "the team's own notes")
    plan.write("A1", "Early Help action plan 2025/26", wb.add_format({"bold": True, "font_size": 14}))
    plan.write_row("A3", ["Ref", "Action", "Owner", "Deadline", "Status", "Progress", "Score"], bold)
    owners = ["Ann Smith", "Bob Jones"]
    statuses = ["Complete", "In progress", "Behind schedule", "Not started"]
    for i in range(10):
        r = 3 + i
        plan.write(r, 0, f"1.{i + 1}")
        plan.write(r, 1, f"Review the early help offer, step {i + 1}")
        plan.write(r, 2, owners[i % 2])
        plan.write_datetime(r, 3, dt.datetime(2025, 4 + i % 9, 1 + i), day)
        plan.write(r, 4, statuses[i % 4])
        plan.write_number(r, 5, (i % 5) / 4, pct)
        plan.write_number(r, 6, i + 1)
    plan.write_formula("G14", "=SUM(G4:G13)", bold, 55)
    plan.write_formula("F14", '=IF(G14>50,"on track","late")', None, "on track")
    plan.data_validation("E4:E13", {"validate": "list", "source": "=Lists!$A$1:$A$4"})
    plan.data_validation("C4:C13", {"validate": "list", "source": owners})
    plan.conditional_format("F4:F13", {"type": "data_bar", "bar_color": "#63BE7B", "data_bar_2010": True})
    plan.conditional_format("G4:G13", {"type": "cell", "criteria": ">", "value": 8, "format": red})
    plan.add_sparkline("H4", {"range": "Plan!F4:G4"})
    plan.write_comment("B4", "Agreed at the March board")
    plan.insert_button("J2", {"macro": "ehxl_refresh", "caption": "Refresh board sheets"})
    plan.write_url("B16", "https://www.example.org/early-help", string="Guidance")
    plan.write_url("B17", "internal:Lists!A1", string="Status list")
    plan.freeze_panes(3, 0)
    plan.autofilter("A3:G13")
    plan.insert_image("J6", "tiny.png", {"image_data": io.BytesIO(tiny_png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "Score", "categories": "=Plan!$A$4:$A$13", "values": "=Plan!$G$4:$G$13"})
    plan.insert_chart("J10", chart)
    plan.set_column("B:B", 40)
    lists.write_column("A1", statuses)
    lists.protect("secret")
    data.add_table("A1:C4", {"data": [["Derby", 12, 0.5], ["Coventry", 9, 0.25], ["Leeds", 4, 0.75]],
                             "columns": [{"header": "Area"}, {"header": "Cases"}, {"header": "Share"}]})
    wb.define_name("Statuses", "=Lists!$A$1:$A$4")
    wb.define_name("Plan!Owners", "=Plan!$C$4:$C$13")
    wb.close()
    return path


def board_spec(link: str, name: str = "Summary", charts: list[Chart] | None = None) -> SheetSpec:
    """A realistic board sheet: title, header, 30 rows of awkward text, dates and percentages, a total."""
    spec = SheetSpec(name=name, widths={1: 10, 2: 45, 3: 14, 4: 10}, freeze_row=4, autofilter="A3:D33",
                     page_header="Summary & overdue - as of 22 Nov 2026", print_title_rows=(3, 3),
                     tab_colour="1F3864", charts=charts or [])
    spec.add_row(Cell("Early Help board summary", "title"))
    spec.add_row(Cell("As of 22 Nov 2026 · plan.xlsm · prepared by ehxl", "subtitle"))
    spec.add_row(*(Cell(h, "header") for h in ("Ref", "Action", "Deadline", "Done")))
    for i in range(30):
        text = TRICKY[i] if i < len(TRICKY) else f"Action number {i + 1}"
        spec.add_row(Cell(f"A{i + 1}", "link" if i == 0 else "text", link=link if i == 0 else None),
                     Cell(text, "wrap"), Cell(dt.date(2026, 1, 1) + dt.timedelta(days=i), "date"),
                     Cell(i / 40, "pct"))
    spec.add_row(Cell("Total", "bold"), Cell(None, "bold"), Cell(None, "bold"), Cell(0.5, "pct"))
    return spec


def run(path: Path, spec: SheetSpec | None, sheet: str | None = None, cells=()) -> tuple[int, object]:
    writer = WorkbookWriter(Package.open(path))
    if spec is not None:
        writer.put_sheet(spec)
    changed = writer.flag_cells(sheet, cells) if sheet else 0
    return changed, writer.save(backup=False)


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> part name, read straight from the package with lxml."""
    p = parts(path)
    wb_rels = {r.get("Id"): r.get("Target") for r in xml(p["xl/_rels/workbook.xml.rels"])}
    out = {}
    for s in xml(p["xl/workbook.xml"]).find("m:sheets", NS):
        target = wb_rels[s.get(f"{{{R}}}id")]
        out[s.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def cell(path: Path, sheet: str, ref: str) -> etree._Element:
    p = parts(path)
    found = xml(p[sheet_parts(path)[sheet]]).find(f".//m:c[@r='{ref}']", NS)
    assert found is not None, ref
    return found


def xf(path: Path, s: int) -> dict:
    """What cellXfs[s] of a saved package looks like: number format, font, fill, border."""
    styles = xml(parts(path)["xl/styles.xml"])
    entry = styles.find("m:cellXfs", NS)[s]
    font = styles.find("m:fonts", NS)[int(entry.get("fontId", 0))]
    fill = styles.find("m:fills", NS)[int(entry.get("fillId", 0))]
    colour = font.find("m:color", NS)
    fg = fill.find("m:patternFill/m:fgColor", NS)
    return {"numFmtId": entry.get("numFmtId"), "borderId": entry.get("borderId"),
            "bold": font.find("m:b", NS) is not None, "italic": font.find("m:i", NS) is not None,
            "font_rgb": colour.get("rgb") if colour is not None else None,
            "pattern": fill.find("m:patternFill", NS).get("patternType"),
            "fill_rgb": fg.get("rgb") if fg is not None else None,
            "wrap": (entry.find("m:alignment", NS).get("wrapText") if entry.find("m:alignment", NS) is not None
                     else None)}


def style_lists(data: bytes) -> dict[str, list[bytes]]:
    root = xml(data)
    out = {}
    for tag in ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs"):
        found = root.find(f"m:{tag}", NS)
        out[tag] = [] if found is None else [etree.tostring(e, method="c14n") for e in found]
    return out


def c_without_style(c: etree._Element) -> tuple:
    attrs = dict(c.attrib)
    attrs.pop("s", None)
    return attrs, [etree.tostring(ch, method="c14n") for ch in c]


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    return staff_workbook(tmp_path / "plan.xlsm")


# ------------------------------------------------------------------ the fidelity check, for any workbook

def first_cells(pkg: Package) -> tuple[str | None, list[str]]:
    """The first worksheet holding values and up to 3 of its value cells (a formula among them if any);
    failing that, up to 3 styled empty cells; failing that, no sheet."""
    fallback: tuple[str | None, list[str]] = (None, [])
    for ref in pkg.sheets():
        if ref.kind != "worksheet" or not ref.part or not pkg.has(ref.part):
            continue
        root = xml(pkg.read(ref.part))
        ns = etree.QName(root).namespace
        present = [c for c in root.iter(f"{{{ns}}}c") if c.get("r")]
        valued = [c for c in present if c.find(f"{{{ns}}}v") is not None or c.find(f"{{{ns}}}is") is not None]
        if valued:
            formulas = [c for c in valued if c.find(f"{{{ns}}}f") is not None][:1]
            chosen = formulas + [c for c in valued if c not in formulas][:3 - len(formulas)]
            return ref.name, [c.get("r") for c in chosen]
        if present and fallback[0] is None:
            fallback = ref.name, [c.get("r") for c in present[:3]]
    return fallback


def check_fidelity(path: Path, sheet: str | None, cells: list[str], spec_name: str = "Summary") -> dict[str, bytes]:
    """Board sheet + flags, saved in place: only what ehxl must touch changes; returns the parts as saved."""
    before = parts(path)
    pkg = Package.open(path)
    by_name = {s.name: s for s in pkg.sheets()}
    sheet_part = by_name[sheet].part if sheet else None
    link = f"'{sheet}'!{cells[0]}" if sheet else "'Summary'!A1"
    styles_part = pkg.styles_part()
    root_rels = xml(before["_rels/.rels"])
    app = [r.get("Target").lstrip("/") for r in root_rels if r.get("Type").endswith("/extended-properties")]
    touchable = {"[Content_Types].xml", pkg.workbook_part, pkg.rels_part(pkg.workbook_part), styles_part,
                 sheet_part, *app}
    originals = {ref: xml(before[sheet_part]).find(f".//{{*}}c[@r='{ref}']") for ref in cells} if sheet else {}

    changed, _ = run(path, board_spec(link, spec_name), sheet, cells)
    after = parts(path)

    assert changed == len(cells)
    assert set(before) <= set(after), "no part may disappear"
    untouched = [n for n in before if n not in touchable]
    assert [n for n in untouched if after[n] != before[n]] == []
    for name, data in after.items():
        if data != before.get(name) and not name.endswith((".bin", ".png")):
            root = xml(data)   # every changed or new XML part parses
            if name in before:   # ... and a touched staff part keeps its namespaces and root attributes
                old_root = xml(before[name])
                assert old_root.nsmap.items() <= root.nsmap.items(), name
                assert dict(old_root.attrib) == dict(root.attrib), name
    if styles_part in before:
        old, new = style_lists(before[styles_part]), style_lists(after[styles_part])
        for tag, entries in old.items():
            assert new[tag][:len(entries)] == entries, f"{tag} entries must stay where they were"
    flagged_root = xml(after[sheet_part]) if sheet else None
    for ref, old_c in originals.items():
        new_c = flagged_root.find(f".//{{*}}c[@r='{ref}']")
        assert c_without_style(new_c) == c_without_style(old_c), f"{ref} kept value, formula and type"
        assert new_c.get("s") != old_c.get("s")

    changed, _ = run(path, board_spec(link, spec_name), sheet, cells)
    assert changed == 0
    assert parts(path) == after, "a second identical run changes no part at all"

    writer = WorkbookWriter(Package.open(path))
    assert writer.owned_sheets() == [spec_name]
    assert writer.flagged() == ({sheet: set(cells)} if sheet else {})
    assert writer.clear_flags() == len(cells)
    assert writer.flagged() == {}
    writer.save(backup=False)
    cleared = parts(path)
    if sheet:
        assert cleared[sheet_part] == before[sheet_part], "clearing restores the staff sheet byte for byte"
    assert WorkbookWriter(Package.open(path)).flagged() == {}
    return after


def libreoffice_csv(path: Path, tmp_path: Path, sheet: str) -> list[list[str]]:
    """Open in LibreOffice headless, export every sheet as CSV, return ``sheet``'s rows."""
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "lo-out"
    profile = tmp_path / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=240)
    produced = out / f"{path.stem}-{sheet}.csv"
    assert produced.exists(), sorted(p.name for p in out.iterdir()) if out.exists() else "no output"
    return list(csv.reader(produced.read_text(encoding="utf-8").splitlines()))


# ------------------------------------------------------------------ the staff workbook built in code

def test_staff_workbook_keeps_everything_ehxl_does_not_own(plan: Path):
    after = check_fidelity(plan, "Plan", ["D4", "E6", "G14"])
    names = set(after)
    assert {"xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml", "xl/comments1.xml", "xl/tables/table1.xml",
            "xl/charts/chart1.xml", "xl/media/image1.png"} <= names
    sheet = after["xl/worksheets/sheet1.xml"]
    assert b"ehxl_refresh" in after["xl/drawings/vmlDrawing1.vml"], "the button keeps its macro"
    for kept in (b"<dataValidations", b"x14:dataBar", b"x14:sparklineGroups",
                 b"<legacyDrawing", b"Lists!$A$1:$A$4", b"<v>55</v>", b"<f>SUM(G4:G13)</f>"):
        assert kept in sheet, kept


def test_board_sheet_is_appended_with_new_ids_and_veryhidden_records(plan: Path):
    run(plan, board_spec("'Plan'!D4"), "Plan", ["D4"])
    p = parts(plan)
    sheets = [(s.get("name"), s.get("sheetId"), s.get("state"))
              for s in xml(p["xl/workbook.xml"]).find("m:sheets", NS)]
    assert sheets == [("Plan", "1", None), ("Lists", "2", None), ("Data", "3", None), ("Summary", "4", None),
                      (OWNED_STATE_SHEET, "5", "veryHidden")]
    assert sheet_parts(plan)["Summary"] == "xl/worksheets/sheet4.xml"
    overrides = {o.get("PartName"): o.get("ContentType") for o in xml(p["[Content_Types].xml"])
                 if o.get("PartName")}
    worksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    assert overrides["/xl/worksheets/sheet4.xml"] == worksheet
    assert overrides["/xl/worksheets/sheet5.xml"] == worksheet
    rels = {r.get("Id"): r.get("Target") for r in xml(p["xl/_rels/workbook.xml.rels"])}
    assert len(rels) == len(set(rels)) and "worksheets/sheet4.xml" in rels.values()
    names = {(n.get("name"), n.get("localSheetId")): (n.text, n.get("hidden"))
             for n in xml(p["xl/workbook.xml"]).find("m:definedNames", NS)}
    assert names[("_xlnm._FilterDatabase", "3")] == ("'Summary'!$A$3:$D$33", "1")
    assert names[("_xlnm.Print_Titles", "3")] == ("'Summary'!$3:$3", None)
    assert names[("_xlnm._FilterDatabase", "0")] == ("Plan!$A$3:$G$13", "1"), "the staff's own filter stays"
    app = xml(p["docProps/app.xml"])
    titles = [t.text for t in app.find("ep:TitlesOfParts/vt:vector", NS)]
    assert titles[:5] == ["Plan", "Lists", "Data", "Summary", OWNED_STATE_SHEET]
    pairs = [v[0].text for v in app.find("ep:HeadingPairs/vt:vector", NS)]
    assert pairs[:2] == ["Worksheets", "5"]
    assert app.find("ep:TitlesOfParts/vt:vector", NS).get("size") == str(len(titles))


def test_board_sheet_xml_layout_print_setup_and_values(plan: Path):
    run(plan, board_spec("'Plan'!D4"))
    root = xml(parts(plan)["xl/worksheets/sheet4.xml"])
    assert [etree.QName(e).localname for e in root] == [
        "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "autoFilter", "hyperlinks",
        "printOptions", "pageMargins", "pageSetup", "headerFooter"]
    assert root.find("m:sheetPr/m:tabColor", NS).get("rgb") == "FF1F3864"
    assert root.find("m:sheetPr/m:pageSetUpPr", NS).get("fitToPage") == "1"
    assert root.find("m:dimension", NS).get("ref") == "A1:D34"
    pane = root.find("m:sheetViews/m:sheetView/m:pane", NS)
    assert dict(pane.attrib) == {"ySplit": "3", "topLeftCell": "A4", "activePane": "bottomLeft", "state": "frozen"}
    assert [(c.get("min"), c.get("width")) for c in root.find("m:cols", NS)] == [
        ("1", "10"), ("2", "45"), ("3", "14"), ("4", "10")]
    setup = root.find("m:pageSetup", NS)
    assert (setup.get("orientation"), setup.get("paperSize"), setup.get("fitToWidth"), setup.get("fitToHeight")) \
        == ("landscape", "9", "1", "0")
    assert root.find("m:headerFooter/m:oddHeader", NS).text == "&CSummary && overdue - as of 22 Nov 2026"
    assert root.find("m:autoFilter", NS).get("ref") == "A3:D33"
    link = root.find("m:hyperlinks/m:hyperlink", NS)
    assert dict(link.attrib) == {"ref": "A4", "location": "'Plan'!D4", "display": "A1"}
    assert root.find(".//m:f", NS) is None, "ehxl never writes a formula"
    b4 = root.find("m:sheetData/m:row/m:c[@r='B4']", NS)
    assert b4.get("t") == "inlineStr" and b4.find("m:is/m:t", NS).text == "=1+1"
    c4 = root.find("m:sheetData/m:row/m:c[@r='C4']", NS)
    assert c4.find("m:v", NS).text == "46023" and c4.get("t") is None   # 1 Jan 2026
    assert root.find("m:sheetData/m:row/m:c[@r='D5']/m:v", NS).text == "0.025"
    assert root.find("m:sheetData/m:row/m:c[@r='B9']/m:is/m:t", NS).get(
        "{http://www.w3.org/XML/1998/namespace}space") == "preserve"


def test_board_styles_are_what_their_names_say(plan: Path):
    run(plan, board_spec("'Plan'!D4"))
    summary = "Summary"
    header = xf(plan, int(cell(plan, summary, "A3").get("s")))
    assert (header["bold"], header["font_rgb"], header["fill_rgb"], header["wrap"]) == (True, "FFFFFFFF",
                                                                                       "FF1F3864", "1")
    date = xf(plan, int(cell(plan, summary, "C4").get("s")))
    pct = xf(plan, int(cell(plan, summary, "D4").get("s")))
    numfmts = {n.get("numFmtId"): n.get("formatCode")
               for n in xml(parts(plan)["xl/styles.xml"]).find("m:numFmts", NS)}
    assert numfmts[date["numFmtId"]] == "d mmm yyyy" and int(date["numFmtId"]) >= 164
    assert numfmts[pct["numFmtId"]] == "0.0%"
    assert xf(plan, int(cell(plan, summary, "A1").get("s")))["bold"] is True
    assert xf(plan, int(cell(plan, summary, "A2").get("s")))["italic"] is True


def test_openpyxl_reads_the_board_sheet_back_exactly(plan: Path):
    openpyxl = pytest.importorskip("openpyxl")
    run(plan, board_spec("'Plan'!D4"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(plan, read_only=True)
        rows = [list(r) for r in wb["Summary"].iter_rows(values_only=True)]
        wb.close()
    assert rows[0][0] == "Early Help board summary"
    assert rows[2] == ["Ref", "Action", "Deadline", "Done"]
    assert rows[3] == ["A1", "=1+1", dt.datetime(2026, 1, 1), 0]
    assert [r[1] for r in rows[4:10]] == ["+44 1332 123456", "-5 days late", "@owner please check",
                                          'Plain & <simple> "quoted"', "  padded  ", "ctrlchar"]
    assert rows[32] == ["A30", "Action number 30", dt.datetime(2026, 1, 30), 0.725]
    assert rows[33] == ["Total", None, None, 0.5]


def test_flagged_cells_keep_their_number_format_and_border(plan: Path):
    before_s = int(cell(plan, "Plan", "D4").get("s"))
    run(plan, None, "Plan", ["D4"])
    original = xf(plan, before_s)
    flagged = xf(plan, int(cell(plan, "Plan", "D4").get("s")))
    assert (flagged["pattern"], flagged["fill_rgb"], flagged["font_rgb"], flagged["bold"]) == (
        "solid", "FFFFC7CE", "FF9C0006", True)
    assert (flagged["numFmtId"], flagged["borderId"]) == (original["numFmtId"], original["borderId"])


def test_flags_sync_restore_and_count(plan: Path):
    original = {ref: cell(plan, "Plan", ref).get("s") for ref in ("D4", "D5", "E6", "D7")}
    assert run(plan, None, "Plan", ["D4", "D5", "E6"])[0] == 3
    flagged_d5 = cell(plan, "Plan", "D5").get("s")
    assert run(plan, None, "Plan", ["d5", "$D$7"])[0] == 3        # D4, E6 restored; D7 flagged
    assert cell(plan, "Plan", "D4").get("s") == original["D4"]
    assert cell(plan, "Plan", "E6").get("s") == original["E6"]
    assert cell(plan, "Plan", "D5").get("s") == flagged_d5
    assert cell(plan, "Plan", "D7").get("s") != original["D7"]
    assert run(plan, None, "Plan", ["D5", "D7"])[0] == 0
    assert WorkbookWriter(Package.open(plan)).flagged() == {"Plan": {"D5", "D7"}}


def test_a_cell_without_a_c_element_is_skipped(plan: Path):
    assert run(plan, None, "Plan", ["Z99", "D4"])[0] == 1
    assert WorkbookWriter(Package.open(plan)).flagged() == {"Plan": {"D4"}}


def test_a_cell_restyled_by_staff_is_left_alone_on_restore(plan: Path):
    run(plan, None, "Plan", ["D4", "D5"])
    sheet = parts(plan)["xl/worksheets/sheet1.xml"]
    flagged_s = cell(plan, "Plan", "D4").get("s")
    restyled = sheet.replace(f'<c r="D4" s="{flagged_s}"'.encode(), b'<c r="D4" s="0"')
    assert restyled != sheet
    rewrite(plan, **{"xl__worksheets__sheet1.xml": restyled})
    writer = WorkbookWriter(Package.open(plan))
    assert writer.clear_flags("Plan") == 1
    writer.save(backup=False)
    assert cell(plan, "Plan", "D4").get("s") == "0"
    assert WorkbookWriter(Package.open(plan)).flagged() == {}


def test_flags_follow_a_renamed_staff_sheet(plan: Path):
    run(plan, None, "Plan", ["D4"])
    wb = parts(plan)["xl/workbook.xml"].replace(b'name="Plan"', b'name="Plan 2026"')
    rewrite(plan, **{"xl__workbook.xml": wb})
    writer = WorkbookWriter(Package.open(plan))
    assert writer.flagged() == {"Plan 2026": {"D4"}}
    assert writer.flag_cells("Plan 2026", []) == 1


def test_cells_without_a_reference_are_found_by_position(plan: Path):
    """Some tools omit r= on cells; the cell's place in its row says where it is."""
    sheet = parts(plan)["xl/worksheets/sheet1.xml"]
    row = sheet[sheet.index(b'<row r="5"'):]
    row = row[:row.index(b"</row>")]
    assert row.count(b' r="') == 8    # the row and its 7 cells A5:G5
    bare = re.sub(rb'<c r="[A-G]5"', b"<c", row)
    assert bare.count(b' r="') == 1
    rewrite(plan, **{"xl__worksheets__sheet1.xml": sheet.replace(row, bare)})
    original_s = xml(parts(plan)["xl/worksheets/sheet1.xml"]).find("m:sheetData/m:row[@r='5']", NS)[3].get("s")
    assert run(plan, None, "Plan", ["D5"])[0] == 1
    d5 = xml(parts(plan)["xl/worksheets/sheet1.xml"]).find("m:sheetData/m:row[@r='5']", NS)[3]
    assert d5.get("r") is None and d5.get("s") != original_s
    assert xf(plan, int(d5.get("s")))["fill_rgb"] == "FFFFC7CE"
    assert run(plan, None, "Plan", [])[0] == 1
    d5 = xml(parts(plan)["xl/worksheets/sheet1.xml"]).find("m:sheetData/m:row[@r='5']", NS)[3]
    assert d5.get("s") == original_s


def test_saving_elsewhere_leaves_the_staff_file_alone(plan: Path, tmp_path: Path):
    before = plan.read_bytes()
    writer = WorkbookWriter(Package.open(plan))
    writer.put_sheet(board_spec("'Plan'!D4"))
    writer.flag_cells("Plan", ["D4"])
    out = tmp_path / "board.xlsm"
    report = writer.save(out, backup=False)
    assert Path(report.path) == out
    assert plan.read_bytes() == before
    assert WorkbookWriter(Package.open(out)).owned_sheets() == ["Summary"]


def test_nothing_to_change_leaves_the_file_alone(plan: Path):
    run(plan, board_spec("'Plan'!D4"), "Plan", ["D4"])
    stamp = plan.stat().st_mtime_ns, plan.read_bytes()
    run(plan, board_spec("'Plan'!D4"), "Plan", ["D4"])
    assert (plan.stat().st_mtime_ns, plan.read_bytes()) == stamp


def test_a_staff_sheet_named_like_a_board_sheet_is_refused_and_the_file_untouched(tmp_path: Path):
    path = staff_workbook(tmp_path / "plan.xlsx", extra_sheet="summary")
    before = path.read_bytes()
    writer = WorkbookWriter(Package.open(path))
    with pytest.raises(WorkbookRefused) as err:
        writer.put_sheet(board_spec("'Plan'!D4"))
    assert str(err.value) == ('plan.xlsx: already has a sheet named "summary" that ehxl did not create, and ehxl '
                              'will not overwrite it. Rename your sheet (for example to "summary (team)") and run '
                              'ehxl again.')
    assert path.read_bytes() == before


def test_a_staff_sheet_taking_the_name_of_a_deleted_board_sheet_is_refused(plan: Path):
    run(plan, board_spec("'Plan'!D4"))
    wb = parts(plan)["xl/workbook.xml"].replace(b'name="Summary" sheetId="4"', b'name="Summary" sheetId="9"')
    rewrite(plan, **{"xl__workbook.xml": wb})
    with pytest.raises(WorkbookRefused, match='sheet named "Summary" that ehxl did not create'):
        WorkbookWriter(Package.open(plan)).put_sheet(board_spec("'Plan'!D4"))


def test_replacing_a_board_sheet_keeps_its_place_and_ids(plan: Path):
    run(plan, board_spec("'Plan'!D4"))
    run(plan, board_spec("'Plan'!D4", name="Overdue"))
    first = parts(plan)
    spec = board_spec("'Plan'!D5")
    spec.rows[1] = [Cell("As of 23 Nov 2026", "subtitle")]
    run(plan, spec)
    p = parts(plan)
    def ids(workbook: bytes) -> list[tuple]:
        return [(s.get("name"), s.get("sheetId"), s.get(f"{{{R}}}id")) for s in xml(workbook).find("m:sheets", NS)]
    sheets = ids(p["xl/workbook.xml"])
    assert sheets == ids(first["xl/workbook.xml"])
    assert [s[0] for s in sheets] == ["Plan", "Lists", "Data", "Summary", OWNED_STATE_SHEET, "Overdue"]
    changed = {n for n in p if p[n] != first.get(n)}
    assert changed == {"xl/worksheets/sheet4.xml"}
    assert WorkbookWriter(Package.open(plan)).owned_sheets() == ["Summary", "Overdue"]


def test_charts_are_drawn_and_replaced_without_orphans(plan: Path):
    two = [Chart("line", "Referrals by quarter", (Series("Referrals", "'Summary'!$A$4:$A$7", "'Summary'!$D$4:$D$7"),),
                 anchor="F3", y_title="Referrals"),
           Chart("bar_stacked_100", "Status by theme", (Series("Green", "'Summary'!$A$4:$A$7", "'Summary'!$D$4:$D$7"),
                                                        Series("Red", "'Summary'!$A$4:$A$7", "'Summary'!$D$8:$D$11")),
                 anchor="F20", size=(6, 12))]
    run(plan, board_spec("'Plan'!D4", charts=two))
    p = parts(plan)
    run(plan, board_spec("'Plan'!D4", charts=two))
    assert parts(plan) == p, "charts too are written the same way twice"
    assert p["xl/charts/chart1.xml"] == parts(staff_workbook(plan.parent / "again.xlsx"))["xl/charts/chart1.xml"]
    sheet_rels = xml(p["xl/worksheets/_rels/sheet4.xml.rels"])
    drawing = next(r.get("Target") for r in sheet_rels if r.get("Type").endswith("/drawing"))
    assert drawing == "../drawings/drawing2.xml"
    assert xml(p["xl/worksheets/sheet4.xml"]).find("m:drawing", NS) is not None
    anchors = xml(p["xl/drawings/drawing2.xml"]).findall("xdr:twoCellAnchor", NS)
    assert [(a.find("xdr:from/xdr:col", NS).text, a.find("xdr:from/xdr:row", NS).text,
             a.find("xdr:to/xdr:col", NS).text, a.find("xdr:to/xdr:row", NS).text) for a in anchors] == [
        ("5", "2", "13", "17"), ("5", "19", "11", "31")]
    charts = {r.get("Target") for r in xml(p["xl/drawings/_rels/drawing2.xml.rels"])}
    assert charts == {"../charts/chart2.xml", "../charts/chart3.xml"}
    line = xml(p["xl/charts/chart2.xml"])
    assert line.find(".//c:lineChart/c:ser/c:cat/c:strRef/c:f", NS).text == "'Summary'!$A$4:$A$7"
    assert line.find(".//c:lineChart/c:ser/c:val/c:numRef/c:f", NS).text == "'Summary'!$D$4:$D$7"
    assert [v.text for v in line.findall(".//c:val//c:pt/c:v", NS)] == ["0", "0.025", "0.05", "0.075"]
    assert line.find(".//c:title//a:t", {**NS, "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
                     ).text == "Referrals by quarter"
    assert line.find(".//c:legend", NS) is not None
    bar = xml(p["xl/charts/chart3.xml"]).find(".//c:barChart", NS)
    assert (bar.find("c:barDir", NS).get("val"), bar.find("c:grouping", NS).get("val"),
            bar.find("c:overlap", NS).get("val"), len(bar.findall("c:ser", NS))) == (
        "bar", "percentStacked", "100", 2)
    chart_type = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    overrides = {o.get("PartName"): o.get("ContentType") for o in xml(p["[Content_Types].xml"]) if o.get("PartName")}
    assert overrides["/xl/charts/chart3.xml"] == chart_type

    one = [Chart("column", "Overdue by owner", (Series("Overdue", "'Summary'!$A$4:$A$7", "'Summary'!$D$4:$D$7"),),
                 anchor="F3")]
    run(plan, board_spec("'Plan'!D4", charts=one))
    p = parts(plan)
    assert "xl/charts/chart3.xml" not in p and "/xl/charts/chart3.xml" not in {
        o.get("PartName") for o in xml(p["[Content_Types].xml"])}
    column = xml(p["xl/charts/chart2.xml"]).find(".//c:barChart", NS)
    assert (column.find("c:barDir", NS).get("val"), column.find("c:grouping", NS).get("val")) == ("col", "clustered")
    assert {r.get("Target") for r in xml(p["xl/drawings/_rels/drawing2.xml.rels"])} == {"../charts/chart2.xml"}

    run(plan, board_spec("'Plan'!D4"))
    p = parts(plan)
    assert not any(n.startswith(("xl/drawings/drawing2", "xl/charts/chart2", "xl/drawings/_rels/drawing2"))
                   for n in p)
    assert "xl/worksheets/_rels/sheet4.xml.rels" not in p
    assert "xl/charts/chart1.xml" in p and "xl/drawings/drawing1.xml" in p, "the staff's chart stays"


def test_a_url_link_gets_an_external_relationship(plan: Path):
    spec = board_spec("'Plan'!D4")
    spec.add_row(Cell("Guidance", "link", link="https://www.example.org/guide?a=1&b=2"))
    run(plan, spec)
    p = parts(plan)
    rels = xml(p["xl/worksheets/_rels/sheet4.xml.rels"])
    assert [(r.get("Target"), r.get("TargetMode")) for r in rels] == [("https://www.example.org/guide?a=1&b=2",
                                                                      "External")]
    link = xml(p["xl/worksheets/sheet4.xml"]).find("m:hyperlinks/m:hyperlink[@ref='A35']", NS)
    assert link.get(f"{{{R}}}id") == rels[0].get("Id")


def test_dates_in_a_1904_workbook(tmp_path: Path):
    path = staff_workbook(tmp_path / "plan1904.xlsx", date_1904=True)
    run(path, board_spec("'Plan'!D4"))
    assert cell(path, "Summary", "C4").find("m:v", NS).text == "44561"   # 1 Jan 2026 counted from 1904


def test_long_text_is_capped_and_control_characters_dropped(plan: Path):
    spec = SheetSpec("Validation")
    spec.add_row(Cell("x" * 40_000), Cell("bell\x07 and \x0b tab\tnewline\n"), Cell(True), Cell(float("nan")))
    run(plan, spec)
    c = {ref: cell(plan, "Validation", ref) for ref in ("A1", "B1", "C1", "D1")}
    assert len(c["A1"].find("m:is/m:t", NS).text) == 32_767
    assert c["B1"].find("m:is/m:t", NS).text == "bell and  tab\tnewline\n"
    assert (c["C1"].get("t"), c["C1"].find("m:v", NS).text) == ("b", "1")
    assert (c["D1"].get("t"), c["D1"].find("m:v", NS).text) == ("e", "#NUM!")


def test_calc_chain_entries_of_a_replaced_board_sheet_are_dropped(plan: Path):
    run(plan, board_spec("'Plan'!D4"))
    chain = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><calcChain xmlns="{M}">'
             '<c r="G14" i="1"/><c r="F14"/><c r="E2" i="4"/><c r="E3"/><c r="A1" i="1"/></calcChain>').encode()
    p = parts(plan)
    rels = p["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    types = p["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.calcChain+xml"/></Types>')
    rewrite(plan, **{"xl__calcChain.xml": chain, "xl___rels__workbook.xml.rels": rels, "[Content_Types].xml": types})
    run(plan, board_spec("'Plan'!D5"))
    kept = [(c.get("r"), c.get("i")) for c in xml(parts(plan)["xl/calcChain.xml"])]
    assert kept == [("G14", "1"), ("F14", None), ("A1", "1")]


def test_strict_workbooks_are_refused_for_writing():
    path = SAMPLES / "poi__sample.strict.xlsx"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    pkg = Package.open(path)
    writer = WorkbookWriter(pkg)
    assert writer.owned_sheets() == [] and writer.flagged() == {}
    with pytest.raises(WorkbookRefused) as err:
        writer.put_sheet(board_spec("'Sheet1'!A1"))
    assert str(err.value).startswith("poi__sample.strict.xlsx: is saved as Strict Open XML; save it as a normal "
                                     "Excel Workbook")


def test_unknown_style_and_bad_sheet_names_are_programming_errors(plan: Path):
    writer = WorkbookWriter(Package.open(plan))
    with pytest.raises(ValueError, match="unknown sheet style"):
        writer.put_sheet(SheetSpec("Summary", rows=[[Cell("x", "shiny")]]))
    with pytest.raises(ValueError, match="not a sheet name"):
        writer.put_sheet(SheetSpec("Q1/Q2"))
    with pytest.raises(ValueError, match="records sheet"):
        writer.put_sheet(SheetSpec(OWNED_STATE_SHEET.upper()))


@pytest.mark.libreoffice
def test_libreoffice_opens_the_staff_workbook_with_the_board_sheet(plan: Path, tmp_path: Path):
    run(plan, board_spec("'Plan'!D4"), "Plan", ["D4", "E6", "G14"])
    rows = libreoffice_csv(plan, tmp_path, "Summary")
    assert rows[2] == ["Ref", "Action", "Deadline", "Done"]
    assert rows[3][:2] == ["A1", "=1+1"]
    assert [r[1] for r in rows[4:7]] == ["+44 1332 123456", "-5 days late", "@owner please check"]


@pytest.mark.libreoffice
def test_records_survive_a_libreoffice_resave(plan: Path, tmp_path: Path):
    """LibreOffice (like Excel) turns the records' inline strings into shared strings; ehxl still reads them."""
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed")
    run(plan, board_spec("'Plan'!D4"), "Plan", ["D4", "E6"])
    out = tmp_path / "resaved"
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(plan)], check=True, capture_output=True,
                   timeout=240)
    resaved = out / "plan.xlsx"
    assert b't="s"' in parts(resaved)[sheet_parts(resaved)[OWNED_STATE_SHEET]]
    writer = WorkbookWriter(Package.open(resaved))
    assert writer.owned_sheets() == ["Summary"]
    assert writer.flagged() == {"Plan": {"D4", "E6"}}


# ------------------------------------------------------------------ the real sample workbooks

@pytest.mark.samples
@pytest.mark.parametrize("name", SAMPLE_FILES or ["(samples absent)"])
def test_sample_workbook_keeps_everything_ehxl_does_not_own(name: str, tmp_path: Path):
    if not SAMPLE_FILES:
        pytest.skip(f"{SAMPLES} is absent")
    path = tmp_path / name
    shutil.copyfile(SAMPLES / name, path)
    try:
        pkg = Package.open(path)
    except WorkbookRefused as exc:
        pytest.skip(f"Package.open refuses {name}: {exc}")
    if pkg.strict:
        before = path.read_bytes()
        with pytest.raises(WorkbookRefused, match="Strict Open XML"):
            WorkbookWriter(pkg).put_sheet(board_spec("'Sheet1'!A1"))
        assert path.read_bytes() == before
        return
    if b'lockStructure="1"' in pkg.read(pkg.workbook_part):
        before = path.read_bytes()
        with pytest.raises(WorkbookRefused, match=r"structure protected \(Review > Protect Workbook\)"):
            WorkbookWriter(pkg).put_sheet(board_spec("'Sheet1'!A1"))
        assert path.read_bytes() == before
        return
    sheet, cells = first_cells(pkg)
    check_fidelity(path, sheet, cells)


@pytest.mark.samples
@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["fibonacci.xlsm", "poi__simple-monthly-budget.xlsx",
                                  "closedxml__ValidationWithSheetReference.xlsx"])
def test_libreoffice_opens_samples_after_ehxl_wrote(name: str, tmp_path: Path):
    if not (SAMPLES / name).exists():
        pytest.skip(f"{SAMPLES / name} is absent")
    path = tmp_path / name
    shutil.copyfile(SAMPLES / name, path)
    pkg = Package.open(path)
    sheet, cells = first_cells(pkg)
    run(path, board_spec(f"'{sheet}'!{cells[0]}"), sheet, cells)
    rows = libreoffice_csv(path, tmp_path, "Summary")
    assert rows[3][:2] == ["A1", "=1+1"]


@pytest.mark.parametrize("xml", [
    b'<worksheet xmlns="%s"><sheetPr codeName="Sheet7"/><sheetData/></worksheet>' % M.encode(),
    b'<?xml version="1.0"?><x:worksheet xmlns:x="%s"><!-- c --><x:dimension ref="A1"/>'
    b'<x:sheetPr codeName="Board"><x:sheetPr codeName="Inner"/></x:sheetPr></x:worksheet>' % M.encode(),
    b'<worksheet xmlns="%s"><sheetPr/><sheetPr codeName="Second"/></worksheet>' % M.encode(),
    b'<workbook xmlns="%s"><workbookPr codeName="ThisWorkbook"/></workbook>' % M.encode(),
    b'<worksheet xmlns="%s"><sheetData><row><c><sheetPr codeName="Deep"/></c></row></sheetData></worksheet>'
    % M.encode(),
    b'<worksheet><sheetPr codeName="NoNamespace"/></worksheet>',
])
def test_part_code_name_finds_what_the_parsed_tree_gives(xml):
    """A replaced ehxl sheet's code name is read without building its tree, and it is the tree's answer."""
    from ehxl.parts import parse_part, part_code_name
    from ehxl.workbook_part import sheet_code_name

    assert part_code_name(xml, "xl/worksheets/sheet1.xml") == \
        sheet_code_name(parse_part(xml, "xl/worksheets/sheet1.xml").getroot())


def test_part_code_name_reads_up_to_the_cells_but_checks_the_whole_part():
    """The name is looked for before the cells only (where Excel and ehxl write it), yet a part garbled after
    its 20,000th row is refused all the same."""
    from ehxl.parts import part_code_name

    rows = b'<row r="1"><c r="A1"><v>1</v></c></row>' * 20_000
    whole = b'<worksheet xmlns="%s"><sheetPr codeName="Board"/><sheetData>%s</sheetData></worksheet>' % (
        M.encode(), rows)
    assert part_code_name(whole, "xl/worksheets/sheet3.xml") == "Board"
    with pytest.raises(WorkbookRefused, match="garbled"):
        part_code_name(whole[:-12], "xl/worksheets/sheet3.xml")
    late = b'<worksheet xmlns="%s"><sheetData/><sheetPr codeName="Late"/></worksheet>' % M.encode()
    assert part_code_name(late, "xl/worksheets/sheet3.xml") is None


@pytest.mark.parametrize("xml", [b'<worksheet><sheetPr codeName="A"></worksheet>',
                                 b'<!DOCTYPE worksheet><worksheet><sheetPr codeName="A"/></worksheet>'])
def test_part_code_name_refuses_what_parse_part_refuses(xml):
    from ehxl.parts import parse_part, part_code_name

    with pytest.raises(WorkbookRefused) as parsed:
        parse_part(xml, "xl/worksheets/sheet2.xml")
    with pytest.raises(WorkbookRefused) as scanned:
        part_code_name(xml, "xl/worksheets/sheet2.xml")
    assert str(scanned.value) == str(parsed.value)


@pytest.mark.parametrize("rows", [10, 3_000, 40_000])
def test_a_part_written_a_row_at_a_time_is_held_whole_while_small_and_deflated_once_large(rows):
    from ehxl.package import Deflated
    from ehxl.parts import KEPT_DEFLATED, PartWriter

    content = [b'<row r="%d"><c><v>%d</v></c></row>' % (n, n * 7) for n in range(rows)]
    writer = PartWriter()
    for row in content:
        writer.write(row)
    whole = b"".join(content)
    if len(whole) < KEPT_DEFLATED:
        assert writer.result() == whole
    else:
        assert writer.result() == Deflated.of(whole)


def test_a_large_board_sheet_kept_deflated_until_the_save_is_saved_whole_and_left_alone_when_unchanged(plan):
    """A rendered part of a megabyte or more waits for the save deflated: the file holds what was rendered,
    ``changes()`` shows it whole, and an identical run, or a changed one, behaves as for a small sheet."""
    from ehxl.parts import KEPT_DEFLATED

    def spec(word: str) -> SheetSpec:
        return SheetSpec("Overdue", [[Cell(f"{word} {n}"), Cell(n), Cell("x" * 40)] for n in range(20_000)])

    writer = WorkbookWriter(Package.open(plan))
    writer.put_sheet(spec("Action"))
    pending = writer.changes()
    big = [name for name, data in pending.items() if data is not None and len(data) >= KEPT_DEFLATED]
    assert len(big) == 1
    writer.save(backup=False)
    saved = parts(plan)
    assert saved[big[0]] == pending[big[0]]
    assert b"<c r=\"A20000\"" in saved[big[0]] and saved[big[0]].endswith(b"</worksheet>")

    assert run(plan, spec("Action"))[1].changed == []
    assert parts(plan) == saved, "a second identical run changes no part at all"
    report = run(plan, spec("Task"))[1]
    assert report.changed == [big[0]]
    assert b"Task 19999" in parts(plan)[big[0]]

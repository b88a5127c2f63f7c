"""`ehxl macros install`: ehxl's VBA module and buttons written into a real workbook, without Excel.

The results are read back with independent tools: zipfile and lxml for the
parts, oletools' olevba for the VBA source, LibreOffice for opening the file.
"""
from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from ehxl import api, excel
from ehxl.errors import EhxlError
from ehxl.workbook_macros import BUTTONS, Geometry, place
from fidelity import digests
from plans import derby_like_plan
import libreoffice

REPO = Path(__file__).resolve().parents[1]
BAS = (REPO / "macros" / "ehxl.bas").read_text()
AS_OF = date(2015, 11, 2)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
V = "urn:schemas-microsoft-com:vml"
X = "urn:schemas-microsoft-com:office:excel"
SAMPLES = REPO.parent / "shared" / "samples"
CT_MACROS = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _buttons(parts: dict[str, bytes]) -> list[tuple[str, str, list[int]]]:
    """(caption, macro, anchor) of every VML button in the package."""
    out = []
    for name, data in sorted(parts.items()):
        if not name.endswith(".vml"):
            continue
        root = etree.fromstring(data)
        for shape in root.iter(f"{{{V}}}shape"):
            data_el = shape.find(f"{{{X}}}ClientData")
            if data_el is None or data_el.get("ObjectType") != "Button":
                continue
            caption = "".join(shape.find(f"{{{V}}}textbox").itertext()).strip()
            macro = data_el.findtext(f"{{{X}}}FmlaMacro")
            anchor = [int(v) for v in data_el.findtext(f"{{{X}}}Anchor").split(",")]
            out.append((caption, macro, anchor))
    return out


def _olevba_modules(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {vba_filename: code for _, _, vba_filename, code in parser.extract_macros()}
    finally:
        parser.close()


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").rstrip("\n").split("\n")


# ------------------------------------------------------------------ where the buttons go

def test_buttons_stack_one_under_another_right_of_the_plan():
    # columns A-E are 145 px (XlsxWriter width 20), F and G the default 64 px, rows the default 20 px.
    # first free column after E with one left blank is G (index 6): left = 5*145 + 64 + 8 = 797 px.
    geometry = Geometry(first_col=6, col_px=(145,) * 5 + (64,) * 8, row_px=())
    placed = place(geometry)
    assert [p.caption for p in placed] == ["Validate", "Flag overdue", "Roll up", "Clear flags"]
    # button 1: x 797..925 -> G+8 to I+8; y 8..38 -> row 0 +8 to row 1 +18
    assert placed[0].anchor == (6, 8, 0, 8, 8, 8, 1, 18)
    # button 2: y 46..76 -> row 2 +6 to row 3 +16
    assert placed[1].anchor == (6, 8, 2, 6, 8, 8, 3, 16)
    assert (placed[0].left_pt, placed[0].top_pt) == (797 * 0.75, 6.0)


def test_tall_title_rows_hold_the_buttons_within_them():
    geometry = Geometry(first_col=1, col_px=(64,) * 10, row_px=(100, 20))     # row 1 is 100 px high
    placed = place(geometry)
    assert placed[0].anchor[2:4] == (0, 8) and placed[0].anchor[6:8] == (0, 38)
    assert placed[2].anchor[2:4] == (0, 84) and placed[2].anchor[6:8] == (1, 14)  # y 84..114


# ------------------------------------------------------------------ install on a plan

@pytest.fixture()
def plan(tmp_path) -> Path:
    return derby_like_plan(tmp_path / "plan.xlsx")


def test_install_writes_an_xlsm_beside_the_xlsx_and_keeps_every_staff_part(plan):
    before = plan.read_bytes()
    result = api.install_macros(plan)
    assert plan.read_bytes() == before                          # the .xlsx is left exactly as it was
    assert result.written == plan.with_suffix(".xlsm")
    assert result.sheet == "Action plan"                       # no Summary yet: the plan itself
    old, new = _parts(plan), _parts(result.written)
    touched = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"}
    for name, data in old.items():
        if name not in touched:
            assert new[name] == data, f"{name} changed"
    added = set(new) - set(old)
    assert added == {"xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml", "xl/worksheets/_rels/sheet1.xml.rels"}
    types = etree.fromstring(new["[Content_Types].xml"])
    by_part = {el.get("PartName"): el.get("ContentType") for el in types}
    assert by_part["/xl/workbook.xml"] == CT_MACROS
    assert by_part["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    wb = etree.fromstring(new["xl/workbook.xml"])
    assert wb.find(f"{{{MAIN}}}workbookPr").get("codeName") == "ThisWorkbook"
    rels = new["xl/_rels/workbook.xml.rels"].decode()
    assert 'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"' in rels
    # the plan sheet: the same cells, plus one legacyDrawing pointing at the buttons
    sheet_old, sheet_new = etree.fromstring(old["xl/worksheets/sheet1.xml"]), etree.fromstring(
        new["xl/worksheets/sheet1.xml"])
    assert etree.tostring(sheet_old.find(f"{{{MAIN}}}sheetData")) == etree.tostring(
        sheet_new.find(f"{{{MAIN}}}sheetData"))
    assert len(sheet_new.findall(f"{{{MAIN}}}legacyDrawing")) == 1
    names = [etree.QName(c).localname for c in sheet_new]
    assert names.index("legacyDrawing") > names.index("pageMargins")
    captions = [(c, m) for c, m, _ in _buttons(new)]
    assert captions == [("Validate", "[0]!EhxlValidate"), ("Flag overdue", "[0]!EhxlFlagOverdue"),
                        ("Roll up", "[0]!EhxlRollup"), ("Clear flags", "[0]!EhxlClearFlags")]


def test_every_button_calls_a_sub_of_the_module_and_every_sub_an_entry_point(plan):
    written = api.install_macros(plan).written
    modules = _olevba_modules(written)
    assert _lines(modules["ehxl.bas"]) == _lines(BAS)      # olevba extracts exactly the .bas source
    subs = set(re.findall(r"^Sub (\w+)\(\)", modules["ehxl.bas"], re.M))
    for _, macro, _ in _buttons(_parts(written)):
        assert macro.removeprefix("[0]!") in subs
    for sub in subs:
        assert callable(getattr(excel, excel.SUBS[sub]))


def test_the_engine_reads_the_xlsm_as_it_read_the_xlsx(plan):
    xlsm = api.install_macros(plan).written
    a, b = api.validate(plan, as_of=AS_OF).analysis, api.validate(xlsm, as_of=AS_OF).analysis
    assert [x.ref for x in b.late] == [x.ref for x in a.late] == ["1.1", "1.3"]
    assert b.summary == a.summary


def test_rollup_keeps_the_macros_and_buttons_and_installing_on_summary_survives_a_refresh(plan):
    api.rollup(plan, as_of=AS_OF)
    result = api.install_macros(plan)
    assert result.sheet == "Summary"                           # ehxl's Summary is where a board reader looks
    xlsm = result.written
    first = _parts(xlsm)
    api.rollup(xlsm, as_of=AS_OF)                               # Summary is rendered anew
    again = _parts(xlsm)
    assert again["xl/vbaProject.bin"] == first["xl/vbaProject.bin"]
    assert _buttons(again) == _buttons(first)
    summary = api.WorkbookWriter(api.Package.open(xlsm))
    assert summary.button_sheets() == ["Summary"]


def test_installing_twice_changes_nothing(plan):
    xlsm = api.install_macros(plan).written
    before = xlsm.read_bytes()
    again = api.install_macros(xlsm)
    assert again.already and again.sheet == "Action plan" and again.written is None
    assert xlsm.read_bytes() == before


def test_a_named_sheet_gets_the_buttons(plan):
    result = api.install_macros(plan, sheet="Owners")
    assert result.sheet == "Owners"
    parts = _parts(result.written)
    owners_rels = [n for n in parts if n.startswith("xl/worksheets/_rels/")]
    assert len(owners_rels) == 1 and "vmlDrawing1.vml" in parts[owners_rels[0]].decode()


@pytest.mark.parametrize("case, message", [
    ("xlsm exists", "plan.xlsm: already exists; ehxl will not overwrite it"),
    ("out not xlsm", "board.xlsx: a workbook with macros must be saved as .xlsm, not .xlsx"),
    ("no such sheet", 'plan.xlsx: has no worksheet named "Nope" to put the buttons on.'),
])
def test_refusals_are_one_line_and_touch_nothing(plan, case, message):
    before = plan.read_bytes()
    kwargs = {}
    if case == "xlsm exists":
        plan.with_suffix(".xlsm").write_bytes(b"staff file")
    elif case == "out not xlsm":
        kwargs["out"] = plan.with_name("board.xlsx")
    else:
        kwargs["sheet"] = "Nope"
    with pytest.raises(EhxlError) as err:
        api.install_macros(plan, **kwargs)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
    assert plan.read_bytes() == before
    if case == "xlsm exists":
        assert plan.with_suffix(".xlsm").read_bytes() == b"staff file"


def test_a_sheet_with_comments_is_not_given_buttons(tmp_path):
    import xlsxwriter

    path = tmp_path / "noted.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, ["Ref", "Action", "Owner", "Deadline", "Status"])
    ws.write_row(1, 0, ["1.1", "Amend the data collection process", "Rachel Price", "By 1.7.15.", "In progress"])
    ws.write_comment("B2", "Agreed at the June board")
    wb.close()
    before = path.read_bytes()
    with pytest.raises(EhxlError, match='sheet "Plan" already has comments or form controls of its own'):
        api.install_macros(path)
    assert path.read_bytes() == before and not path.with_suffix(".xlsm").exists()


@pytest.mark.skipif(not (SAMPLES / "fibonacci.xlsm").exists(), reason=f"no sample workbooks at {SAMPLES}")
def _sample_with_plan(name: str, tmp_path: Path) -> Path:
    from fidelity import add_plan_sheet

    if not (SAMPLES / name).exists():
        pytest.skip(f"{SAMPLES / name} is absent")
    work = tmp_path / name
    add_plan_sheet(SAMPLES / name, work)
    return work


def test_a_workbook_with_macros_of_its_own_gets_a_new_file_holding_both(tmp_path):
    work = _sample_with_plan("fibonacci.xlsm", tmp_path)
    before = work.read_bytes()
    result = api.install_macros(work)
    assert result.written == tmp_path / "fibonacci with ehxl buttons.xlsm" and result.own_macros
    assert work.read_bytes() == before                               # the staff's own file is not touched
    kept, now = _olevba_modules(work), _olevba_modules(result.written)
    assert set(kept) == {"ThisWorkbook.cls", "Sheet1.cls", "Sheet2.cls", "examples.bas"}
    assert {n: now[n] for n in kept} == kept and _lines(now["ehxl.bas"]) == _lines(BAS)
    parts = _parts(result.written)
    assert [(c, m) for c, m, _ in _buttons(parts) if m.startswith("[0]!Ehxl")] == [
        ("Validate", "[0]!EhxlValidate"), ("Flag overdue", "[0]!EhxlFlagOverdue"), ("Roll up", "[0]!EhxlRollup"),
        ("Clear flags", "[0]!EhxlClearFlags")]
    fib = [(c, m) for c, m, _ in _buttons(parts) if not m.startswith("[0]!Ehxl")]
    assert fib == [(c, m) for c, m, _ in _buttons(_parts(work))]      # the workbook's own buttons, as they were
    assert api.install_macros(result.written).already


def test_a_project_locked_with_a_password_is_refused_untouched(tmp_path):
    work = _sample_with_plan("poi__mv-calculator-final-2-20-2013.xlsm", tmp_path)
    before = work.read_bytes()
    with pytest.raises(EhxlError) as err:
        api.install_macros(work)
    assert str(err.value) == (
        "poi__mv-calculator-final-2-20-2013.xlsm: has macros of its own, and its VBA project is locked with a "
        "password, so ehxl will not change them. Add ehxl's module by hand instead: run `ehxl macros export .` "
        "and in Excel press Alt+F11, File > Import File, ehxl.bas.")
    assert work.read_bytes() == before and not list(tmp_path.glob("* with ehxl buttons.xlsm"))


def test_signed_macros_are_refused_untouched(tmp_path):
    """A signature part related to the project, as Excel writes when a developer signs the macros."""
    work = _sample_with_plan("fibonacci.xlsm", tmp_path)
    signed = tmp_path / "signed.xlsm"
    sig_type = "http://schemas.microsoft.com/office/2006/relationships/vbaProjectSignature"
    with zipfile.ZipFile(work) as zin, zipfile.ZipFile(signed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/vbaProjectSignature.bin" ContentType='
                                    b'"application/vnd.ms-office.vbaProjectSignature"/></Types>')
            zout.writestr(info, data)
        zout.writestr("xl/_rels/vbaProject.bin.rels",
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
                      'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
                      f'{sig_type}" Target="vbaProjectSignature.bin"/></Relationships>')
        zout.writestr("xl/vbaProjectSignature.bin", b"\x00" * 64)
    before = signed.read_bytes()
    with pytest.raises(EhxlError, match=r"digitally signed.*ehxl macros export"):
        api.install_macros(signed)
    assert signed.read_bytes() == before


def test_cli_install(plan):
    from click.testing import CliRunner

    from ehxl.cli import main

    result = CliRunner().invoke(main, ["macros", "install", str(plan)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {plan.with_suffix('.xlsm')} with buttons Validate, Flag overdue, Roll up, Clear flags on " \
           "'Action plan'." in result.output
    assert "Enable Content" in result.output and "Properties, tick Unblock" in result.output
    again = CliRunner().invoke(main, ["macros", "install", str(plan)])
    assert again.exit_code == 2 and "already exists" in again.output


# ------------------------------------------------------------------ LibreOffice, the second engine

def libreoffice_basic_modules(path: Path, out: Path) -> dict[str, str]:
    """The Basic modules LibreOffice finds in a workbook: it opens it and saves it as .ods, which keeps them."""
    libreoffice.convert([path], "ods", out, timeout=300)
    ods = out / (path.stem + ".ods")
    assert ods.exists(), f"LibreOffice could not open {path.name}"
    modules = {}
    with zipfile.ZipFile(ods) as z:
        for name in z.namelist():
            if name.startswith("Basic/") and name.endswith(".xml") and not name.endswith(
                    ("script-lc.xml", "script-lb.xml")):
                root = etree.fromstring(z.read(name))
                modules[root.get("{http://openoffice.org/2000/script}name")] = root.text or ""
    return modules


@pytest.mark.libreoffice
def test_libreoffice_opens_the_installed_workbook_and_lists_the_module(plan, tmp_path):
    xlsm = api.install_macros(plan).written
    modules = libreoffice_basic_modules(xlsm, tmp_path / "lo")
    assert "ehxl" in modules
    for sub in ("EhxlValidate", "EhxlFlagOverdue", "EhxlRollup", "EhxlClearFlags"):
        assert f"Sub {sub}()" in modules["ehxl"]

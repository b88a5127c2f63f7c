"""Every part ehxl writes is valid against the ISO/IEC 29500 schemas, as Excel reads them.

A part the schemas reject is one Excel may "repair" (dropping what it cannot
read) or refuse, and staff take either for a broken workbook.  So the demo
workbooks, the templates and a button-installed workbook are checked part by
part (sheets, styles, workbook, shared strings, drawings, charts, VML, content
types, relationships), and on
every real sample in ../shared/samples each part that ``rollup`` +
``overdue --mark`` or ``macros install`` wrote or changed must be valid if it
was valid before (or is new).  Markup compatibility and ``xml:space`` are
handled as in tests/ooxml.py.
"""
from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

import ooxml
from ehxl import api, demo
from ehxl.errors import EhxlError
from ehxl.package import Package
from ehxl.templates import NAMES as TEMPLATES, template_path
from fidelity import add_plan_sheet
from plans import derby_like_plan

pytestmark = pytest.mark.skipif(not ooxml.available(), reason=f"no OOXML schemas at {ooxml.SCHEMAS}")

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
AS_OF = date(2015, 11, 2)
WORKSHEET = "SpreadsheetML_Worksheet.rng"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _writable_samples() -> list[Path]:
    """The samples ehxl opens and may write to (Strict Open XML is refused by every job)."""
    if not SAMPLES.is_dir():
        return []
    out = []
    for path in sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm")):
        try:
            pkg = Package.open(path)
        except EhxlError:
            continue
        if not pkg.strict:
            out.append(path)
        pkg.close()
    return out


WRITABLE = _writable_samples()
needs_samples = pytest.mark.skipif(not WRITABLE, reason=f"no sample workbooks at {SAMPLES}")


def _read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _assert_all_valid(path: Path) -> dict[str, str]:
    """Check the parts of ``path`` that have a schema; fail naming each invalid one. Returns {part: schema}.

    A part without a content type would escape the check (and Excel repairs such a package), so none may lack one.
    """
    with zipfile.ZipFile(path) as z:
        untyped = set(z.namelist()) - set(ooxml.content_types(z)) - {ooxml.CONTENT_TYPES}
    assert not untyped, f"{path.name}: no content type for {sorted(untyped)}"
    results, used = ooxml.check_parts(path)
    problems = [ooxml.describe(path, part, used[part], err) for part, err in results.items() if err]
    assert not problems, "\n".join(problems)
    return used


def _assert_kept_valid(before: dict[str, bytes], after: Path) -> int:
    """Each part that changed must be valid if it was valid before or is new; returns how many were checked."""
    changed = {n for n, data in _read_parts(after).items() if before.get(n) != data}
    results, used = ooxml.check_parts(after, changed)
    problems = []
    for part, err in results.items():
        if err and part not in before:
            problems.append(ooxml.describe(after, part, used[part], err) + " (a part ehxl added)")
        elif err and ooxml.first_error(used[part], before[part]) is None:
            problems.append(ooxml.describe(after, part, used[part], err) + " (valid before ehxl changed it)")
    assert not problems, "\n".join(problems)
    return len(results)


# ------------------------------------------------------------------ what ehxl makes itself

@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    demo.run(folder)
    return folder


@pytest.mark.parametrize("name", [book.file for book in demo.WORKBOOKS])
def test_every_part_of_the_demo_workbooks_is_valid(demo_dir, name):
    used = _assert_all_valid(demo_dir / name)
    assert WORKSHEET in used.values() and "SpreadsheetML_Styles.rng" in used.values()


def test_the_demo_covers_charts_and_drawings(demo_dir):
    used = set()
    for book in demo.WORKBOOKS:
        used |= set(ooxml.check_parts(demo_dir / book.file)[1].values())
    assert {"DrawingML_Chart.rng", "SpreadsheetML_Drawing.rng", "SpreadsheetML_Workbook.rng"} <= used


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_part_of_the_templates_is_valid(name):
    used = _assert_all_valid(template_path(name))
    assert {WORKSHEET, "SpreadsheetML_Shared_String_Table.rng"} <= set(used.values())
    if name.endswith(".xlsm"):
        assert "VML_Drawing.rng" in used.values()


def test_every_part_of_a_button_installed_workbook_is_valid(tmp_path):
    plan = derby_like_plan(tmp_path / "plan.xlsx")
    api.rollup(plan, as_of=AS_OF, backup=False)
    api.overdue(plan, as_of=AS_OF, mark=True, backup=False)
    written = api.install_macros(plan, backup=False).written
    used = _assert_all_valid(written)
    assert "VML_Drawing.rng" in used.values()


# ------------------------------------------------------------------ real workbooks

@pytest.fixture()
def staff_copy(tmp_path, request) -> tuple[Path, dict[str, bytes]]:
    """The sample with a staff action plan added (tests/fidelity.py), and its parts before ehxl runs."""
    work = tmp_path / request.param.name
    add_plan_sheet(request.param, work)
    return work, _read_parts(work)


@pytest.mark.samples
@needs_samples
@pytest.mark.parametrize("staff_copy", WRITABLE, ids=[p.name for p in WRITABLE], indirect=True)
def test_rollup_and_mark_keep_every_valid_part_valid(staff_copy):
    work, before = staff_copy
    try:
        api.rollup(work, as_of=AS_OF, backup=False)
        api.overdue(work, as_of=AS_OF, mark=True, backup=False)
    except EhxlError as exc:
        assert _read_parts(work) == before
        pytest.skip(f"refused, nothing written (test_fidelity checks the refusal): {exc}")
    assert _assert_kept_valid(before, work) > 0


@pytest.mark.samples
@needs_samples
@pytest.mark.parametrize("staff_copy", WRITABLE, ids=[p.name for p in WRITABLE], indirect=True)
def test_macros_install_keeps_every_valid_part_valid(staff_copy):
    work, before = staff_copy
    try:
        written = api.install_macros(work, backup=False).written
    except EhxlError as exc:
        assert _read_parts(work) == before
        pytest.skip(f"refused, nothing written (test_fidelity checks the refusal): {exc}")
    assert _assert_kept_valid(before, written) > 0


# ------------------------------------------------------------------ the guard itself

def _with_part(src: Path, dst: Path, part: str, data: bytes) -> Path:
    """A copy of a package with one part replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == part else zin.read(info.filename))
    return dst


def test_the_guard_names_the_file_part_and_error_of_a_sheet_out_of_order(demo_dir, tmp_path):
    book = demo_dir / demo.WORKBOOKS[0].file
    pkg = Package.open(book)
    part = next(s.part for s in pkg.sheets() if s.name == "Summary")
    pkg.close()
    root = etree.fromstring(_read_parts(book)[part])
    root.find(f"{{{MAIN}}}pageMargins").addnext(root.find(f"{{{MAIN}}}sheetData"))
    broken = _with_part(book, tmp_path / "broken.xlsx", part, etree.tostring(root))
    with pytest.raises(AssertionError) as err:
        _assert_all_valid(broken)
    first_line = str(err.value).splitlines()[0]
    assert first_line.startswith(f"broken.xlsx: {part} fails {WORKSHEET}: line 1: ")


def test_the_guard_rejects_a_cell_of_an_unknown_type():
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="text"><v>1</v></c></row>'
             '</sheetData></worksheet>').encode()
    assert ooxml.first_error(WORKSHEET, sheet) is not None
    assert ooxml.first_error(WORKSHEET, sheet.replace(b't="text"', b't="n"')) is None


def test_markup_compatibility_is_applied_before_validating():
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    x14ac = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
    body = ('<sheetData><row r="1" x14ac:dyDescent="0.25"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a '
            '</t></is></c></row></sheetData>'
            '<mc:AlternateContent><mc:Choice Requires="x14ac"><x14ac:new/></mc:Choice>'
            '<mc:Fallback><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '</mc:Fallback></mc:AlternateContent>')
    declared = f'xmlns="{MAIN}" xmlns:mc="{mc}" xmlns:x14ac="{x14ac}"'
    assert ooxml.first_error(WORKSHEET, f'<worksheet {declared} mc:Ignorable="x14ac">{body}</worksheet>'.encode()) \
        is None
    assert ooxml.first_error(WORKSHEET, f'<worksheet {declared}>{body}</worksheet>'.encode()) is not None


def test_relationship_parts_are_checked_when_their_schema_is_there():
    if ooxml.schema_for("_rels/.rels", ooxml.CT_RELS) is None:
        pytest.skip(f"no {ooxml.XSD_RELATIONSHIPS} in {ooxml.SCHEMAS}")
    ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    good = f'<Relationships xmlns="{ns}"><Relationship Id="rId1" Type="t" Target="a.xml"/></Relationships>'
    assert ooxml.first_error(ooxml.XSD_RELATIONSHIPS, good.encode()) is None
    assert ooxml.first_error(ooxml.XSD_RELATIONSHIPS, good.replace(' Id="rId1"', "").encode()) is not None


def test_every_part_of_a_board_pack_is_valid(tmp_path):
    """A pack from two teams, with external links to their cells and the by-team chart, written then refreshed."""
    from test_pack import south_plan

    teams = tmp_path / "teams"
    teams.mkdir()
    derby_like_plan(teams / "north.xlsx")
    south_plan(teams / "south.xlsx")
    pack = tmp_path / "pack.xlsx"
    api.rollup_pack([teams], pack, as_of=date(2015, 11, 2), backup=False)
    used = _assert_all_valid(pack)
    assert {WORKSHEET, "DrawingML_Chart.rng", "SpreadsheetML_Drawing.rng"} <= set(used.values())
    api.rollup_pack([teams], pack, as_of=date(2015, 11, 2), backup=False)
    _assert_all_valid(pack)

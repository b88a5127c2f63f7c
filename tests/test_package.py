"""The package layer: bad input gets one clear line and is left untouched; saves are lossless, atomic and backed up.

Fixtures are real workbooks written by XlsxWriter, then altered the way damaged or hostile files are.  The real
sample workbooks in ``../shared/samples`` are used where present and skipped (with the reason) where not.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ehxl.package as package
from ehxl.errors import SaveRefused, WorkbookRefused
from ehxl.package import Limits, Package, SheetRef, check_writable, save_package, sniff

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
NO_SAMPLES = f"sample workbooks not found at {SAMPLES}"

ENCRYPTED = ("is password-protected (encrypted); ehxl cannot read it. Remove the password in Excel "
             "(File > Info > Protect Workbook > Encrypt with Password) and try again.")
XLS = ("is an old-style Excel 97-2003 .xls file; ehxl reads .xlsx and .xlsm only. Open it in Excel and save it "
       "as an Excel Workbook (.xlsx).")
XLSB = ("is a binary workbook (.xlsb); ehxl reads .xlsx and .xlsm only. Open it in Excel and save it as an Excel "
        "Workbook (.xlsx).")
REPAIR = ("If Excel can still open it, save it again there as an Excel Workbook (.xlsx); otherwise open the last "
          "good copy, or ask whoever sent it for a fresh one.")
TRUNCATED = ("is damaged (it looks cut short or garbled, as happens when a copy or download is interrupted), so "
             f"ehxl cannot read it. {REPAIR}")
DAMAGED = f"is damaged (some of what every workbook holds is missing or garbled), so ehxl cannot read it. {REPAIR}"
FRESH_COPY = "ehxl will not read it. Ask whoever sent it for a fresh copy saved from Excel."
OVERLOAD = "looks built to overload programs that open it"
DTD = f"{OVERLOAD} (it holds hidden instructions of a kind Excel never writes); {FRESH_COPY}"
CSV = ("is a text (CSV) file, not an Excel workbook, whatever its name says. Open it in Excel and save it as an "
       "Excel Workbook (.xlsx).")
AGAIN = "Open the last good copy, or ask whoever sent it for the file again."
EMPTY_ZIP = f"is an empty compressed (zip) file with nothing in it, not a workbook. {AGAIN}"
STUB = ('is not a workbook: it holds only 68 bytes of text ("Attachment f:\\attachcus\\arnold-j\\Summer trading '
        'shots.xls not found!"). Ask whoever sent it for the real file.')
LOCKED = ('is open in Excel, by you or someone else, so ehxl saved nothing. Close it in Excel and try again. If nobody '
          'has it open, Excel left its lock file "~$plan.xlsx" behind in the same folder: delete that small file (not '
          'the workbook) and try again.')
CHANGED = ("was changed and saved (by someone else, or another program) while ehxl was working on it, so ehxl saved "
           "nothing and those changes are kept. Try again.")
#: Words a performance officer should not meet in a refusal (a bare "zip" is explained as "compressed (zip)").
JARGON = re.compile(r"\b(?:bomb|XML|DTD|entit(?:y|ies)|parts?|OPC|header)\b|\[Content_Types\]|_rels"
                    r"|(?<![\w-])-o\b|(?<!compressed \()\bzip\b")

SST_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')


# ------------------------------------------------------------------ fixtures built in code

def make_plan(path: Path) -> Path:
    """A small action plan as Excel holds one: shared strings, styles, theme, a RAG fill, two sheets."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    red = wb.add_format({"bg_color": "#FF0000"})
    ws = wb.add_worksheet("Action plan")
    ws.write_row(0, 0, ["Ref", "Action", "Owner", "RAG"])
    ws.write_row(1, 0, ["1.1", "Amend the data collection process", "RP"])
    ws.write(1, 3, "Red", red)
    ws.write_row(2, 0, ["1.2", "Devise methods for engaging resistant families", "VW"])
    wb.add_worksheet("Owners").write_row(0, 0, ["RP", "Rachel P"])
    wb.close()
    return path


def rezip(src: Path, dst: Path, replace: dict[str, bytes | None], *, rename: dict[str, str] | None = None) -> Path:
    """Copy a zip, replacing (None: dropping) or renaming entries; entries not in ``src`` are appended."""
    rename = rename or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = replace.get(name, zin.read(name))
            if data is not None:
                zout.writestr(rename.get(name, name), data)
        for name, data in replace.items():
            if name not in zin.namelist() and data is not None:
                zout.writestr(name, data)
    return dst


def _stream_zeros(path: Path, part: str, mib: int) -> Path:
    """A valid plan plus one part of ``mib`` MiB of zeros, deflated as it is written (no big buffer)."""
    make_plan(path.with_name("base.xlsx"))
    rezip(path.with_name("base.xlsx"), path, {})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open(part, "w", force_zip64=True) as fh:
        chunk = bytes(1 << 20)
        for _ in range(mib):
            fh.write(chunk)
    return path


def _as_xlsb(good: Path, path: Path) -> Path:
    """The plan with its workbook part swapped for a binary one, as an .xlsb holds it."""
    with zipfile.ZipFile(good) as z:
        rels = z.read("_rels/.rels").replace(b'Target="xl/workbook.xml"', b'Target="xl/workbook.bin"')
        types = z.read("[Content_Types].xml").replace(
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sheet.main+xml"/>',
            b'<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.'
            b'macroEnabled.main"/>')
    assert b"/xl/workbook.bin" in types and b"xl/workbook.bin" in rels
    binary = bytes.fromhex("8301008001320000000000000000000000000000020000007800")
    return rezip(good, path, {"_rels/.rels": rels, "[Content_Types].xml": types, "xl/workbook.xml": binary},
                 rename={"xl/workbook.xml": "xl/workbook.bin",
                         "xl/_rels/workbook.xml.rels": "xl/_rels/workbook.bin.rels"})


def make_bad(kind: str, tmp: Path) -> Path:
    path = tmp / f"{kind}.xlsx"
    good = lambda: make_plan(tmp / "good.xlsx")  # noqa: E731
    if kind == "not-a-zip":
        path.write_bytes(random.Random(7).randbytes(2000))
    elif kind == "truncated":
        data = good().read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "empty-file":
        path.write_bytes(b"")
    elif kind == "empty-zip":
        zipfile.ZipFile(path, "w").close()
    elif kind == "csv":
        path.write_text("Ref,Action,Owner,RAG\n1.1,Amend the data collection process,RP,Red\n")
    elif kind == "missing":
        pass
    elif kind == "folder":
        path.mkdir()
    elif kind == "zip-bomb":
        _stream_zeros(path, "xl/media/image1.png", 300)
        assert path.stat().st_size < 1_000_000
    elif kind == "inflate-ratio":
        _stream_zeros(path, "xl/embeddings/oleObject1.bin", 40)
    elif kind == "xml-bomb":
        sst = (b'<?xml version="1.0" encoding="UTF-8"?>' + BILLION_LAUGHS + b'<sst xmlns="' + SST_NS
               + b'" count="1" uniqueCount="1"><si><t>&lol3;</t></si></sst>')
        rezip(good(), path, {"xl/sharedStrings.xml": sst})
    elif kind == "xml-bomb-after-long-comment":
        sst = (b'<?xml version="1.0"?><!--' + b"padding " * 2000 + b"-->" + BILLION_LAUGHS
               + b'<sst xmlns="' + SST_NS + b'"><si><t>&lol3;</t></si></sst>')
        rezip(good(), path, {"xl/sharedStrings.xml": sst})
    elif kind == "xml-bomb-utf16":
        sst = ('<?xml version="1.0" encoding="UTF-16"?>' + BILLION_LAUGHS.decode() + '<sst xmlns="'
               + SST_NS.decode() + '"><si><t>&lol3;</t></si></sst>').encode("utf-16")
        rezip(good(), path, {"xl/sharedStrings.xml": sst})
    elif kind == "absurd-dimension":
        with zipfile.ZipFile(good()) as z:
            sheet = z.read("xl/worksheets/sheet1.xml")
        assert b'<dimension ref="A1:D3"/>' in sheet
        absurd = sheet.replace(b'<dimension ref="A1:D3"/>', b'<dimension ref="A1:XFE2000000"/>')
        rezip(tmp / "good.xlsx", path, {"xl/worksheets/sheet1.xml": absurd})
    elif kind == "xlsb-like":
        _as_xlsb(good(), path)
    elif kind == "no-content-types":
        rezip(good(), path, {"[Content_Types].xml": None})
    else:
        raise AssertionError(kind)
    return path


BUILT = {
    "not-a-zip": "is not an Excel workbook (.xlsx or .xlsm); check you chose the right file.",
    "truncated": TRUNCATED,
    "empty-file": f"is empty (0 bytes), so there is no workbook in it. {AGAIN}",
    "empty-zip": EMPTY_ZIP,
    "csv": CSV,
    "missing": "could not be found; check the name and folder.",
    "folder": "is a folder, not a workbook; choose a workbook in it.",
    "zip-bomb": f"{OVERLOAD} (one item inside it would expand to 300 MB); {FRESH_COPY}",
    "inflate-ratio": None,  # the ratio depends on zlib; worked out from the zip's own directory in the test
    "xml-bomb": DTD,
    "xml-bomb-after-long-comment": DTD,
    "xml-bomb-utf16": DTD,
    "absurd-dimension": "sheet 'Action plan' says it reaches cell XFE2000000, beyond the largest sheet Excel allows, "
                        "so the file is damaged or built to overload programs that open it; ehxl will not read it. "
                        "Open the last good copy, or ask whoever sent it for a fresh copy saved from Excel.",
    "xlsb-like": XLSB,
    "no-content-types": "is a compressed (zip) file but not an Excel workbook: it lacks the contents every workbook "
                        "has. If it should be a workbook, ask whoever sent it for a fresh copy saved from Excel; "
                        "otherwise check you chose the right file.",
}
REAL = {
    "encrypted.xlsx": ENCRYPTED,
    "excelize__encryptAES.xlsx": ENCRYPTED,
    "calamine__pass_protected.xlsx": ENCRYPTED,
    "poi__protected_passtika.xlsx": ENCRYPTED,
    "legacy.xls": XLS,
    "calamine__date.xls": XLS,
    "calamine__date.xlsb": XLSB,
    "calamine__too_small.xls": STUB,
    "poi__poc-xmlbomb.xlsx": DTD,
    "poi__54764.xlsx": DTD,
    "poi__xlsx-corrupted.xlsx": DAMAGED,
    "poi__invalid.xlsx": EMPTY_ZIP,
    "poi__clusterfuzz-XLSX2CSV-5636439151607808.xlsx": TRUNCATED,
}
STRICT_SHEETS = {"poi__sample.strict.xlsx": ["Sheet1", "rich test", "Sheet3"],
                 "calamine__strict_iso_paths.xlsx": ["ml_out"]}
NO_THEME = {"poi__poc-shared-strings.xlsx"}
OPENS = sorted(p.name for p in SAMPLES.glob("*.xls*") if p.name not in REAL) if SAMPLES.is_dir() else []


def _sample(name: str) -> Path:
    if not (SAMPLES / name).is_file():
        pytest.skip(NO_SAMPLES)
    return SAMPLES / name


def _copy_sample(name: str, tmp: Path) -> Path:
    path = tmp / name
    path.write_bytes(_sample(name).read_bytes())
    return path


def _expected(case: str, path: Path) -> str:
    if case != "inflate-ratio":
        return BUILT[case]
    info = zipfile.ZipFile(path).getinfo("xl/embeddings/oleObject1.bin")
    ratio = info.file_size // info.compress_size
    assert 200 < ratio < 2000
    return f"{OVERLOAD} (one item inside it would grow {ratio:,} times when opened); {FRESH_COPY}"


def _state(path: Path) -> tuple[bool, bool, bytes | None]:
    return path.exists(), path.is_dir(), path.read_bytes() if path.is_file() else None


# ------------------------------------------------------------------ refusing bad input

@pytest.mark.parametrize("case", [*BUILT, *REAL])
def test_bad_input_is_refused_with_one_clear_line_and_left_untouched(case, tmp_path):
    if case in BUILT:
        path = make_bad(case, tmp_path)
        message = _expected(case, path)
    else:
        path, message = _copy_sample(case, tmp_path), REAL[case]
    before = _state(path)
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path)
    assert str(err.value) == f"{path.name}: {message}"
    assert "\n" not in str(err.value)
    assert not JARGON.search(message), message
    assert err.value.path == str(path)
    assert _state(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".~ehxl", ".ehxl"))) == []


@pytest.mark.parametrize("case", ["truncated", "csv", "xml-bomb", "encrypted.xlsx", "legacy.xls"])
def test_cli_validate_prints_one_line_naming_the_file_and_exits_2(case, tmp_path):
    if case in BUILT:
        path, message = make_bad(case, tmp_path), BUILT[case]
    else:
        path, message = _copy_sample(case, tmp_path), REAL[case]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("EHXL_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "ehxl.cli", "validate", str(path)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == f"ehxl: {path.name}: {message}\n"
    assert proc.stdout == ""


# ------------------------------------------------------------------ saying what a file that is not a workbook is

CSV_TEXT = "Ref,Action,Owner,RAG\n1.1,Amend the data collection process,RP,Red\n1.2,Devise methods,VW,Amber\n"
PLAIN = ("is a plain text file, not an Excel workbook, whatever its name says. If it holds a table, open it in Excel "
         "and save it as an Excel Workbook (.xlsx); otherwise check you chose the right file.")
TEXT_FILES = {
    # a real table: several lines split by the same separator, whatever the separator
    "comma-csv": (CSV_TEXT, CSV),
    "semicolon-csv": (CSV_TEXT.replace(",", ";"), CSV),
    "tab-separated": (CSV_TEXT.replace(",", "\t"), CSV),
    "csv-without-final-newline": ("Ref,Owner\n1.1,RP", CSV),
    # too small to be any workbook: an e-mail system's note in place of the attachment, a stray header line
    "attachment-stub": ("Attachment removed: plan.xlsx was blocked by the mail filter.\r\n",
                        'is not a workbook: it holds only 63 bytes of text ("Attachment removed: plan.xlsx was '
                        'blocked by the mail filter."). Ask whoever sent it for the real file.'),
    "header-line-only": ("Ref,Action,Owner\n",
                         'is not a workbook: it holds only 17 bytes of text ("Ref,Action,Owner"). Ask whoever sent it '
                         "for the real file."),
    "long-stub-is-cut": ("x" * 200, 'is not a workbook: it holds only 200 bytes of text ("' + "x" * 79 + '…"). Ask '
                                    "whoever sent it for the real file."),
    "one-byte": ("?", 'is not a workbook: it holds only 1 byte of text ("?"). Ask whoever sent it for the real file.'),
    "blank-lines": ("\n \n\t\n", "is not a workbook: it holds only blank lines or spaces (5 bytes). Open the last good "
                                 "copy, or ask whoever sent it for the file again."),
    # bigger text that is no table
    "minutes": ("Minutes of the Early Help board.\n" * 60, PLAIN),
    # what some case-management systems export under an Excel name
    "html-export": ("<html><body><table><tr><td>Ref</td><td>Owner</td></tr></table></body></html>\n" * 3,
                    "is a web page (HTML), not an Excel workbook, whatever its name says; some systems export "
                    "reports this way. Open it in Excel and save it as an Excel Workbook (.xlsx)."),
    "xml-spreadsheet-2003": ('<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
                             "<Worksheet/></Workbook>\n",
                             "is an Excel 2003 XML spreadsheet, an old format ehxl does not read. Open it in Excel "
                             "and save it as an Excel Workbook (.xlsx)."),
    "pdf": ("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 3,
            "is a PDF document, not an Excel workbook, whatever its name says; ehxl needs the workbook itself. Ask "
            "whoever sent it for the Excel file."),
}


@pytest.mark.parametrize("case", TEXT_FILES)
def test_a_real_csv_is_told_apart_from_a_tiny_text_stub_and_other_text(case, tmp_path):
    text, message = TEXT_FILES[case]
    path = tmp_path / "plan.xlsx"
    path.write_bytes(text.encode())
    if case.endswith(("csv", "separated", "stub", "only", "cut", "byte", "lines", "minutes")):
        assert sniff(path) == "text"
    before = path.read_bytes()
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path)
    assert str(err.value) == f"plan.xlsx: {message}"
    assert "\n" not in str(err.value) and path.read_bytes() == before


def test_a_utf16_csv_saved_by_excel_as_unicode_text_is_a_csv(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(CSV_TEXT.replace(",", "\t").encode("utf-16"))
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path)
    assert str(err.value) == f"plan.xlsx: {CSV}"


def test_a_utf8_csv_with_a_character_cut_at_the_sniffing_boundary_is_still_text(tmp_path):
    path = tmp_path / "plan.xlsx"
    data = (("Ref,Owner\n" + "1.1,RP\n" * 600)[:4095] + "ë,Zoë Brontë\n" + "1.2,VW\n" * 10).encode()
    assert data[4095:4097] == "ë".encode()  # the first 4,096 bytes end half-way through it
    path.write_bytes(data)
    assert sniff(path) == "text"
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path)
    assert str(err.value) == f"plan.xlsx: {CSV}"


@pytest.mark.parametrize(("streams", "message"), [
    ({"worddocument", "1table"}, "is a Word document, not an Excel workbook, whatever its name says; check you chose "
                                 "the right file."),
    ({"powerpoint document", "current user"}, "is a PowerPoint presentation, not an Excel workbook, whatever its name "
                                              "says; check you chose the right file."),
    ({"__properties_version1.0", "__substg1.0_0037001f", "__attach_version1.0_#00000000"},
     "is a saved Outlook e-mail, not an Excel workbook. Open the e-mail, save the workbook attached to it, and use "
     "that file instead."),
    ({"thumbs"}, "is an older kind of Microsoft Office file, but not an Excel workbook; check you chose the right "
                 "file."),
])
def test_other_office_compound_files_are_named(streams, message, tmp_path, monkeypatch):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    monkeypatch.setattr(package, "_compound_streams", lambda _path: streams)
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path)
    assert str(err.value) == f"plan.xlsx: {message}"


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def test_zips_that_are_not_workbooks_say_what_they_are(tmp_path):
    cases = {
        "ods": ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"},
                "is an OpenDocument spreadsheet (.ods, as LibreOffice saves), not an Excel workbook; open it in Excel "
                "or LibreOffice and save it as an Excel Workbook (.xlsx)."),
        "odt": ({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"},
                "is an OpenDocument file (as LibreOffice saves), but not a spreadsheet; check you chose the right "
                "file."),
        "folder-of-plans": ({"Q3/plan.xlsx": make_plan(tmp_path / "p.xlsx").read_bytes(), "Q3/kpis.xlsx": b"PK",
                             "__MACOSX/Q3/._plan.xlsx": b""},
                            'is a compressed (zip) folder holding 2 workbooks, such as "plan.xlsx", not a workbook '
                            "itself. Take the workbook out of it (in File Explorer: right-click, Extract All) and use "
                            "that."),
        "folder-of-one": ({"plan.xlsm": b"PK"},
                          'is a compressed (zip) folder holding the workbook "plan.xlsm", not a workbook itself. Take '
                          "the workbook out of it (in File Explorer: right-click, Extract All) and use that."),
    }
    for case, (entries, message) in cases.items():
        path = _zip(tmp_path / f"{case}.xlsx", entries)
        with pytest.raises(WorkbookRefused) as err:
            Package.open(path)
        assert str(err.value) == f"{case}.xlsx: {message}", case
        assert not JARGON.search(message), message


def test_a_word_document_renamed_xlsx_is_called_a_word_document(tmp_path):
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    path = _zip(tmp_path / "plan.xlsx", {
        "[Content_Types].xml": (f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                                f'relationships+xml"/><Override PartName="/word/document.xml" ContentType="{main}"/>'
                                f'</Types>').encode(),
        "_rels/.rels": (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'),
        "word/document.xml": b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
    })
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path)
    assert str(err.value) == ("plan.xlsx: is a Word document, not an Excel workbook, whatever its name says; check "
                              "you chose the right file.")


def test_a_sheet_ehxl_cannot_make_sense_of_is_named_in_plain_words(tmp_path):
    from ehxl.workbook_reading import read_workbook

    plan = make_plan(tmp_path / "good.xlsx")
    broken = b'<worksheet xmlns="' + SST_NS + b'"><sheetData><row r="1"></sheetData></worksheet>'
    path = rezip(plan, tmp_path / "plan.xlsx", {"xl/worksheets/sheet2.xml": broken})
    with pytest.raises(WorkbookRefused) as err:
        read_workbook(path)
    line = str(err.value)
    assert line.startswith("plan.xlsx: could not be read: sheet 'Owners' is not written the way Excel writes it, so "
                           "the file may be damaged. If Excel can still open it, save it again there as an Excel "
                           "Workbook (.xlsx) and try again; otherwise open the last good copy (detail for support: "
                           "XMLSyntaxError: ")
    assert line.endswith(").") and "\n" not in line


def _damage_deep_inside(path: Path) -> Path:
    """A plan whose first sheet is large and has its deflate stream damaged near the end (past any header read)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("KPIs")
    rng = random.Random(3)
    for r in range(2000):
        ws.write_row(r, 0, [rng.random() for _ in range(6)])
    wb.close()
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 100_000
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + info.compress_size - 300, start + info.compress_size - 250):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    return path


def test_a_part_damaged_deep_inside_is_refused_when_read_not_a_crash(tmp_path):
    from ehxl.workbook_reading import read_workbook

    path = _damage_deep_inside(tmp_path / "kpis.xlsx")
    before = path.read_bytes()
    message = f"kpis.xlsx: is damaged (sheet 'KPIs' in it is garbled), so ehxl cannot read it. {REPAIR}"
    with pytest.raises(WorkbookRefused) as err:
        read_workbook(path)
    assert str(err.value) == message
    with pytest.raises(WorkbookRefused) as err:
        save_package(Package.open(path), {}, target=tmp_path / "copy.xlsx")
    assert str(err.value) == message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpis.xlsx"]


def test_the_small_parts_read_whole_as_the_package_is_opened_are_not_inflated_again(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    pkg = Package.open(plan)
    small = [n for n in pkg.names if n.endswith((".xml", ".rels")) and pkg.info(n).file_size <= 8192]
    with zipfile.ZipFile(plan) as z:
        expected = {n: z.read(n) for n in small}
    opened, real_open = [], pkg._zip.open
    pkg._zip.open = lambda *a, **kw: opened.append(a[0]) or real_open(*a, **kw)
    assert len(small) >= 5 and {n: pkg.read(n) for n in small} == expected and opened == []


def test_a_small_part_whose_crc_is_wrong_is_refused_as_the_package_is_opened(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    raw = bytearray(plan.read_bytes())
    entry = raw.rindex(b"PK\x01\x02", 0, raw.rindex(b"xl/workbook.xml") + 1)   # its central directory record
    raw[entry + 16] ^= 0xFF                                                     # the CRC zipfile checks
    plan.write_bytes(bytes(raw))
    with pytest.raises(WorkbookRefused) as err:
        Package.open(plan)
    assert "is damaged" in str(err.value)


def test_limits_on_part_count_and_total_size_can_be_tightened(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    with pytest.raises(WorkbookRefused) as err:
        Package.open(plan, limits=Limits(max_entries=10))
    assert str(err.value) == f"plan.xlsx: {OVERLOAD} (it is packed with 11 pieces, far more than any workbook has); " \
                             f"{FRESH_COPY}"
    big = rezip(plan, tmp_path / "big.xlsx", {"xl/media/image1.png": random.Random(1).randbytes(2 * 2**20)})
    with pytest.raises(WorkbookRefused) as err:
        Package.open(big, limits=Limits(max_total_bytes=2**20))
    assert str(err.value) == f"big.xlsx: {OVERLOAD} (it would expand to 2 MB when opened); {FRESH_COPY}"
    assert Package.open(big).has("xl/media/image1.png")


@pytest.mark.parametrize(("name", "kind"), [
    ("encrypted.xlsx", "encrypted"), ("poi__protected_passtika.xlsx", "encrypted"), ("legacy.xls", "xls"),
    ("calamine__date.xls", "xls"), ("calamine__date.xlsb", "zip"), ("poi__invalid.xlsx", "zip"),
    ("calamine__too_small.xls", "text"), ("fibonacci.xlsm", "zip"),
])
def test_sniff_tells_the_format_by_its_first_bytes(name, kind):
    assert sniff(_sample(name)) == kind


def test_sniff_on_files_built_here(tmp_path):
    assert sniff(make_plan(tmp_path / "plan.csv")) == "zip"
    assert sniff(make_bad("csv", tmp_path)) == "text"
    assert sniff(make_bad("empty-file", tmp_path)) == "empty"
    assert sniff(make_bad("not-a-zip", tmp_path)) == "unknown"


# ------------------------------------------------------------------ reading good workbooks

@pytest.mark.parametrize("name", OPENS or ["(samples absent)"])
def test_every_other_sample_opens_with_its_sheets_styles_and_theme(name):
    import warnings

    from openpyxl import load_workbook

    path = _sample(name)
    pkg = Package.open(path)
    names = [s.name for s in pkg.sheets()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path, read_only=True)
        theirs = wb.sheetnames
        wb.close()
    assert names == STRICT_SHEETS.get(name, theirs)
    assert names
    assert pkg.strict is (name in STRICT_SHEETS)
    assert pkg.workbook_part == "xl/workbook.xml"
    styles = pkg.styles_part()
    assert styles in pkg.names and pkg.xml(styles).tag.endswith("}styleSheet")
    theme = pkg.theme_part()
    if name in NO_THEME:
        assert theme is None
    else:
        assert theme in pkg.names and pkg.xml(theme).tag.endswith("}theme")
    for sheet in pkg.sheets():
        assert sheet.part in pkg.names, sheet
        assert sheet.kind in ("worksheet", "chartsheet", "dialogsheet", "macrosheet")


def test_strict_relationships_are_followed_with_either_uri():
    pkg = Package.open(_sample("calamine__strict_iso_paths.xlsx"))
    transitional = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    strict = "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet"
    assert pkg.related("xl/workbook.xml", transitional) == ["xl/worksheets/sheet1.xml"]
    assert pkg.related("xl/workbook.xml", strict) == ["xl/worksheets/sheet1.xml"]
    assert pkg.shared_strings_part() == "xl/sharedStrings.xml"
    assert Package.open(_sample("fibonacci.xlsm")).related("xl/workbook.xml", strict) == \
        ["xl/worksheets/sheet2.xml", "xl/worksheets/sheet1.xml"]  # in the order of the .rels part


def test_sheets_in_workbook_order_with_state_kind_and_part(tmp_path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "kinds.xlsx"))
    wb.add_worksheet("Action plan").write_column(0, 0, ["RAG", 1, 2, 3])
    wb.add_worksheet("Owners").hide()
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='Action plan'!$A$2:$A$4"})
    wb.add_chartsheet("RAG chart").set_chart(chart)
    wb.close()
    pkg = Package.open(tmp_path / "kinds.xlsx")
    assert pkg.sheets() == [
        SheetRef("Action plan", 1, "rId1", "xl/worksheets/sheet1.xml", "visible", "worksheet"),
        SheetRef("Owners", 2, "rId2", "xl/worksheets/sheet2.xml", "hidden", "worksheet"),
        SheetRef("RAG chart", 3, "rId3", "xl/chartsheets/sheet1.xml", "visible", "chartsheet"),
    ]
    assert pkg.rels_part("xl/worksheets/sheet1.xml") == "xl/worksheets/_rels/sheet1.xml.rels"
    assert pkg.rels("xl/worksheets/sheet1.xml") == []
    assert pkg.content_type("xl/chartsheets/sheet1.xml") == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"
    assert pkg.content_type("xl/_rels/workbook.xml.rels") == "application/vnd.openxmlformats-package.relationships+xml"
    assert pkg.content_type("xl/media/nothing.png") is None


def test_styles_and_theme_are_found_through_relationships_not_by_name(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    with zipfile.ZipFile(plan) as z:
        rels = z.read("xl/_rels/workbook.xml.rels")
        types = z.read("[Content_Types].xml")
        styles, theme = z.read("xl/styles.xml"), z.read("xl/theme/theme1.xml")
    rels = rels.replace(b'Target="styles.xml"', b'Target="/xl/look/cellStyles.xml"') \
               .replace(b'Target="theme/theme1.xml"', b'Target="../look/colours.xml"')
    types = types.replace(b'"/xl/styles.xml"', b'"/xl/look/cellStyles.xml"') \
                 .replace(b'"/xl/theme/theme1.xml"', b'"/look/colours.xml"')
    odd = rezip(plan, tmp_path / "odd.xlsx", {
        "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types,
        "xl/styles.xml": b"<decoy/>", "xl/theme/theme1.xml": None,
        "xl/look/cellStyles.xml": styles, "look/colours.xml": theme,
    })
    pkg = Package.open(odd)
    assert pkg.styles_part() == "xl/look/cellStyles.xml"
    assert pkg.theme_part() == "look/colours.xml"
    assert pkg.shared_strings_part() == "xl/sharedStrings.xml"
    assert pkg.content_type("xl/look/cellStyles.xml") == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
    assert pkg.content_type("xl/styles.xml") == "application/xml"


def test_fingerprint_and_part_digests_describe_the_file_as_opened(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    pkg = Package.open(plan)
    st = plan.stat()
    assert pkg.fingerprint() == (st.st_size, st.st_mtime_ns, hashlib.sha256(plan.read_bytes()).hexdigest())
    with zipfile.ZipFile(plan) as z:
        assert pkg.part_digests() == {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}
        assert pkg.names == z.namelist()
        assert pkg.read("xl/sharedStrings.xml") == z.read("xl/sharedStrings.xml")
    assert pkg.has("xl/styles.xml") and not pkg.has("xl/vbaProject.bin")
    with pytest.raises(KeyError):
        pkg.read("xl/vbaProject.bin")


def test_one_huge_shared_string_used_12000_times_is_read_without_blowing_up():
    from ehxl.workbook_reading import read_workbook

    path = _sample("poi__poc-shared-strings.xlsx")
    pkg = Package.open(path)
    assert pkg.shared_strings_part() == "xl/sharedStrings.xml"
    assert len(pkg.read("xl/sharedStrings.xml")) == 1_048_752
    book = read_workbook(path, package=pkg)
    values = [c.value for g in book.grids for row in g.cells.values() for c in row.values()]
    assert len(values) == 12_000
    assert {len(v) for v in values} == {32_767}  # cut to Excel's own limit on the text in one cell


# ------------------------------------------------------------------ saving

def _zip_view(path: Path) -> list[tuple[str, int, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]


@pytest.mark.parametrize("name", OPENS or ["(samples absent)"])
def test_save_with_no_changes_keeps_every_part_and_the_order(name, tmp_path):
    path = _copy_sample(name, tmp_path)
    before = path.read_bytes()
    out = tmp_path / "saved" / name
    out.parent.mkdir()
    report = save_package(Package.open(path), {}, target=out)
    assert (report.path, report.backup, report.changed, report.added, report.removed) == (out, None, [], [], [])
    assert _zip_view(out) == _zip_view(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "saved"])
    assert sorted(p.name for p in out.parent.iterdir()) == [name]


def test_save_changes_only_the_changed_and_added_parts_and_reports_them(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    original = _zip_view(plan)
    owners = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="' + SST_NS
              + b'"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>VW</t></is></c></row></sheetData></worksheet>')
    note = b'<?xml version="1.0"?><ehxl xmlns="urn:ehxl:test">checked 31 March 2016</ehxl>'
    report = save_package(Package.open(plan), {"xl/worksheets/sheet2.xml": owners, "customXml/ehxl.xml": note,
                                               "docProps/app.xml": None})
    assert report.path == plan
    assert report.changed == ["xl/worksheets/sheet2.xml"]
    assert report.added == ["customXml/ehxl.xml"]
    assert report.removed == ["docProps/app.xml"]
    saved = _zip_view(plan)
    want = [(n, ct, owners if n == "xl/worksheets/sheet2.xml" else data)
            for n, ct, data in original if n != "docProps/app.xml"]
    assert saved[:-1] == want
    assert saved[-1][0::2] == ("customXml/ehxl.xml", note)
    assert Package.open(plan).read("customXml/ehxl.xml") == note


def test_save_in_place_of_a_real_macro_workbook_keeps_the_parts_ehxl_does_not_own(tmp_path):
    path = _copy_sample("fibonacci.xlsm", tmp_path)
    original = dict((n, d) for n, _, d in _zip_view(path))
    save_package(Package.open(path), {"docProps/ehxl.xml": b"<ehxl/>"})
    saved = dict((n, d) for n, _, d in _zip_view(path))
    assert set(saved) - set(original) == {"docProps/ehxl.xml"}
    assert {n: saved[n] for n in original} == original
    assert "xl/vbaProject.bin" in original


class _Frozen(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2016, 3, 31, 9, 15, 0)


@pytest.mark.parametrize("coarse_clock", [False, True], ids=["fine-mtimes", "equal-mtimes"])
def test_backups_are_named_by_time_and_only_the_newest_five_kept(tmp_path, monkeypatch, coarse_clock):
    plan = make_plan(tmp_path / "plan.xlsx")
    other = make_plan(tmp_path / "plan 2015.xlsx")
    save_package(Package.open(other), {"docProps/ehxl.xml": b"<n>other</n>"})
    monkeypatch.setattr(package.dt, "datetime", _Frozen)
    versions = []
    for i in range(1, 8):
        versions.append(plan.read_bytes())
        report = save_package(Package.open(plan), {"docProps/ehxl.xml": f"<n>{i}</n>".encode()})
        suffix = "" if i == 1 else f"-{i}"
        assert report.backup == tmp_path / ".ehxl-backups" / f"plan.20160331-091500{suffix}.xlsx"
        assert report.backup.read_bytes() == versions[-1]
        if coarse_clock:  # a network share keeping 2-second times: every backup looks equally old
            for b in (tmp_path / ".ehxl-backups").iterdir():
                os.utime(b, ns=(1_459_415_700_000_000_000, 1_459_415_700_000_000_000))
    kept = sorted(p.name for p in (tmp_path / ".ehxl-backups").iterdir())
    assert [k for k in kept if k.startswith("plan.")] == [f"plan.20160331-091500-{i}.xlsx" for i in range(3, 8)]
    assert len([k for k in kept if k.startswith("plan 2015.")]) == 1
    for i in range(3, 8):
        assert (tmp_path / ".ehxl-backups" / f"plan.20160331-091500-{i}.xlsx").read_bytes() == versions[i - 1]
    assert Package.open(plan).read("docProps/ehxl.xml") == b"<n>7</n>"


def test_backup_name_uses_the_real_clock(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    start = dt.datetime.now().replace(microsecond=0)
    report = save_package(Package.open(plan), {"docProps/ehxl.xml": b"<ehxl/>"})
    end = dt.datetime.now()
    m = re.fullmatch(r"plan\.(\d{8}-\d{6})\.xlsx", report.backup.name)
    assert m and start <= dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S") <= end


def test_no_backup_when_asked_for_none(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    assert save_package(Package.open(plan), {"docProps/ehxl.xml": b"<ehxl/>"}, backup=False).backup is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((".~ehxl-", ".ehxl-backups")))


def test_refuses_while_excel_has_the_workbook_open(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    before = plan.read_bytes()
    pkg = Package.open(plan)
    (tmp_path / "~$plan.xlsx").write_bytes(b"\x0bRachel P")
    with pytest.raises(SaveRefused) as err:
        check_writable(plan)
    assert str(err.value) == f"plan.xlsx: {LOCKED}"
    with pytest.raises(SaveRefused) as err:
        save_package(pkg, {"docProps/ehxl.xml": b"<ehxl/>"})
    assert str(err.value) == f"plan.xlsx: {LOCKED}"
    assert plan.read_bytes() == before
    assert _leftovers(tmp_path) == []
    report = save_package(pkg, {"docProps/ehxl.xml": b"<ehxl/>"}, target=tmp_path / "plan (ehxl).xlsx")
    assert report.path.is_file() and plan.read_bytes() == before


def test_the_command_line_alone_adds_that_rollup_can_write_to_a_new_file_instead(tmp_path):
    from ehxl import api
    from ehxl.errors import WorkbookOpen

    plan = make_plan(tmp_path / "plan.xlsx")
    (tmp_path / "~$plan.xlsx").write_bytes(b"\x0bRachel P")
    before = plan.read_bytes()
    with pytest.raises(WorkbookOpen) as err:  # the library's line is the same in Excel, the API and the CLI
        api.rollup(plan)
    assert str(err.value) == f"plan.xlsx: {LOCKED}"
    assert not JARGON.search(LOCKED)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("EHXL_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "ehxl.cli", "rollup", str(plan)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"ehxl: plan.xlsx: {LOCKED} Or leave it open and write to a new file with -o NEW-FILE.\n"
    assert plan.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_refuses_when_the_file_changed_on_disk_after_it_was_opened(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    pkg = Package.open(plan)
    theirs = rezip(plan, tmp_path / "theirs.xlsx", {"docProps/theirs.xml": b"<saved-by-a-colleague/>"}).read_bytes()
    plan.write_bytes(theirs)
    with pytest.raises(SaveRefused) as err:
        save_package(pkg, {"docProps/ehxl.xml": b"<ehxl/>"})
    assert str(err.value) == f"plan.xlsx: {CHANGED}"
    assert plan.read_bytes() == theirs
    assert _leftovers(tmp_path) == []


def test_an_interrupted_save_leaves_the_original_byte_identical_and_no_temp_file(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    before = plan.read_bytes()
    with pytest.raises(RuntimeError, match="save interrupted after the temporary file was written"):
        save_package(Package.open(plan), {"xl/worksheets/sheet2.xml": b"<worksheet/>"}, _fail_after_temp=True)
    assert plan.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_a_save_that_fails_its_check_is_refused_and_leaves_nothing(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    before = plan.read_bytes()
    with pytest.raises(SaveRefused) as err:
        save_package(Package.open(plan), {"xl/worksheets/sheet2.xml": b"<worksheet><sheetData></worksheet>"})
    assert str(err.value).startswith("plan.xlsx: was not saved: the new copy ehxl made failed its check, so it stopped "
                                     "and your workbook is untouched. Please report this fault in ehxl (detail for "
                                     "support: ")
    assert "\n" not in str(err.value)
    assert plan.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


@pytest.mark.parametrize("read_first", [False, True])
def test_a_part_copied_wrongly_is_caught_by_the_check_of_the_new_copy(tmp_path, monkeypatch, read_first):
    """The check does not trust the stored bytes ehxl took: the copy must inflate to the original's content."""
    plan = make_plan(tmp_path / "plan.xlsx")
    before = plan.read_bytes()
    pkg = Package.open(plan)
    sheet = pkg.sheets()[0].part
    if read_first:
        pkg.read(sheet)
    real_stored = Package._stored

    def garbled(self, info):
        raw = real_stored(self, info)
        if info.filename != sheet:
            return raw
        return raw[:len(raw) // 2] + bytes([raw[len(raw) // 2] ^ 0x55]) + raw[len(raw) // 2 + 1:]

    monkeypatch.setattr(Package, "_stored", garbled)
    with pytest.raises(SaveRefused) as err:
        save_package(pkg, {"docProps/ehxl.xml": b"<ehxl/>"})
    assert str(err.value).startswith("plan.xlsx: was not saved: ")
    assert plan.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_the_temp_file_sits_beside_the_target_and_is_swapped_in_one_step(tmp_path, monkeypatch):
    plan = make_plan(tmp_path / "plan.xlsx")
    swaps = []
    real_replace = os.replace

    def spy(src, dst):
        swaps.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(package.os, "replace", spy)
    save_package(Package.open(plan), {"docProps/ehxl.xml": b"<ehxl/>"}, backup=False)
    assert len(swaps) == 1
    src, dst = swaps[0]
    assert dst == plan and src.parent == tmp_path
    assert re.fullmatch(r"\.~ehxl-plan-[0-9a-f]{8}\.tmp", src.name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_writing_to_another_file_leaves_the_original_alone_and_makes_no_backup(tmp_path):
    plan = make_plan(tmp_path / "plan.xlsx")
    before, mtime = plan.read_bytes(), plan.stat().st_mtime_ns
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    report = save_package(Package.open(plan), {"docProps/ehxl.xml": b"<ehxl/>"}, target=out_dir / "plan.xlsx")
    assert (report.path, report.backup, report.added) == (out_dir / "plan.xlsx", None, ["docProps/ehxl.xml"])
    assert plan.read_bytes() == before and plan.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "plan.xlsx"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["plan.xlsx"]
    assert Package.open(out_dir / "plan.xlsx").read("docProps/ehxl.xml") == b"<ehxl/>"


@pytest.mark.parametrize("limit", [-1, 0, 1, 2**20 - 1, 2**20, 2**20 + 1, 3 * 2**20 + 7, 10 * 2**20])
def test_a_part_read_a_megabyte_at_a_time_is_what_one_read_gives(limit):
    data = random.Random(3).randbytes(3 * 2**20 + 7)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("part.bin", data)
    z = zipfile.ZipFile(buf)
    with z.open("part.bin") as one, z.open("part.bin") as chunked:
        assert package._read_up_to(chunked, limit) == one.read(limit)


def test_holds_compares_a_part_with_new_bytes_as_read_would(tmp_path):
    rng = random.Random(5)
    sheet = b"<worksheet>" + b"".join(b'<row r="%d"/>' % rng.randrange(10**9) for _ in range(200_000)) + \
        b"</worksheet>"
    path = rezip(make_plan(tmp_path / "plan.xlsx"), tmp_path / "big.xlsx", {"xl/worksheets/sheet9.xml": sheet})
    pkg = Package.open(path)
    name = "xl/worksheets/sheet9.xml"
    assert pkg.holds(name, sheet)
    assert not pkg.holds(name, sheet[:-1])
    assert not pkg.holds(name, sheet + b" ")
    assert not pkg.holds(name, sheet[:2**20] + b"x" + sheet[2**20 + 1:])
    assert not pkg.holds(name, b"")
    assert pkg.read(name) == sheet and pkg.holds(name, sheet) and not pkg.holds(name, b"x")
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path, limits=Limits(max_part_bytes=2**20)).holds(name, sheet)
    assert "far larger" in str(err.value) or "would expand" in str(err.value)


def test_holds_compares_a_part_with_a_deflated_one_as_with_its_content(tmp_path):
    rng = random.Random(5)
    sheet = b"<worksheet>" + b"".join(b'<row r="%d"/>' % rng.randrange(10**9) for _ in range(200_000)) + \
        b"</worksheet>"
    path = rezip(make_plan(tmp_path / "plan.xlsx"), tmp_path / "big.xlsx", {"xl/worksheets/sheet9.xml": sheet})
    name = "xl/worksheets/sheet9.xml"
    for content in (sheet, sheet[:-1], sheet[:2**20] + b"x" + sheet[2**20 + 1:], b""):
        deflated = package.Deflated.of(content)
        assert Package.open(path).holds(name, deflated) is (content == sheet)
        pkg = Package.open(path)
        pkg.read(name)
        assert pkg.holds(name, deflated) is (content == sheet)


def test_holds_refuses_a_part_damaged_deep_inside_whatever_it_is_compared_with(tmp_path):
    path = _damage_deep_inside(tmp_path / "kpis.xlsx")
    with pytest.raises(WorkbookRefused) as read:
        Package.open(path).read("xl/worksheets/sheet1.xml")
    with pytest.raises(WorkbookRefused) as held:
        Package.open(path).holds("xl/worksheets/sheet1.xml", package.Deflated.of(b"<worksheet/>"))
    assert str(held.value) == str(read.value)


@pytest.mark.parametrize("piece", [1, 7, 300, 65_536, 10**7])
def test_a_part_deflated_piece_by_piece_is_the_part_deflated_whole(piece):
    rng = random.Random(7)
    content = b"<worksheet>" + b"".join(b'<row r="%d"/>' % rng.randrange(10**6) for _ in range(30_000)) + \
        b"</worksheet>"
    deflater = package.Deflater()
    for start in range(0, len(content), piece):
        deflater.write(content[start:start + piece])
    assert deflater.deflated() == package.Deflated.of(content)


def test_holds_refuses_a_part_damaged_deep_inside_as_read_does(tmp_path):
    path = _damage_deep_inside(tmp_path / "kpis.xlsx")
    with pytest.raises(WorkbookRefused) as read:
        Package.open(path).read("xl/worksheets/sheet1.xml")
    with pytest.raises(WorkbookRefused) as held:
        Package.open(path).holds("xl/worksheets/sheet1.xml", b"")
    assert str(held.value) == str(read.value)


@pytest.mark.parametrize("external_attr", [0, 0o644 << 16])
def test_a_part_deflated_beforehand_is_written_as_writestr_writes_it(tmp_path, external_attr):
    content = b"<worksheet>" + b"".join(b'<row r="%d"/>' % n for n in range(100_000)) + b"</worksheet>"

    def written(data) -> bytes:
        path = tmp_path / "out.zip"
        with zipfile.ZipFile(path, "w", allowZip64=True) as out:
            when = (2026, 12, 7, 15, 0, 0)    # fixed: two writes a second apart must not differ in their dates
            out.writestr(zipfile.ZipInfo("first.xml", date_time=when), b"<a/>")
            info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=when)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, external_attr
            package._write_part(out, info, data)
            out.writestr(zipfile.ZipInfo("last.xml", date_time=when), b"<b/>")
        return path.read_bytes()

    deflated = package.Deflated.of(content)
    assert deflated.content() == content
    assert written(deflated) == written(content)
    with zipfile.ZipFile(io.BytesIO(written(deflated))) as z:
        assert z.read("xl/worksheets/sheet1.xml") == content and z.testzip() is None

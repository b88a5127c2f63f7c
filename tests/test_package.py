"""Bad input gets one clear line and leaves the file untouched; saves are atomic, verified and backed up."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ehxl.errors import SaveRefused, WorkbookRefused
from ehxl.package import BACKUPS_KEPT, Package, save_package
from plans import derby_like_plan

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
ENCRYPTED = ("is password-protected (encrypted); ehxl cannot read it. Remove the password in Excel "
             "(File > Info > Protect Workbook > Encrypt with Password) and try again.")
XLS = ("is an old-style Excel 97-2003 .xls file; ehxl reads .xlsx and .xlsm only. Open it in Excel and save it "
       "as an Excel Workbook (.xlsx).")
XLSB = ("is a binary workbook (.xlsb); ehxl reads .xlsx and .xlsm only. Open it in Excel and save it as an Excel "
        "Workbook (.xlsx).")
TRUNCATED = ("is not a complete Excel file (the zip is truncated or damaged); open the last good copy or ask for "
             "the file again.")
DTD = ("contains an XML document type declaration in xl/sharedStrings.xml; Excel never writes one, so ehxl "
       "refuses it as a possible XML bomb.")
CSV = ("is a text (CSV) file, not an Excel workbook, whatever its name says. Open it in Excel and save it as an "
       "Excel Workbook (.xlsx).")


def _good(tmp: Path) -> Path:
    return derby_like_plan(tmp / "good.xlsx")


def _rezip(src: Path, dst: Path, replace: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in replace.items():
            if name not in zin.namelist() and data is not None:
                zout.writestr(name, data)
    return dst


def make_bad(kind: str, tmp: Path) -> Path:
    path = tmp / f"{kind}.xlsx"
    if kind == "not-a-zip":
        path.write_bytes(os.urandom(2000))
    elif kind == "truncated":
        data = _good(tmp).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "empty-file":
        path.write_bytes(b"")
    elif kind == "empty-zip":
        zipfile.ZipFile(path, "w").close()
    elif kind == "csv":
        path.write_text("Ref,Action,Owner\n1.1,Amend the process,RP\n")
    elif kind == "missing":
        pass
    elif kind == "folder":
        path.mkdir()
    elif kind == "zip-bomb":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                chunk = b"\0" * (1 << 20)
                for _ in range(300):
                    fh.write(chunk)
    elif kind == "xml-bomb":
        bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
        _rezip(_good(tmp), path, {"xl/sharedStrings.xml": bomb})
    elif kind == "absurd-dimension":
        good = _good(tmp)
        sheet = zipfile.ZipFile(good).read("xl/worksheets/sheet1.xml")
        sheet = sheet.replace(b"<sheetPr", b'<dimension ref="A1:XFE2000000"/><sheetPr', 1) \
            if b"<dimension" not in sheet else \
            __import__("re").sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFE2000000"/>', sheet)
        _rezip(good, path, {"xl/worksheets/sheet1.xml": sheet})
    elif kind == "xlsb":
        good = _good(tmp)
        ct = zipfile.ZipFile(good).read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.binary.macroEnabled.main")
        _rezip(good, path, {"[Content_Types].xml": ct})
    elif kind == "no-content-types":
        _rezip(_good(tmp), path, {"[Content_Types].xml": None})
    return path


BUILT = {
    "not-a-zip": "is not an Excel workbook (.xlsx or .xlsm); check you chose the right file.",
    "truncated": TRUNCATED,
    "empty-file": "is empty (0 bytes); it is not an Excel workbook.",
    "empty-zip": "is empty (a zip with nothing in it); it is not an Excel workbook.",
    "csv": CSV,
    "missing": "could not be found; check the name and folder.",
    "folder": "is a folder, not a workbook.",
    "zip-bomb": "has a part that would expand to 300 MB (xl/worksheets/sheet1.xml); refusing a possible zip bomb.",
    "xml-bomb": DTD,
    "absurd-dimension": "sheet 'Action plan' claims a size (A1:XFE2000000) beyond Excel's own limits; the file is "
                        "damaged or built to cause harm.",
    "xlsb": XLSB,
    "no-content-types": "is a zip file but not an Excel workbook (it has no [Content_Types].xml or _rels/.rels).",
}
REAL = {
    "encrypted.xlsx": ENCRYPTED, "excelize__encryptAES.xlsx": ENCRYPTED, "calamine__pass_protected.xlsx": ENCRYPTED,
    "poi__protected_passtika.xlsx": ENCRYPTED, "legacy.xls": XLS, "calamine__date.xls": XLS,
    "calamine__date.xlsb": XLSB, "poi__poc-xmlbomb.xlsx": DTD, "poi__54764.xlsx": DTD,
    "poi__xlsx-corrupted.xlsx": "is not a complete Excel file (a part is damaged or missing); open the last good "
                                "copy or ask for the file again.",
    "poi__invalid.xlsx": "is empty (a zip with nothing in it); it is not an Excel workbook.",
    "poi__clusterfuzz-XLSX2CSV-5636439151607808.xlsx": TRUNCATED,
}


def _snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


@pytest.mark.parametrize("case", [*BUILT, *REAL])
def test_bad_input_is_refused_with_one_clear_line(case, tmp_path):
    if case in BUILT:
        path, message = make_bad(case, tmp_path), BUILT[case]
    else:
        if not (SAMPLES / case).exists():
            pytest.skip(f"{SAMPLES} is absent")
        path, message = tmp_path / case, REAL[case]
        path.write_bytes((SAMPLES / case).read_bytes())
    before = _snapshot(path)
    with pytest.raises(WorkbookRefused) as err:
        Package.open(path)
    assert str(err.value) == f"{path.name}: {message}"
    assert "\n" not in str(err.value)
    assert _snapshot(path) == before


@pytest.mark.parametrize("case", ["truncated", "csv", "xml-bomb"])
def test_cli_prints_one_line_and_exits_2(case, tmp_path):
    path = make_bad(case, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "ehxl.cli", "rollup", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == f"ehxl: {path.name}: {BUILT[case]}\n"
    assert proc.stdout == ""


def test_save_with_no_changes_keeps_every_part_and_the_order(tmp_path):
    path = _good(tmp_path)
    out = tmp_path / "copy.xlsx"
    save_package(Package.open(path), {}, target=out)
    a, b = zipfile.ZipFile(path), zipfile.ZipFile(out)
    assert a.namelist() == b.namelist()
    assert all(a.read(n) == b.read(n) for n in a.namelist())


def test_interrupted_save_leaves_the_original_intact(tmp_path):
    path = _good(tmp_path)
    before = path.read_bytes()
    pkg = Package.open(path)
    with pytest.raises(RuntimeError):
        save_package(pkg, {"xl/new.xml": b"<x/>"}, _fail_after_temp=True)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".~ehxl-*.tmp"))
    assert not (tmp_path / ".ehxl-backups").exists()


def test_refuses_when_excel_has_the_file_open(tmp_path):
    path = _good(tmp_path)
    before = path.read_bytes()
    (tmp_path / f"~${path.name}").write_bytes(b"owner")
    with pytest.raises(SaveRefused, match="is open in Excel"):
        save_package(Package.open(path), {"xl/new.xml": b"<x/>"})
    assert path.read_bytes() == before


def test_refuses_when_the_file_changed_since_it_was_read(tmp_path):
    path = _good(tmp_path)
    pkg = Package.open(path)
    changed = _rezip(path, tmp_path / "other.xlsx", {"docProps/new.xml": b"<x/>"}).read_bytes()
    time.sleep(0.01)
    path.write_bytes(changed)
    with pytest.raises(SaveRefused, match="changed on disk since ehxl read it"):
        save_package(pkg, {"xl/new.xml": b"<x/>"})
    assert path.read_bytes() == changed


def test_backups_are_kept_and_bounded(tmp_path):
    path = _good(tmp_path)
    for i in range(BACKUPS_KEPT + 2):
        report = save_package(Package.open(path), {"docProps/ehxl-test.xml": f"<n>{i}</n>".encode()})
        assert report.backup is not None and report.backup.parent.name == ".ehxl-backups"
    backups = sorted((tmp_path / ".ehxl-backups").iterdir())
    assert len(backups) == BACKUPS_KEPT
    assert all(b.name.startswith("good.") and b.suffix == ".xlsx" for b in backups)


def test_an_amplified_shared_string_is_read_in_bounded_time(tmp_path):
    sample = SAMPLES / "poi__poc-shared-strings.xlsx"
    if not sample.exists():
        pytest.skip(f"{SAMPLES} is absent")
    from ehxl.workbook_reading import MAX_TEXT, read_workbook

    book = read_workbook(sample)
    values = [c.value for g in book.grids for row in g.cells.values() for c in row.values()]
    assert len(values) >= 12_000
    assert all(len(v) <= MAX_TEXT for v in values if isinstance(v, str))
    copy = tmp_path / "copy.xlsx"
    save_package(Package.open(sample), {}, target=copy)
    assert copy.stat().st_size < 2 * sample.stat().st_size

"""Nothing staff put in a workbook is lost: validate, overdue --mark, overdue --clear and rollup on real files.

Every workbook in ../shared/samples that ehxl opens is given a small action
plan at the package level (tests/fidelity.py, plain zipfile + lxml), then put
through the four jobs in place.  Afterwards every part ehxl does not own must
be byte-identical, the parts it owns must parse, the overdue actions must be
the two worked out by hand, and LibreOffice must open the result.
"""
from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from ehxl import api
from ehxl.errors import EhxlError
from ehxl.package import Package
from fidelity import OVERDUE_CELLS, PLAN_SHEET, add_plan_sheet, digests
import libreoffice

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
AS_OF = date(2015, 11, 2)
#: Parts ehxl may change in a staff workbook (besides the parts it creates).
MAY_TOUCH = ("[Content_Types].xml", "docProps/app.xml")


def _samples() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))


def _openable() -> list[Path]:
    out = []
    for path in _samples():
        try:
            pkg = Package.open(path)
        except EhxlError:
            continue
        out.append(path)
        pkg.close()
    return out


OPENABLE = _openable()
needs_samples = pytest.mark.skipif(not OPENABLE, reason=f"no sample workbooks at {SAMPLES}")


def _touchable(path: Path) -> set[str]:
    """The staff parts ehxl is allowed to edit: workbook, its rels, styles, plus MAY_TOUCH."""
    pkg = Package.open(path)
    wb = pkg.workbook_part
    allowed = {wb, pkg.rels_part(wb), *MAY_TOUCH}
    if pkg.styles_part():
        allowed.add(pkg.styles_part())
    pkg.close()
    return allowed


def _run_all(path: Path) -> None:
    api.validate(path, as_of=AS_OF)
    marked = api.overdue(path, as_of=AS_OF, mark=True)
    assert {r["cell"] for r in marked.json("overdue")["overdue"] if r["sheet"] == PLAN_SHEET} == OVERDUE_CELLS
    api.overdue(path, as_of=AS_OF, clear=True)
    api.rollup(path, as_of=AS_OF)


def _with_plans(folder: Path):
    """(sample, a copy of it in ``folder`` with the staff plan added) for each sample a job may write."""
    for sample in OPENABLE:
        if Package.open(sample).strict:
            continue
        work = folder / sample.name
        add_plan_sheet(sample, work)
        yield sample, work


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> dict[str, tuple[Path, dict, dict, set]]:
    """Each sample, given a plan and put through the four jobs once: (file, parts before, after, allowed)."""
    out = {}
    for sample, work in _with_plans(tmp_path_factory.mktemp("fidelity")):
        before, allowed = digests(work), _touchable(work)
        if _structure_locked(work):
            api.validate(work, as_of=AS_OF)
            for job in (lambda p: api.overdue(p, as_of=AS_OF, mark=True), lambda p: api.rollup(p, as_of=AS_OF)):
                with pytest.raises(EhxlError, match=r"structure protected \(Review > Protect Workbook\)"):
                    job(work)
            assert digests(work) == before
            out[sample.name] = (work, before, before, allowed)
            continue
        _run_all(work)
        out[sample.name] = (work, before, digests(work), allowed)
    return out


def _structure_locked(path: Path) -> bool:
    """Read with zipfile and lxml: the workbook says its sheets may not be added, removed or renamed."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("xl/workbook.xml"))
    protection = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}workbookProtection")
    return protection is not None and protection.get("lockStructure") in ("1", "true")


@needs_samples
@pytest.mark.parametrize("sample", OPENABLE, ids=[p.name for p in OPENABLE])
def test_four_jobs_keep_every_part_ehxl_does_not_own(sample, processed, tmp_path):
    if Package.open(sample).strict:
        work = tmp_path / sample.name
        shutil.copyfile(sample, work)
        before = work.read_bytes()
        for job in (api.validate, api.rollup):
            with pytest.raises(EhxlError, match="Strict Open XML"):
                job(work, as_of=AS_OF)
        assert work.read_bytes() == before
        return
    work, before, after, allowed = processed[sample.name]
    if _structure_locked(work):
        assert after == before == digests(work)               # refused, and not a byte changed
        return
    for name, digest in before.items():
        if name not in allowed:
            assert after.get(name) == digest, f"{name} changed"
    with zipfile.ZipFile(work) as z:
        for name in (after.keys() - before.keys()) | {n for n in allowed if n in after}:
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))
    names = [s.name for s in Package.open(work).sheets()]
    original = [s.name for s in Package.open(sample).sheets()] + [PLAN_SHEET]
    assert names[: len(original)] == original
    assert {"_ehxl", "Summary", "Overdue", "Validation"} <= set(names[len(original):])
    assert set(names[len(original):]) <= {"_ehxl", "Summary", "Overdue", "Validation", "Maturity", "KPIs", "Audits"}


@needs_samples
def test_libreoffice_opens_every_result(processed, tmp_path):
    libreoffice.soffice()
    results = [work for work, *_ in processed.values()]
    out = tmp_path / "csv"
    libreoffice.convert(results, "csv", out, timeout=900)
    missing = [p.name for p in results if not (out / (p.stem + ".csv")).exists()]
    assert not missing, f"LibreOffice could not open: {missing}"


# ------------------------------------------------------------------ ehxl macros install on every sample

def _own_project(path: Path) -> str | None:
    with zipfile.ZipFile(path) as z:
        return next((n for n in z.namelist() if n.lower().endswith("vbaproject.bin")), None)


def _vba_modules(path: Path) -> dict[str, str]:
    """Module file name -> source, as oletools' olevba extracts them."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()} if parser.detect_vba_macros() else {}
    finally:
        parser.close()


def _install_touchable(path: Path, sheet: str) -> set[str]:
    """What installing may edit: the workbook, its rels, the content types, the button sheet with its rels,
    and the workbook's own VBA project, which gains ehxl's module."""
    pkg = Package.open(path)
    wb = pkg.workbook_part
    part = next(s.part for s in pkg.sheets() if s.name == sheet)
    allowed = {wb, pkg.rels_part(wb), pkg.rels_part(part), part, "[Content_Types].xml"}
    pkg.close()
    return allowed | ({_own_project(path)} if _own_project(path) else set())


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, tuple[Path, Path | None, dict, dict, set]]:
    """Each sample with a plan, put through `ehxl macros install`: (input, written or None, before, after, allowed)."""
    out = {}
    for sample, work in _with_plans(tmp_path_factory.mktemp("macros")):
        before, allowed = digests(work), _install_touchable(work, PLAN_SHEET)
        try:
            written = api.install_macros(work).written
        except EhxlError as exc:
            assert "locked with a password" in str(exc), f"{sample.name}: refused: {exc}"
            assert "\n" not in str(exc) and "ehxl macros export" in str(exc)
            assert digests(work) == before
            out[sample.name] = (work, None, before, before, allowed)
            continue
        out[sample.name] = (work, written, before, digests(written), allowed)
    return out


@needs_samples
@pytest.mark.parametrize("sample", OPENABLE, ids=[p.name for p in OPENABLE])
def test_macros_install_keeps_every_part_it_does_not_own(sample, installed):
    if sample.name not in installed:
        pytest.skip("Strict Open XML: refused by every job (see the test above)")
    work, written, before, after, allowed = installed[sample.name]
    if written is None:
        return                                         # refused, untouched: checked in the fixture
    own = _own_project(sample)
    if work.suffix.lower() == ".xlsx":
        assert written == work.with_suffix(".xlsm") and digests(work) == before    # the .xlsx is left as it was
    if own:
        assert written == work.with_name(f"{work.stem} with ehxl buttons.xlsm") and digests(work) == before
        kept, now = _vba_modules(work), _vba_modules(written)
        assert {name: now.get(name) for name in kept} == kept                  # every module's source as it was
        assert set(now) == {*kept, "ehxl.bas"}
    for name, digest in before.items():
        if name not in allowed:
            assert after.get(name) == digest, f"{name} changed"
    added = after.keys() - before.keys()
    assert own or any(n.endswith("vbaProject.bin") for n in added)
    assert any(n.endswith(".vml") for n in added)
    with zipfile.ZipFile(written) as z:
        for name in added | (allowed & after.keys()):
            if name.endswith((".xml", ".rels", ".vml")):
                etree.fromstring(z.read(name))
    assert [s.name for s in Package.open(written).sheets()] == [s.name for s in Package.open(work).sheets()]


@needs_samples
@pytest.mark.libreoffice
def test_libreoffice_opens_every_installed_workbook_and_finds_every_module(installed, tmp_path):
    libreoffice.soffice()
    results = [written for _, written, *_ in installed.values() if written is not None]
    assert results
    out = tmp_path / "ods"
    libreoffice.convert(results, "ods", out, timeout=900)
    problems = []
    for path in results:
        ods = out / (path.stem + ".ods")
        if not ods.exists():
            problems.append(f"{path.name}: not opened")
            continue
        with zipfile.ZipFile(ods) as z:
            module = next((z.read(n).decode() for n in z.namelist() if n.startswith("Basic/") and n.endswith(
                "/ehxl.xml")), "")
            listed = {n.rsplit("/", 1)[-1].removesuffix(".xml") for n in z.namelist() if n.startswith("Basic/")}
        if not all(f"Sub {sub}()" in module for sub in ("EhxlValidate", "EhxlFlagOverdue", "EhxlRollup",
                                                         "EhxlClearFlags")):
            problems.append(f"{path.name}: no ehxl module")
        missing = {Path(name).stem for name in _vba_modules(path)} - listed      # a workbook's own modules too
        if missing:
            problems.append(f"{path.name}: LibreOffice does not list {sorted(missing)}")
    assert not problems

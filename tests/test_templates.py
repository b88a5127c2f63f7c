"""The templates behind ``ehxl new``: rebuilt from code, recognised by the engine, shipped in the wheel."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from ehxl import __version__, api, templates

import libreoffice

REPO = Path(__file__).resolve().parents[1]


def _parts(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("name", templates.NAMES)
def test_committed_template_matches_a_fresh_build(name):
    committed = (REPO / "workbook_templates" / name).read_bytes()
    assert _parts(templates.build(name)) == _parts(committed), \
        f"workbook_templates/{name} is out of date: run python -m ehxl.templates"


def test_action_plan_template_reads_cleanly(tmp_path):
    path = api.new("action_plan", tmp_path / "plan.xlsx")
    a = api.validate(path, as_of=date(2026, 7, 15)).analysis
    assert a.sheet_kinds == {"Plan": "action_plan", "Owners": "owners", "Config": "config"}
    assert a.findings == []                                   # every example owner is on the Owners sheet
    assert [x.ref for x in a.actions] == ["1.1", "1.2", "2.1", "2.2"]
    # as of 15/07/2026: 1.1 due 30/06/2026 in progress -> overdue 15 days; 2.1 ongoing; 2.2 complete;
    # 1.2 due 30/09/2026 -> 77 days away, not due soon
    assert [(x.ref, (a.as_of - x.due).days) for x in a.late] == [("1.1", 15)]
    assert a.soon == []
    assert a.actions[0].owners == ["Rachel Price"]


@pytest.mark.parametrize("kind, expected", [
    ("maturity", {"Plan": "action_plan", "Maturity matrix": "maturity_grid"}),
    ("kpi", {"Quarterly KPIs": "kpi_table", "Targets": "targets"}),
    ("audit", {"Case file audit": "audit_table"}),
])
def test_other_templates_are_recognised(kind, expected, tmp_path):
    path = api.new(kind, tmp_path / f"{kind}.xlsx")
    assert api.validate(path, as_of=date(2026, 7, 15)).analysis.sheet_kinds == expected


def test_new_refuses_to_overwrite(tmp_path):
    from ehxl.errors import EhxlError

    path = api.new("kpi", tmp_path / "kpi.xlsx")
    with pytest.raises(EhxlError, match="already exists"):
        api.new("kpi", path)
    api.new("kpi", path, force=True)


def test_libreoffice_opens_every_template(tmp_path):
    libreoffice.soffice()
    files = []
    for name in templates.NAMES:                 # action_plan.xlsx and .xlsm would both become action_plan.csv
        copy = tmp_path / name.replace(".", "-", 1)
        copy = copy.with_name(copy.name + Path(name).suffix)
        shutil.copyfile(REPO / "workbook_templates" / name, copy)
        files.append(copy)
    out = tmp_path / "csv"
    libreoffice.convert(files, "csv", out, timeout=600)
    for f in files:
        assert (out / (f.stem + ".csv")).exists(), f"LibreOffice could not open {f.name}"


def test_macro_template_holds_exactly_the_module_and_libreoffice_lists_it(tmp_path):
    """The committed action_plan.xlsm: olevba extracts macros/ehxl.bas as it is; LibreOffice finds its four subs."""
    from oletools.olevba import VBA_Parser

    from test_workbook_macros import libreoffice_basic_modules

    template = REPO / "workbook_templates" / "action_plan.xlsm"
    parser = VBA_Parser(str(template))
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    bas = (REPO / "macros" / "ehxl.bas").read_text().replace("\r\n", "\n").rstrip("\n")
    assert modules["ehxl.bas"].replace("\r\n", "\n").rstrip("\n") == bas
    lo = libreoffice_basic_modules(template, tmp_path / "lo")
    for sub in ("EhxlValidate", "EhxlFlagOverdue", "EhxlRollup", "EhxlClearFlags"):
        assert f"Sub {sub}()" in lo["ehxl"]


def test_wheel_ships_templates_and_macros(tmp_path):
    pytest.importorskip("build")
    source = tmp_path / "source"                    # a copy: building leaves build/ and *.egg-info behind
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__"))
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path),
                           str(source)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("ehxl-*.whl"))
    assert wheel.name.startswith(f"ehxl-{__version__}-")       # pyproject.toml reads ehxl.__version__
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in templates.NAMES:
        assert f"ehxl/workbook_templates/{name}" in names
    assert "ehxl/macros/__init__.py" in names
    assert "ehxl/cli.py" in names

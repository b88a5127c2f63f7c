"""Maturity, KPIs and audits from real workbook files through ``ehxl validate`` / ``ehxl rollup``.

Figures are worked out by hand from seeds 001, 002 and 004 (see DOMAIN.md).
"""
from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ehxl import api
from ehxl.cli import main

AS_OF = date(2016, 4, 30)


def kpi_2013_15(path: Path) -> Path:
    """Seed 002's table as a performance officer pastes it: header typos and a placeholder included."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Performance 2013-15"
    ws["A1"] = "Children's Services Performance Data"
    ws.append([None, "2013-14", None, None, None, "2014-15"])
    ws.append(["Case Type", "30/06/2013", "30/09/2013", "31/12/213", "31/03/214",
               "30/06/2014", "30/09/2014", "31/12/2014", "31/03/2015"])
    ws.append(["Early Help/Level 2 Cases", 615, 762, 739, 710, 683, 726, 698, 740])
    ws.append(["CiN Cases", 815, 875, 831, 943, 923, 923, 1019, 958])
    ws.append(["Escalated to Social Care", "31/274", "44/331", "36/292", "51/245", "51/273", "53/369", "18/206",
               "Awaiting data"])
    ws.append(["Escalation %", "11.3%", "13.2%", "12.3%", "20.8%", "18.6%", "14.3%", "8.7%", None])
    wb.save(path)
    return path


def kpi_2014_16(path: Path) -> Path:
    """Seed 004's table with real date cells in the header."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Performance 2014-16"
    ends = [datetime(2014, 6, 30), datetime(2014, 9, 30), datetime(2014, 12, 31), datetime(2015, 3, 31),
            datetime(2015, 6, 30), datetime(2015, 9, 30), datetime(2015, 12, 31), datetime(2016, 3, 31)]
    ws.append(["Case Type", *ends])
    for c in range(2, 10):
        ws.cell(1, c).number_format = "dd/mm/yyyy"
    ws.append(["CiN Cases", 1813, 1705, 1524, 1583, 1813, 1705, 1753, 1567])
    ws.append(["Escalated to Social Care", "51/273", "53/369", "18/206", "65/351", "122/453", "87/325", "93/331",
               "97/392"])
    ws.append(["Escalation %", "18.60%", "14.30%", "8.70%", "18.5%", "26.9%", "26.7%", "28%", "24.7%"])
    wb.save(path)
    return path


def test_unreadable_period_headers_reported_at_their_cells(tmp_path):
    path = kpi_2013_15(tmp_path / "kpi.xlsx")
    res = CliRunner().invoke(main, ["validate", str(path), "--as-of", "2016-04-30", "--format", "json"])
    doc = json.loads(res.stdout)
    unparsed = sorted(f["cell"] for f in doc["findings"] if f["rule"] == "period-unparsed")
    assert unparsed == ["D3", "E3"]                       # "31/12/213" and "31/03/214"
    missing = [f["cell"] for f in doc["findings"] if f["rule"] == "value-missing"]
    assert missing == ["I6"]                              # "Awaiting data"
    assert res.exit_code == 1                             # period-unparsed is an error


def test_kpi_figures_from_a_file(tmp_path):
    path = kpi_2014_16(tmp_path / "kpi.xlsx")
    doc = api.rollup(path, as_of=AS_OF, backup=False).json("rollup")
    assert doc["sheets"] == {"Performance 2014-16": "kpi_table"}
    by_name = {m["measure"]: m for m in doc["kpis"]}
    esc = by_name["Escalated to Social Care"]
    q1 = esc["periods"][0]
    assert (q1["period_end"], q1["numerator"], q1["denominator"]) == ("2014-06-30", 51, 273)
    assert q1["value"] == pytest.approx(100 * 51 / 273, abs=0.005)           # 18.68%
    years = {y["year"]: y for y in esc["years"]}
    assert (years["2014-15"]["numerator"], years["2014-15"]["denominator"]) == (187, 1199)
    assert years["2014-15"]["value"] == pytest.approx(15.596, abs=0.005)    # 51+53+18+65 over 273+369+206+351
    assert (years["2015-16"]["numerator"], years["2015-16"]["denominator"]) == (399, 1501)
    cin = {y["year"]: y["value"] for y in by_name["CiN Cases"]["years"]}
    assert cin == {"2014-15": 6625, "2015-16": 6838}                         # the report's "213 more"
    assert not [f for f in api.validate(path, as_of=AS_OF).analysis.findings
                if f.rule == "published-figure-mismatch"]
    with zipfile.ZipFile(path) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_two_reports_that_disagree_are_flagged(tmp_path):
    from openpyxl import load_workbook

    a = kpi_2013_15(tmp_path / "a.xlsx")
    b = kpi_2014_16(tmp_path / "b.xlsx")
    wb = load_workbook(a)
    src = load_workbook(b).active
    ws = wb.create_sheet("Performance 2014-16")
    for row in src.iter_rows(values_only=True):
        ws.append(row)
    for c in range(2, 10):
        ws.cell(1, c).number_format = "dd/mm/yyyy"
    both = tmp_path / "both.xlsx"
    wb.save(both)
    findings = api.validate(both, as_of=AS_OF).analysis.findings
    conflicts = [f for f in findings if f.rule == "period-conflict"]
    # CiN at 30/06, 30/09, 31/12/2014 and 31/03/2015: 923/1813, 923/1705, 1019/1524, 958/1583
    assert len([f for f in conflicts if "CiN" in f.message]) == 4


def test_maturity_from_the_coventry_demo(tmp_path):
    from ehxl.demo import build_coventry_plan

    path = tmp_path / "coventry.xlsx"
    build_coventry_plan(path)
    doc = api.rollup(path, as_of=date(2016, 7, 1), backup=False).json("rollup")
    areas = {m["area"]: m for m in doc["maturity"]}
    sd = areas["SERVICE DELIVERY"]
    # 6 actions: 1 (level 3), its sub-row (its own lead and dates, no level written: not copied from action 1
    # since issue 10), 2 (3), 4 (1), 5 (1), 7 (2): median of [1, 1, 2, 3, 3] = 2, the declared level
    assert (sd["declared_level"], sd["computed_level"], sd["actions"], sd["actions_with_level"]) == (2, 2, 6, 5)
    assert sd["by_level"] == {"1": 2, "2": 1, "3": 2, "4": 0}
    ipm = areas["INTEGRATED PERFORMANCE MONITORING"]     # written "Integrated Performance Management" in the grid
    assert (ipm["declared_level"], ipm["computed_level"]) == (2, 2)
    isd = areas["INTEGRATED SERVICE DELIVERY"]
    assert (isd["declared_level"], isd["computed_level"]) == (1, 1)


def test_audit_shares_from_the_demo(tmp_path):
    from ehxl.demo import build_performance

    path = tmp_path / "perf.xlsx"
    build_performance(path)
    doc = api.rollup(path, as_of=AS_OF, backup=False).json("rollup")
    later = doc["audits"][-1]["indicators"]
    reviews = next(i for i in later if i["indicator"] == "Reviews")
    # December 2015: 1 missing, 3 poor, 7 satisfactory, 6 good of 17
    assert reviews["cases"] == 17
    assert reviews["counts"] == {"missing": 1, "poor": 3, "satisfactory": 7, "good": 6, "outstanding": 0}
    assert reviews["pct_good_or_better"] == pytest.approx(100 * 6 / 17, abs=0.005)    # 35.29%
    assert reviews["mean_grade"] == pytest.approx((3 * 1 + 7 * 2 + 6 * 3) / 16, abs=0.005)  # 2.1875

"""The board-sheet layout helpers both writers share: style rectangles and chart sources."""
from __future__ import annotations

import pytest

from ehxl.report import Cell, Chart, Series, SheetSpec, block_address, chart_source, parse_ref, row_lines, \
    style_blocks


def spec_of(*rows: list[str | None]) -> SheetSpec:
    spec = SheetSpec("Test")
    for row in rows:
        spec.add_row(*(None if style is None else Cell("x", style) for style in row))
    return spec


def test_a_table_becomes_a_few_rectangles():
    spec = spec_of(["title"],
                   [],
                   ["header", "header", "header"],
                   ["text", "int", "pct"],
                   ["text", "int", "pct"],
                   ["text", "int", "rag_red"])
    # worked out by hand: the title; the header row; column A text rows 4-6; B ints 4-6; C pct 4-5; C6 red
    assert sorted(style_blocks(spec)) == sorted([
        ("title", (1, 1, 1, 1)), ("header", (3, 1, 3, 3)), ("text", (4, 1, 6, 1)), ("int", (4, 2, 6, 2)),
        ("pct", (4, 3, 5, 3)), ("rag_red", (6, 3, 6, 3))])


def test_side_by_side_columns_of_one_style_merge_and_gaps_split():
    spec = spec_of(["int", "int", None, "int"],
                   ["int", "int", None, "int"])
    assert sorted(style_blocks(spec)) == [("int", (1, 1, 2, 2)), ("int", (1, 4, 2, 4))]
    assert [block_address(b) for _, b in sorted(style_blocks(spec))] == ["A1:B2", "D1:D2"]


def test_every_styled_cell_is_covered_once():
    spec = spec_of(["text", "wrap", "date"], ["wrap", "wrap"], ["text", None, "date"], ["note"])
    covered = [(r, c) for _, (r1, c1, r2, c2) in style_blocks(spec)
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    styled = [(r, c) for r, row in enumerate(spec.rows, 1) for c, cell in enumerate(row, 1) if cell is not None]
    assert sorted(covered) == sorted(styled)


def test_parse_ref():
    assert parse_ref("'KPIs'!$B$5:$I$5") == (5, 2, 5, 9)
    assert parse_ref("'It''s'!A7") == (7, 1, 7, 1)
    assert parse_ref("Audits!$AA$10:$AB$12") == (10, 27, 12, 28)
    with pytest.raises(ValueError):
        parse_ref("B5:I5")


def test_chart_source_by_columns_and_by_rows():
    columns = Chart("column", "Levels", tuple(
        Series(f"Level {k}", "'M'!$A$6:$A$12", f"'M'!${c}$6:${c}$12") for k, c in enumerate("BCDE", 1)), "G5")
    assert chart_source(columns) == ((6, 2, 12, 5), (6, 1, 12, 1), "columns")
    line = Chart("line", "Open cases", (Series("Open cases", "'K'!$B$5:$I$5", "'K'!$B$7:$I$7"),), "A20")
    assert chart_source(line) == ((7, 2, 7, 9), (5, 2, 5, 9), "rows")


def test_chart_source_refuses_series_that_are_not_one_block():
    apart = Chart("column", "Apart", (Series("a", "'M'!$A$6:$A$9", "'M'!$B$6:$B$9"),
                                      Series("b", "'M'!$A$6:$A$9", "'M'!$D$6:$D$9")), "G5")
    with pytest.raises(ValueError, match="side by side"):
        chart_source(apart)
    mixed = Chart("column", "Mixed", (Series("a", "'M'!$A$6:$A$9", "'M'!$B$6:$B$9"),
                                      Series("b", "'M'!$A$7:$A$10", "'M'!$C$6:$C$9")), "G5")
    with pytest.raises(ValueError, match="categories"):
        chart_source(mixed)


def test_row_lines_counts_wrapped_lines_at_the_column_width():
    spec = SheetSpec("T", widths={1: 11.0})
    # width 11 leaves 10 characters a line: 25 characters need 3 lines, a second paragraph of 4 one more
    row = [Cell("a" * 25 + "\n" + "b" * 4, "wrap")]
    assert row_lines(spec, row) == 4
    assert row_lines(spec, [Cell("a" * 25, "text")]) == 1


def test_date_format_for_each_kind_of_value():
    from datetime import date, datetime, time

    from ehxl.report import date_format

    assert date_format(date(2015, 7, 1), "date") is None                   # the date style has its own format
    assert date_format(date(2015, 7, 1), "text") == "d mmm yyyy"          # a date in a text cell still reads as one
    assert date_format(datetime(2015, 7, 1), "date") is None              # midnight: a plain date
    assert date_format(datetime(2015, 7, 1, 9, 30), "date") == "d mmm yyyy hh:mm"
    assert date_format(time(9, 30), "text") == "hh:mm"
    assert date_format("1 Jul 2015", "text") is None and date_format(12, "int") is None

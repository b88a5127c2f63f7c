"""The byte scanner reads sheets and shared strings exactly as the lxml reader does, or declines.

Each worksheet here is read both ways: by :func:`ehxl.workbook_reading._scan_sheet` (regular expressions over
the bytes) and by :func:`ehxl.workbook_reading._parse_sheet` (lxml, element by element).  Where the scanner
reads a part it must give the same grid; where the part is written in a way it does not read, it must say so
(``NotPlain``) rather than guess, and ``read_workbook`` then gives the lxml reader's grid.
"""
from __future__ import annotations

import io
import random
import re
from datetime import datetime

import pytest
from lxml import etree

from ehxl import actions, xml_scan
from ehxl import workbook_reading as reading
from ehxl.grid import SheetGrid, column_letter

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
EPOCH = datetime(1899, 12, 30)
STRINGS = ["Ref", "Action", "Owner", "Deadline", "Status", "Complete", "RP", "By 1.7.15."]


class _Styles(reading._Styles):
    """Three cell styles without a package: none, a green fill, a date format."""

    def __init__(self) -> None:
        self.fills = [None, None, "00B050"]
        self.xfs = [(0, 0), (0, 2), (14, 0)]
        self.formats = {}
        self._cache = {}


def sheet(rows: str, tail: str = "", head: str = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
          root: str = f'<worksheet xmlns="{NS}">') -> bytes:
    return f"{head}{root}<sheetData>{rows}</sheetData>{tail}</worksheet>".encode()


def both(data: bytes):
    """(scanned grid or None where the scanner declines, parsed grid)."""
    try:
        scanned = reading._scan_sheet(data, "Plan", STRINGS, _Styles(), EPOCH)
    except xml_scan.NotPlain:
        scanned = None
    return scanned, reading._parse_sheet(data, "Plan", STRINGS, _Styles(), EPOCH)


def same(a, b) -> bool:
    return (a.cells, list(a.cells), a.merged, a.hidden_rows) == (b.cells, list(b.cells), b.merged, b.hidden_rows)


PLAIN = [
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
    '<row r="2" spans="1:5" hidden="1"><c r="A2" s="1" t="s"><v>5</v></c><c r="C2" s="2"><v>42186</v></c></row>',
    '<row r="3"><c r="A3"><v>1.5</v></c><c r="B3"><v>7</v></c><c r="C3"><v>1E3</v></c><c r="D3" t="b"><v>1</v></c>'
    '<c r="E3" t="e"><v>#N/A</v></c></row>',
    '<row r="4"><c r="A4" t="str"><f>A1&amp;B1</f><v>Ref &amp; &lt;Action&gt; &#233;&#x41;</v></c>'
    '<c r="B4" s="1"/><c r="C4" t="s"><v>99</v></c><c r="D4" t="n"><v></v></c></row>',
    '<row r="5"><c t="s"><v>6</v></c><c t="s"><v>7</v></c><c r="E5" t="inlineStr"><is><t>typed here</t></is></c>'
    '<c t="inlineStr"><is><r><rPr><b/><color rgb="FFFF0000"/></rPr><t>rich </t></r><r><t>text</t></r>'
    '<rPh><t>phonetic</t></rPh></is></c></row>',
    '<row><c r="A6" t="s" cm="1"><v>2</v></c></row><row r="8"/><row r="9" hidden="true"></row>',
    '<row r="10"><c r="AB10" t="d"><v>2015-07-01T00:00:00</v></c><c r="AC10" t="s"><v>3</v></c>'
    '<c r="AD10" s="1" t="s"><v>3</v></c><c r="AE10" t="s"><v>3</v></c></row>',
]


@pytest.mark.parametrize("rows", PLAIN + ["".join(PLAIN)])
def test_plain_rows_are_scanned_to_the_parsers_grid(rows):
    scanned, parsed = both(sheet(rows, '<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>'))
    assert scanned is not None and same(scanned, parsed)


DECLINED = {
    "attributes in another order": '<row r="1"><c t="s" r="A1"><v>0</v></c></row>',
    "a prefix": '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>',
    "a comment": '<row r="1"><!-- <c r="A1" t="s"><v>1</v></c> --><c r="B1" t="s"><v>0</v></c></row>',
    "CDATA": '<row r="1"><c r="A1" t="str"><v><![CDATA[a < b]]></v></c></row>',
    "a cell with extensions": '<row r="1"><c r="A1" t="s"><v>0</v><extLst><ext uri="x"/></extLst></c></row>',
    "an empty inline string": '<row r="1"><c r="A1" t="inlineStr"><is/></c></row>',
    "a lower-case reference": '<row r="1"><c r="a1" t="s"><v>0</v></c></row>',
    "a tag split over lines": '<row r="1"><c\n r="A1" t="s"><v>0</v></c></row>',
}


@pytest.mark.parametrize("rows", DECLINED.values(), ids=DECLINED.keys())
def test_what_the_scanner_does_not_read_it_leaves_to_the_parser(rows):
    root = f'<worksheet xmlns="{NS}" xmlns:x="{NS}">'
    scanned, parsed = both(sheet(rows, root=root))
    assert scanned is None
    assert parsed.cells or "x:row" not in rows


def test_a_part_in_another_encoding_is_left_to_the_parser():
    data = sheet(PLAIN[0], head='<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")
    with pytest.raises(xml_scan.NotPlain):
        xml_scan.check_plain(data)


def test_merged_ranges_the_scanner_cannot_match_are_left_to_the_parser():
    data = sheet(PLAIN[0], "<mergeCells><mergeCell  ref='A1:B1'/></mergeCells>")
    scanned, parsed = both(data)
    assert scanned is None and parsed.merged == [(1, 1, 1, 2)]


def test_a_row_tag_outside_the_rows_is_left_to_the_parser():
    scanned, _ = both(sheet(PLAIN[0], '<extLst><row r="7"><c r="A7"><v>1</v></c></row></extLst>'))
    assert scanned is None


def test_random_plain_sheets_scan_to_the_parsers_grid():
    rng = random.Random(13)
    for _ in range(40):
        rows = []
        for r in sorted(rng.sample(range(1, 60), 12)):
            cells = []
            for col in sorted(rng.sample(range(1, 30), rng.randint(0, 6))):
                ref = f' r="{column_letter(col)}{r}"' if rng.random() < 0.9 else ""
                style = rng.choice(["", ' s="0"', ' s="1"', ' s="2"'])
                kind = rng.choice(["s", "n", "str", "b", None])
                attr = f' t="{kind}"' if kind else ""
                value = {"s": str(rng.randrange(len(STRINGS) + 2)), "n": str(rng.choice([0, 1.25, 42186, -3])),
                         "str": rng.choice(["a &amp; b", " padded ", "x"]), "b": "0", None: "7"}[kind]
                body = "/>" if rng.random() < 0.1 else f"><v>{value}</v></c>"
                cells.append(f"<c{ref}{style}{attr}{body}")
            hidden = ' hidden="1"' if rng.random() < 0.1 else ""
            rows.append(f'<row r="{r}"{hidden}>{"".join(cells)}</row>')
        scanned, parsed = both(sheet("".join(rows)))
        assert scanned is not None and same(scanned, parsed)


def test_numbers_dates_and_formula_texts_read_alike_however_many_are_kept_to_reuse():
    rows = []
    for r in range(1, reading._OTHERS_KEPT + 600):
        rows.append(f'<row r="{r}"><c r="A{r}"><v>{r * 1.5}</v></c><c r="B{r}" s="2"><v>{42000 + r % 7}</v></c>'
                    f'<c r="C{r}" s="1"><v>{r % 3}</v></c><c r="D{r}" t="str"><f>X</f><v>t{r % 5}</v></c>'
                    f'<c r="E{r}" t="b"><v>{r % 2}</v></c><c r="F{r}" s="1"/>'
                    f'<c r="G{r}" s="2" t="s"><v>{r % 11}</v></c>'
                    f'<c r="H{r}"><v>{r}</v></c></row>')
    scanned, parsed = both(sheet("".join(rows)))
    assert scanned is not None and same(scanned, parsed)


#: CELL_OR_ROW and SHARED as first written, plainly; the tuned patterns must find exactly what they find.
_PLAIN_CELL_OR_ROW = re.compile(
    rb'<c(?: r="([A-Z]{1,3})\d+")?(?: s="(\d+)")?(?: t="(\w+)")?(?: (?:cm|vm|ph)="[^"]*")*'
    rb'(?:/>|>(?:<f\b[^<>]*?(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>)?(<is>(.*?)</is>)?</c>)'
    rb'|(<row)(?: r="(\d+)")?([^<>]*?)/?>', re.S)
_PLAIN_SHARED = re.compile(rb'<si>(?:<t(?: xml:space="preserve")?>([^<]*)</t></si>|(.*?)</si>)|<si/>', re.S)


def test_the_tuned_patterns_find_what_the_plain_ones_find():
    rng = random.Random(21)
    attributes = [' r="A1"', ' r="AB12"', ' r="A"', ' s="3"', ' s=""', ' t="s"', ' t="inlineStr"', ' cm="1"',
                  ' vm="2"', ' ph="x"', ' x="1"', ' spans="1:9"', ' hidden="1"', ' x14ac:dyDescent="0.25"', ' r="4"']
    bodies = ['/>', '>', '/', '//>', ' />', '><v>7</v></c>', '><v>1.5</v></c>', '><v></v></c>', '></c>',
              '><f>A1+B1</f><v>2</v></c>', '><f t="shared" ref="A1:A3" si="0"/><v>2</v></c>', '><f/></c>',
              '><is><t>text</t></is></c>', '><is><r><t>a</t></r></is><v>1</v></c>', '><v>&amp;</v><v>1</v></c>',
              '><x:v>1</x:v></c>', '><v>1</v>']
    strings = ['<si><t>a</t></si>', '<si><t xml:space="preserve"> b </t></si>', '<si/>', '<si></si>',
               '<si><r><t>c</t></r></si>', '<si><t>d</t><rPh><t>e</t></rPh></si>', '<si><t>f', '</t></si>']

    def piece() -> str:
        kind = rng.random()
        if kind < 0.5:
            return "<c" + "".join(rng.sample(attributes, rng.randint(0, 4))) + rng.choice(bodies)
        if kind < 0.7:
            return "<row" + "".join(rng.sample(attributes, rng.randint(0, 3))) + rng.choice(bodies[:5])
        if kind < 0.9:
            return rng.choice(strings)
        return rng.choice(['</row>', '<', '"', ' ', '<x:c r="A1"/>', '<x:row>', '<t>', '</is>', '</c>'])

    runs = ["".join(piece() for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    found = 0
    for run in runs:
        data = run.encode()
        cells, strings_found = xml_scan.CELL_OR_ROW.findall(data), xml_scan.SHARED.findall(data)
        assert cells == _PLAIN_CELL_OR_ROW.findall(data), run
        assert strings_found == _PLAIN_SHARED.findall(data), run
        found += len(cells) + len(strings_found)
    assert found > 5_000


def _parsed_strings(data: bytes) -> list[str]:
    return [reading._text_of(si) for _, si in
            etree.iterparse(io.BytesIO(data), events=("end",), tag="{*}si", **reading._PARSER_KW)]


def test_shared_strings_are_scanned_to_the_parsers_list():
    items = ['<si><t>Plain</t></si>', '<si><t xml:space="preserve"> spaced </t></si>', '<si/>', '<si></si>',
             '<si><t></t></si>', '<si><t>a &amp; b &#10;c</t></si>', '<si><t>_x0041_ escaped</t></si>',
             '<si><r><rPr><b/></rPr><t>rich</t></r><r><t> run</t></r></si>',
             '<si><t>base</t><rPh sb="0" eb="1"><t>guide</t></rPh><phoneticPr fontId="1"/></si>']
    data = f'<?xml version="1.0"?><sst xmlns="{NS}" count="9">{"".join(items)}</sst>'.encode()
    assert reading._scan_strings(data) == _parsed_strings(data)


def test_shared_strings_with_a_prefix_are_left_to_the_parser():
    data = f'<x:sst xmlns:x="{NS}"><x:si><x:t>a</x:t></x:si></x:sst>'.encode()
    with pytest.raises(xml_scan.NotPlain):
        reading._scan_strings(data)


def test_the_header_pretest_never_rejects_a_header():
    """``_may_name`` may only say no where normalising could not give the header."""
    heads = {actions.normalise_header(h) for names in actions.SYNONYMS.values() for h in names}
    rng = random.Random(5)
    alphabet = "abcdeilnorstuwAEIOST0123 %#()/-_.,:\n\t<>&é\u00a0"
    texts = [t for h in heads for t in (h, h.upper(), h.title(), f" {h}. ", "1 " + h, h + "(s)", h + " (%)")]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for text in filter(None, (t.strip() for t in texts)):
        norm = actions.normalise_header(text)
        for head in heads:
            if norm == head:
                assert actions._may_name(text, actions._longest_word(head)), (text, head)


def test_the_unreadable_searches_find_what_one_pattern_of_them_all_finds():
    plain = re.compile(rb'<!--|<!\[CDATA\[|<\?(?!xml\s)|</?\w+:')
    rng = random.Random(17)
    pieces = [b"<", b"/", b"!", b"?", b"-", b"--", b"[CDATA[", b"xml", b" ", b"\n", b":", b"x", b"x14ac", b"c", b"_",
              b">", b'"', b"1", b"<c ", b"</c>", b'spans="1:9"', b"<?xml ", b"<!--", b"<x:c", b"</x:"]
    texts = [b"", b"<?xml version='1.0'?><a/>", b"<a>b:c</a>", b"<a:b/>", b"</a:b>", b"<a x:y='1'/>", b"<?pi?>"]
    texts += [b"".join(rng.choice(pieces) for _ in range(rng.randrange(12))) for _ in range(20_000)]
    found = [bool(plain.search(t)) for t in texts]
    assert [xml_scan._unreadable(t) for t in texts] == found and 1_000 < sum(found) < 19_000


def test_holds_tags_says_what_counting_every_form_of_the_tag_says():
    rng = random.Random(11)
    pieces = [b"<si>", b"<si/>", b"<si ", b"<si\t", b"<sis>", b"<sir/>", b"</si>", b"<s", b"x", b"<mergeCell ",
              b"<mergeCells>", b"<mergeCell/>"]
    for _ in range(3_000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(10)))
        for name in (b"si", b"mergeCell"):
            tags = xml_scan.count_tags(data, name)
            for found in range(tags + 1):
                assert xml_scan.holds_tags(data, name, found) == (tags == found), (data, name, found)


def test_the_repeated_header_check_counts_as_the_plain_rule_does():
    """_RowReader._is_repeated_header gives up once too many columns cannot hold their header again; it says
    what the plain rule says: enough columns whose text normalises to their header's."""
    header = ["Ref", "Theme", "Action", "Owner(s)", "Start", "Deadline", "Status", "Progress (%)", "Update"]
    grid = SheetGrid("Plan")
    for c, text in enumerate(header, 1):
        grid.set(1, c, text)
    row, cols = actions.find_header(grid)
    heads = {c: actions.normalise_header(grid.text(row, c)) for c in cols.values()}
    reader = actions._RowReader(grid, row, cols, heads)
    rng = random.Random(7)
    own = {c: [h, h.upper(), f" {h}. ", h + "(s)", f"<b>{h}</b>", "x" * 61 + h] for c, h in enumerate(header, 1)}
    others = ["1.1", "RP", "Complete", "By 1.4.15", "Progress update", "Action number 7", "", "Owner", "Status"]
    found = 0
    for _ in range(20_000):
        texts = {c: rng.choice(own[c] if rng.random() < 0.7 else others) for c in own if rng.random() < 0.9}
        texts = {c: t for c, t in texts.items() if t}
        plain = sum(1 for c, h, _ in reader._named if c in texts and len(texts[c]) <= 60
                    and actions.normalise_header(texts[c]) == h) >= reader._header_needs
        assert reader._is_repeated_header(texts) == plain, texts
        found += plain
    assert 1_000 < found < 19_000


def test_row_cells_read_like_the_dict_they_replace():
    cells = actions.RowCells({"ref": "A", "deadline": "F"}, 12)
    assert dict(cells) == {"ref": "A12", "deadline": "F12"} and cells == {"ref": "A12", "deadline": "F12"}
    assert cells.get("deadline") == "F12" and cells.get("owner") is None and "owner" not in cells
    assert len(cells) == 2 and list(cells) == ["ref", "deadline"]


class _OnePart:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, part: str) -> bytes:
        return self.data


@pytest.mark.parametrize("tail", ["", "<extra>", "</sheetData>", "<c r=\"A1\">&bogus;</c>"])
def test_a_large_sheet_checked_beside_its_scan_reads_and_fails_as_one_checked_first(tail, monkeypatch):
    from ehxl import package

    rows = "".join(re.sub(r'r="([A-Z]*)(\d)"', lambda m: f'r="{m.group(1)}{n}{m.group(2)}"', PLAIN[0] + PLAIN[2])
                   for n in range(1, 3000))         # rows 11 and 13, 21 and 23, ...
    data = sheet(rows, tail=tail)
    assert len(data) > package._CHECKED_BESIDE

    def read():
        try:
            return reading._read_sheet(_OnePart(data), "Plan", "xl/worksheets/sheet1.xml", STRINGS, _Styles(), False)
        except etree.XMLSyntaxError as exc:
            return f"{type(exc).__name__}: {exc}"
    beside = read()
    monkeypatch.setattr(package, "_CHECKED_BESIDE", len(data) + 1)
    at_once = read()
    assert isinstance(beside, str) == bool(tail)
    assert beside == at_once if tail else same(beside, at_once) and len(beside.cells) == 2 * 2999

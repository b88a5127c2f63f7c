"""Rendering one of ehxl's board sheets: a :class:`ehxl.report.SheetSpec` as a worksheet part.

The part is rendered whole, deterministically, with its children in the order
Excel's schema requires.  Text is always an inline string, never a formula, so
"=1+1" from a staff cell stays text; dates become serials in the workbook's
own date system.  Styles come in as cellXfs indexes from ``xf`` (see
:meth:`ehxl.styles.Styles.named`); relationship ids from the caller.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import sys
from typing import Callable, Protocol
from urllib.parse import quote

from .grid import a1, column_letter
from .parts import DECLARATION, MAIN_NS, R_NS, escape_xml
from .report import WRAPPED, SheetSpec, date_format, is_url, one_line, row_lines

#: Excel's limit on the characters in one cell.
MAX_TEXT = 32_767
#: Excel refuses a header or footer longer than this.
MAX_HEADER = 255

#: Characters XML cannot hold, and the escaped character Excel would read in a literal "_x0041_".
_ILLEGAL = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_ILLEGAL_XML = re.compile(f"[{_ILLEGAL}]")
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_TO_ESCAPE = '&<>"\r'
_NEEDS_ESCAPING = re.compile(f"[{_TO_ESCAPE}]")


def _any_of(chars: str) -> re.Pattern:
    """A search for any of ``chars`` (a character class's body) or an ``_xHHHH_`` escape, written as one class
    followed by a lookbehind: a pattern that starts with a class lets the regular expression engine skip from one
    candidate character to the next, where ``[...]|_x...`` tries both branches at every character (about twice
    as slow on a 40-character text)."""
    return re.compile(f"[{chars}_](?:(?<=_)x[0-9A-Fa-f]{{4}}_|(?<!_))")


_NEEDS_CLEANING = _any_of(_ILLEGAL)
#: Text that cannot go into a cell as it is: to be cleaned (:func:`clean_text`) or escaped.
_NOT_PLAIN = _any_of(_ILLEGAL + _TO_ESCAPE)


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text as Excel will show it: XML-illegal characters removed, capped at ``limit``.

    A literal ``_x0041_`` would be read by Excel as an escaped character, so its
    underscore is itself escaped (``_x005F_``).
    """
    if len(text) <= limit and not _NEEDS_CLEANING.search(text):     # most text: one scan, nothing to do
        return text
    text = _ILLEGAL_XML.sub("", text)[:limit]
    return _EXCEL_ESCAPE.sub(r"_x005F_\1", text)


def _serial(value: dt.date | dt.datetime, date1904: bool) -> float | None:
    """Excel's serial number for a date (None before 1900, which Excel cannot show)."""
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        moment = value
    else:
        moment = dt.datetime(value.year, value.month, value.day)
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    if moment < (epoch if date1904 else dt.datetime(1900, 1, 1)):
        return None
    delta = moment - epoch
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    if not date1904 and moment < dt.datetime(1900, 3, 1):
        serial -= 1   # Excel counts a 29 Feb 1900 that never was
    return serial


@functools.lru_cache(maxsize=4096)
def _day_serial(value: dt.date, date1904: bool) -> float | None:
    """:func:`_serial` of a plain date, once per date: a sheet of deadlines repeats a few hundred."""
    return _serial(value, date1904)


def number_text(value: float | int) -> str:
    """A number as a ``<v>`` holds it: whole floats without their ``.0``."""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def url_links(spec: SheetSpec) -> list[tuple[str, str]]:
    """(cell, URL) of each link that leaves the workbook: these need a relationship.

    A link into another workbook (a board pack's link to a team's cell) has the
    file, relative to this one, as its target and the cell as its location.
    """
    return [(a1(r, c), _file_target(cell.target) if cell.target else cell.link)
            for r, row in enumerate(spec.rows, start=1) for c, cell in enumerate(row, start=1)
            if cell is not None and cell.link and (cell.target or is_url(cell.link))]


@functools.lru_cache(maxsize=1024)
def _file_target(path: str) -> str:
    """A relative file path as a relationship target: a URI, so spaces and the like are %-escaped (once per
    file: a pack links to each team's file from hundreds of cells)."""
    return quote(path, safe="/()'!,;=&~-._:")


def _exact_number_types() -> tuple[type, ...]:
    """Decimal and Fraction, written as floats: only those already imported, as a value of either needs its module."""
    return tuple(getattr(sys.modules[m], name) for m, name in (("decimal", "Decimal"), ("fractions", "Fraction"))
                 if m in sys.modules)


def _cell_tail(value: object, style: str, xf: Callable[[str, str | None], int], date1904: bool) -> str:
    """A ``<c>`` after its reference (``" s="3"><v>7</v></c>``): the same for every cell of that value and style."""
    if type(value) is str:
        return _text_tail(clean_text(value), style, xf)
    if isinstance(value, bool):
        return f'" s="{xf(style, None)}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, _exact_number_types()):
        value = float(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return f'" s="{xf(style, None)}" t="e"><v>#NUM!</v></c>'
        return f'" s="{xf(style, None)}"><v>{number_text(value)}</v></c>'
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'" s="{xf(style, date_format(value, style))}"><v>{number_text(seconds / 86400)}</v></c>'
    if isinstance(value, dt.date):
        serial = _day_serial(value, date1904) if type(value) is dt.date else _serial(value, date1904)
        if serial is not None:
            return f'" s="{xf(style, date_format(value, style))}"><v>{number_text(serial)}</v></c>'
        value = value.isoformat()
    return _text_tail("" if value is None else clean_text(str(value)), style, xf)


def _text_tail(text: str, style: str, xf: Callable[[str, str | None], int]) -> str:
    if not text:                                  # an empty string is an empty cell, as in Excel
        return f'" s="{xf(style, None)}"/>'
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'" s="{xf(style, None)}" t="inlineStr"><is><t{space}>{_escaped(text)}</t></is></c>'


def _escaped(text: str) -> str:
    """:func:`escape_xml`, or ``text`` itself when it has nothing to escape (one scan instead of five)."""
    return escape_xml(text) if _NEEDS_ESCAPING.search(text) else text


class _ByStyle(dict):
    """A fragment of XML per style, made by ``make`` the first time a style is asked for."""

    def __init__(self, make: Callable[[str], str]):
        super().__init__()
        self.make = make

    def __missing__(self, style: str) -> str:
        found = self[style] = self.make(style)
        return found


def _remembered(xf: Callable[[str, str | None], int]) -> Callable[[str, str | None], int]:
    """``xf`` asked once per style and format: a sheet of 10,000 rows has a dozen of them."""
    seen: dict[tuple[str, str | None], int] = {}

    def index(style: str, fmt: str | None) -> int:
        key = (style, fmt)
        found = seen.get(key)
        if found is None:
            found = seen[key] = xf(style, fmt)
        return found
    return index


def _header_text(page_header: str) -> str:
    """A centred page header; ``&`` doubled (a lone one starts a header code), within Excel's 255 characters."""
    text = clean_text(page_header, MAX_HEADER).replace("&", "&&")
    text = text[:MAX_HEADER - 2]
    if (len(text) - len(text.rstrip("&"))) % 2:
        text = text[:-1]
    return "&C" + text


def _extent(rows: list[list]) -> tuple[int, int]:
    """The last row and column that hold a cell: the ``<dimension>``, which comes before the rows."""
    max_row = max_col = 0
    for r, row in enumerate(rows, start=1):
        last = len(row)
        while last and row[last - 1] is None:
            last -= 1
        if last:
            max_row, max_col = r, max(max_col, last)
    return max_row, max_col


def _sheet_rows(spec: SheetSpec, xf: Callable[[str, str | None], int], date1904: bool,
                write: Callable[[bytes], object]) -> list[tuple[str, str, str, str | None]]:
    """Each row's ``<row>``, encoded and handed to ``write`` a few hundred rows at a time; returns the links
    (cell, location or URL, display, other workbook).

    A board sheet can have 100,000 cells, so the work for each is kept small: the
    style's fragment of XML is worked out once, plain text goes in as it is, and
    a whole number or date once per value; anything else is :func:`_cell_tail`'s.
    """
    links: list[tuple[str, str, str, str | None]] = []
    letters = [column_letter(c) for c in range(1, max((len(row) for row in spec.rows), default=0) + 1)]
    xf = _remembered(xf)
    text_head = _ByStyle(lambda style: f'" s="{xf(style, None)}" t="inlineStr"><is><t>')
    tails: dict[tuple[object, str], str] = {}
    fits: list[dict[str, int]] = [{} for _ in letters]     # per column: style -> most characters on one line
    done: list[str] = []
    for r, row in enumerate(spec.rows, start=1):
        cells = []
        number = str(r)
        last = 0
        tall = False
        for c, cell in enumerate(row):
            if cell is None:
                continue
            value, style = cell.value, cell.style
            kind = type(value)
            if kind is str and value and value.strip() is value and not _NOT_PLAIN.search(value) \
                    and len(value) <= MAX_TEXT:
                cells.append(f'<c r="{letters[c]}{number}{text_head[style]}{value}</t></is></c>')
                if style in WRAPPED and not tall:
                    most = fits[c].get(style)
                    if most is None:
                        most = fits[c][style] = one_line(spec, c + 1, style)
                    tall = len(value) > most or "\n" in value
            else:
                if kind is int or kind is dt.date:
                    tail = tails.get((value, style))
                    if tail is None:
                        tail = tails[value, style] = _cell_tail(value, style, xf, date1904)
                else:
                    tail = _cell_tail(value, style, xf, date1904)
                cells.append(f'<c r="{letters[c]}{number}{tail}')
                tall = tall or (style in WRAPPED and isinstance(value, str))     # rare: let row_lines tell
            if cell.link:
                links.append((letters[c] + number, cell.link,
                              clean_text(str(value if value is not None else ""), 255), cell.target))
        if cells:
            lines = row_lines(spec, row) if tall else 1
            height = f' ht="{min(409, 15 * lines)}" customHeight="1"' if lines > 1 else ""
            done.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
            if len(done) == _ROWS_AT_A_TIME:
                write("".join(done).encode("utf-8"))
                done.clear()
    write("".join(done).encode("utf-8"))
    return links


_ROWS_AT_A_TIME = 256


def _write_hyperlinks(part: _Writable, links: list[tuple[str, str, str, str | None]],
                      link_rids: dict[str, str]) -> None:
    """The ``<hyperlinks>``, written a few hundred at a time: an Overdue sheet has one a row, and all of them
    made into one text would be the largest thing alive when a 20,000-row plan is rolled up."""
    part.write(b"<hyperlinks>")
    for start in range(0, len(links), _LINKS_AT_A_TIME):
        items = []
        for ref, target, display, other_file in links[start:start + _LINKS_AT_A_TIME]:
            if other_file:
                items.append(f'<hyperlink ref="{ref}" r:id="{link_rids[ref]}" '
                             f'location="{_escaped(target.lstrip("#"))}" display="{_escaped(display)}"/>')
            elif is_url(target):
                items.append(f'<hyperlink ref="{ref}" r:id="{link_rids[ref]}" display="{_escaped(display)}"/>')
            else:
                items.append(f'<hyperlink ref="{ref}" location="{_escaped(target.lstrip("#"))}" '
                             f'display="{_escaped(display)}"/>')
        part.write("".join(items).encode("utf-8"))
    part.write(b"</hyperlinks>")


_LINKS_AT_A_TIME = 512


def render_sheet(spec: SheetSpec, xf: Callable[[str, str | None], int], **kw) -> bytes:
    """The worksheet part for ``spec`` as bytes (see :func:`write_sheet` for ``kw``)."""
    part = io.BytesIO()               # the rows written into one buffer, which becomes the part without a copy
    write_sheet(spec, xf, part, **kw)
    return part.getvalue()


def write_sheet(spec: SheetSpec, xf: Callable[[str, str | None], int], part: _Writable, *, date1904: bool = False,
                drawing_rid: str | None = None, link_rids: dict[str, str] | None = None,
                legacy_rid: str | None = None, code_name: str | None = None) -> None:
    """The worksheet part for ``spec``, children in the order Excel's schema requires, written into ``part`` a
    row at a time (a large sheet need never be whole in memory: see :class:`ehxl.parts.PartWriter`).

    ``link_rids`` gives the relationship id of each cell whose link is a URL;
    ``legacy_rid`` that of the VML drawing holding ehxl's buttons, and
    ``code_name`` the sheet's VBA name, both kept when a sheet is refreshed.
    """
    link_rids = link_rids or {}
    max_row, max_col = _extent(spec.rows)
    out = [f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{R_NS}">']
    sheet_pr = ""
    if spec.tab_colour:
        sheet_pr += f'<tabColor rgb="FF{spec.tab_colour.upper().lstrip("#")[-6:]}"/>'
    if spec.fit_to_width:
        sheet_pr += '<pageSetUpPr fitToPage="1"/>'
    code = f' codeName="{escape_xml(code_name)}"' if code_name else ""
    if sheet_pr or code:
        out.append(f"<sheetPr{code}>{sheet_pr}</sheetPr>" if sheet_pr else f"<sheetPr{code}/>")
    out.append(f'<dimension ref="{"A1" if not max_row else "A1:" + a1(max_row, max_col)}"/>')
    view = '<sheetView workbookViewId="0">'
    if spec.freeze_row and spec.freeze_row > 1:
        top = f"A{spec.freeze_row}"
        view += (f'<pane ySplit="{spec.freeze_row - 1}" topLeftCell="{top}" activePane="bottomLeft" '
                 f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
    out.append(f"<sheetViews>{view}</sheetView></sheetViews>")
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if spec.widths:
        cols = "".join(f'<col min="{c}" max="{c}" width="{number_text(min(255.0, max(0.0, float(w))))}" '
                       f'customWidth="1"/>' for c, w in sorted(spec.widths.items()))
        out.append(f"<cols>{cols}</cols>")
    part.write(DECLARATION)
    part.write("".join(out).encode("utf-8"))
    links: list[tuple[str, str, str, str | None]] = []
    if max_row:
        part.write(b"<sheetData>")
        links = _sheet_rows(spec, xf, date1904, part.write)
        part.write(b"</sheetData>")
    out = [] if max_row else ["<sheetData/>"]
    if spec.autofilter:
        out.append(f'<autoFilter ref="{escape_xml(spec.autofilter.replace("$", ""))}"/>')
    if links:
        part.write("".join(out).encode("utf-8"))
        _write_hyperlinks(part, links, link_rids)
        out = []
    out.append('<printOptions horizontalCentered="1"/>')
    out.append('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    fit = ' fitToWidth="1" fitToHeight="0"' if spec.fit_to_width else ""
    out.append(f'<pageSetup paperSize="9" orientation="{"landscape" if spec.landscape else "portrait"}"{fit}/>')
    header = f"<oddHeader>{escape_xml(_header_text(spec.page_header))}</oddHeader>" if spec.page_header else ""
    out.append(f"<headerFooter>{header}<oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter></headerFooter>")
    if drawing_rid:
        out.append(f'<drawing r:id="{drawing_rid}"/>')
    if legacy_rid:
        out.append(f'<legacyDrawing r:id="{legacy_rid}"/>')
    out.append("</worksheet>")
    part.write("".join(out).encode("utf-8"))

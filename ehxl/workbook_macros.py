"""The parts that make a workbook macro-enabled with ehxl's buttons: where buttons go, and their VML.

Form-control buttons are written the way XlsxWriter writes them: one VML
``legacyDrawing`` part per sheet, a shape per button whose ``x:FmlaMacro``
names the VBA sub (``[0]!EhxlRollup``: ``[0]`` is this workbook).  Excel
reads the ``x:Anchor`` (cells and pixel offsets); LibreOffice reads the
absolute position in the shape's style, so both are worked out from the
sheet's own column widths and row heights.

Nothing here touches a package; :class:`ehxl.workbook_writing.WorkbookWriter`
puts the parts in place.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: The buttons, in the order a manager uses them: caption and the VBA sub in macros/ehxl.bas.
BUTTONS: tuple[tuple[str, str], ...] = (
    ("Validate", "EhxlValidate"),
    ("Flag overdue", "EhxlFlagOverdue"),
    ("Roll up", "EhxlRollup"),
    ("Clear flags", "EhxlClearFlags"),
)
#: What marks a VML part as ehxl's buttons (so a refreshed Summary keeps them).
MACRO_MARK = b"[0]!Ehxl"

BUTTON_WIDTH_PX = 128
BUTTON_HEIGHT_PX = 30
GAP_PX = 8
MAX_DIGIT_PX = 7              # Calibri 11, Excel's default font: column widths are in its digit widths


def column_px(width_chars: float) -> int:
    """A column's width on screen, from its width in characters (Excel's own rounding)."""
    return int(math.trunc(((256 * width_chars + math.trunc(128 / MAX_DIGIT_PX)) / 256) * MAX_DIGIT_PX))


def row_px(height_pt: float) -> int:
    return int(round(height_pt * 96 / 72))


@dataclass(frozen=True)
class Geometry:
    """The sizes of the sheet's columns and rows that the buttons sit over (pixels)."""

    first_col: int                        # 0-based column where the buttons start
    col_px: tuple[int, ...]               # widths of columns from column 0 onwards (enough to cover the buttons)
    row_px: tuple[int, ...]               # heights of rows from row 0 onwards


@dataclass(frozen=True)
class Placed:
    caption: str
    macro: str
    anchor: tuple[int, int, int, int, int, int, int, int]   # Excel's x:Anchor: col, dx, row, dy (from, to)
    left_pt: float
    top_pt: float


def place(geometry: Geometry, buttons: tuple[tuple[str, str], ...] = BUTTONS,
          default_col_px: int = 64, default_row_px: int = 20) -> list[Placed]:
    """Stack the buttons one under another, starting a little below the top of ``first_col``."""
    left = sum(_size(geometry.col_px, i, default_col_px) for i in range(geometry.first_col)) + GAP_PX
    out = []
    for n, (caption, macro) in enumerate(buttons):
        top = GAP_PX + n * (BUTTON_HEIGHT_PX + GAP_PX)
        c1, dx1 = _locate(geometry.col_px, left, default_col_px)
        r1, dy1 = _locate(geometry.row_px, top, default_row_px)
        c2, dx2 = _locate(geometry.col_px, left + BUTTON_WIDTH_PX, default_col_px)
        r2, dy2 = _locate(geometry.row_px, top + BUTTON_HEIGHT_PX, default_row_px)
        out.append(Placed(caption, macro, (c1, dx1, r1, dy1, c2, dx2, r2, dy2), left * 0.75, top * 0.75))
    return out


def _size(sizes: tuple[int, ...], index: int, default: int) -> int:
    return sizes[index] if index < len(sizes) else default


def _locate(sizes: tuple[int, ...], px: int, default: int) -> tuple[int, int]:
    index = 0
    while px >= (size := _size(sizes, index, default)) and size > 0:
        px -= size
        index += 1
    return index, px


_IDMAP = re.compile(rb"""<o:idmap\b[^>]*\bdata\s*=\s*["']([\d,\s]+)["']""")


def used_idmaps(vml_parts: list[bytes]) -> set[int]:
    """The shape-id blocks other VML drawings in the workbook already use (each block is 1024 ids)."""
    used: set[int] = set()
    for data in vml_parts:
        for m in _IDMAP.finditer(data):
            used.update(int(x) for x in re.split(rb"[,\s]+", m.group(1)) if x)
    return used


def render_vml(placed: list[Placed], idmap: int) -> bytes:
    """The VML drawing holding the buttons, shape ids in block ``idmap``."""
    from xml.sax.saxutils import escape, quoteattr   # here, not at the top: it pulls in urllib and ssl at start-up

    shapes = []
    for n, b in enumerate(placed, start=1):
        anchor = ", ".join(str(v) for v in b.anchor)
        style = (f"position:absolute;margin-left:{_pt(b.left_pt)}pt;margin-top:{_pt(b.top_pt)}pt;"
                 f"width:{_pt(BUTTON_WIDTH_PX * 0.75)}pt;height:{_pt(BUTTON_HEIGHT_PX * 0.75)}pt;"
                 f"z-index:{n};mso-wrap-style:tight")
        shapes.append(
            f'<v:shape id="_x0000_s{idmap * 1024 + n}" type="#_x0000_t201" style={quoteattr(style)} '
            'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
            '<o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
            '<div style="text-align:center"><font face="Calibri" size="220" color="#000000">'
            f"{escape(b.caption)}</font></div></v:textbox>"
            '<x:ClientData ObjectType="Button">'
            f"<x:Anchor>{anchor}</x:Anchor>"
            "<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>[0]!{escape(b.macro)}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign>"
            "</x:ClientData></v:shape>")
    xml = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/>'
        '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
        '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
        + "".join(shapes) + "</xml>")
    return xml.encode("utf-8")


def _pt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")


def is_code_name(name: str | None) -> bool:
    """A name VBA accepts for a document module (what Excel calls a sheet's or workbook's code name)."""
    return bool(name) and _IDENT.fullmatch(name) is not None


def macros_source() -> str:
    """The VBA module the buttons call."""
    from importlib import resources

    return (resources.files("ehxl.macros") / "ehxl.bas").read_text(encoding="utf-8")

"""Replay what the Excel buttons asked Excel to do, so a test can read the sheets they would leave.

xlwings' remote engine does not touch a workbook: it records each call as an
action (``addSheet``, ``setValues``, ``setNumberFormat``, ``setRangeColor``,
``addHyperlink``, ``addChart``...).  :func:`replay` applies those actions to
plain dictionaries, one per sheet, following the action format xlwings
documents for its remote clients.  Nothing of ehxl is used here, so the
equivalence tests compare the buttons' sheets with the file writer's sheets
(read back by openpyxl) without testing ehxl with ehxl.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SheetModel:
    name: str
    values: dict[tuple[int, int], object] = field(default_factory=dict)      # (row, col), 1-based
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    fills: dict[tuple[int, int], str] = field(default_factory=dict)          # RRGGBB
    fonts: dict[tuple[int, int], dict] = field(default_factory=dict)
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    freeze: str | None = None
    charts: list[dict] = field(default_factory=list)
    borders: dict[tuple[int, int], set[str]] = field(default_factory=dict)   # cell -> its lined sides


def _cells(action: dict):
    r0, c0 = action["start_row"], action["start_column"]
    for i in range(action["row_count"]):
        for j in range(action["column_count"]):
            yield r0 + i + 1, c0 + j + 1


def _sides(action: dict, side: str):
    """(cell, side of that cell) for each cell edge a border line of the range lies on."""
    top, left = action["start_row"] + 1, action["start_column"] + 1
    bottom, right = top + action["row_count"] - 1, left + action["column_count"] - 1
    for r, c in _cells(action):
        if side == "edge_top" and r == top or side == "inside_horizontal" and r > top:
            yield (r, c), "top"
        if side == "edge_bottom" and r == bottom or side == "inside_horizontal" and r < bottom:
            yield (r, c), "bottom"
        if side == "edge_left" and c == left or side == "inside_vertical" and c > left:
            yield (r, c), "left"
        if side == "edge_right" and c == right or side == "inside_vertical" and c < right:
            yield (r, c), "right"


def _one(args):
    return args[0] if isinstance(args, list) else args


def _as_sent(sheet: dict) -> SheetModel:
    """A sheet as Excel sent it (its values, from A1)."""
    model = SheetModel(sheet["name"])
    for r, row in enumerate(sheet["values"], start=1):
        for c, value in enumerate(row, start=1):
            if value not in ("", None):
                model.values[(r, c)] = value
    model.charts = [dict(c) for c in sheet.get("charts", [])]
    return model


def replay(book) -> dict[str, SheetModel]:
    """Sheet name -> what the sheet holds after the recorded actions (values and charts of sheets it had kept)."""
    actions = book.json()["actions"]
    added = {a["args"][1] for a in actions if a["func"] == "addSheet"}
    sheets = [_as_sent(s) for s in book.api["sheets"] if s["name"] not in added]
    for a in actions:
        func = a["func"]
        if func == "addSheet":
            position, name = a["args"][0], a["args"][1]
            sheets.insert(position, SheetModel(name))
            continue
        if a.get("sheet_position") is None:
            continue
        sheet = sheets[a["sheet_position"]]
        if func == "setValues":
            for i, row in enumerate(a["values"]):
                for j, value in enumerate(row):
                    key = (a["start_row"] + i + 1, a["start_column"] + j + 1)
                    if value in ("", None):
                        sheet.values.pop(key, None)
                    elif isinstance(value, str) and value.startswith("'"):
                        sheet.values[key] = value[1:]        # Excel takes a leading ' as "this is text"
                    else:
                        sheet.values[key] = value
        elif func == "setNumberFormat":
            for key in _cells(a):
                sheet.formats[key] = a["args"][0]
        elif func == "setRangeColor":
            for key in _cells(a):
                if a["args"][0] is None:
                    sheet.fills.pop(key, None)
                else:
                    sheet.fills[key] = a["args"][0].lstrip("#").upper()
        elif func == "setFontProperty":
            attribute, value = a["args"]
            for key in _cells(a):
                sheet.fonts.setdefault(key, {})[attribute] = value
        elif func == "setBorderProperty":
            side, attribute, value = a["args"]
            if attribute == "line_style":
                for key, cell_side in _sides(a, side):
                    sheet.borders.setdefault(key, set()).add(cell_side) if value else \
                        sheet.borders.get(key, set()).discard(cell_side)
        elif func == "addHyperlink":
            for key in _cells(a):
                sheet.links[key] = a["args"][0]
        elif func == "setColumnWidth":
            for j in range(a["column_count"]):
                sheet.widths[a["start_column"] + j + 1] = _one(a["args"])
        elif func == "setRowHeight":
            for i in range(a["row_count"]):
                sheet.heights[a["start_row"] + i + 1] = _one(a["args"])
        elif func == "freezePaneAtRange":
            sheet.freeze = a["args"][0]
        elif func == "addChart":
            name, kind, _, source, _, _, width, height, plot_by, anchor = a["args"][:10]
            sheet.charts.append({"name": name, "type": kind, "source": source, "plot_by": plot_by,
                                 "anchor": anchor, "width": width, "height": height})
        elif func == "setChartXAxisValues":
            sheet.charts[a["args"][0]]["categories"] = a["args"][2]
        elif func == "setChartTitle":
            sheet.charts[a["args"][0]]["title"] = a["args"][1]
        elif func == "sheetClear":
            sheets[a["sheet_position"]] = SheetModel(sheet.name, charts=sheet.charts)
        elif func == "deleteChart":
            del sheet.charts[a["args"][0]]
    return {s.name: s for s in sheets}


def payload(book, models: dict[str, SheetModel], xlwings_version: str) -> dict:
    """What Excel would send on the next button press: the sheets as the last press left them."""
    sheets = []
    for s in book.sheets:
        model = models.get(s.name)
        values = model.values if model is not None else {}
        height = max((r for r, _ in values), default=0)
        width = max((c for _, c in values), default=0)
        rows = [[values.get((r, c), "") for c in range(1, width + 1)] for r in range(1, height + 1)] or [[]]
        charts = [{"name": c["name"], "chart_type": c["type"]} for c in (model.charts if model else [])]
        sheets.append({"name": s.name, "values": rows, "pictures": [], "tables": [], "charts": charts})
    return {"client": "Microsoft Office", "version": xlwings_version,
            "book": {"name": book.name, "active_sheet_index": 0, "selection": "A1"}, "names": [], "sheets": sheets}

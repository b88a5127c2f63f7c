"""Rendering the charts on ehxl's board sheets: chart parts and the drawing part that places them.

Line, clustered column and 100% stacked bar charts, each with a title and a
legend.  Each series caches the values its range holds in the sheet being
rendered, so a viewer that does not recalculate still draws the chart.
"""
from __future__ import annotations

import datetime as dt
import math

from .grid import split_a1
from .parts import A_NS, C_NS, DECLARATION, R_NS, XDR_NS, escape_xml
from .report import Chart, SheetSpec, split_ref
from .sheet_rendering import clean_text, number_text

_SERIES_COLOURS = {"green": "92D050", "amber": "FFC000", "red": "FF0000", "blue": "00B0F0", "grey": "BFBFBF",
                   "gray": "BFBFBF"}


def _spec_range(spec: SheetSpec, ref: str) -> list[object] | None:
    """The values a range in the spec's own sheet holds, for a chart's cache (None for other sheets)."""
    try:
        sheet, (r1, c1, r2, c2) = split_ref(ref)
    except ValueError:
        return None
    if sheet.casefold() != spec.name.casefold():
        return None
    values = []
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            row = spec.rows[r - 1] if r - 1 < len(spec.rows) else []
            cell = row[c - 1] if c - 1 < len(row) else None
            values.append(cell.value if cell is not None else None)
    return values


def _rich(text: str, size: int | None = None) -> str:
    sz = f' sz="{size}"' if size else ""
    return (f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr b="1"{sz}/></a:pPr>'
            f'<a:r><a:rPr lang="en-GB" b="1"{sz}/><a:t>{escape_xml(clean_text(text, 255))}</a:t></a:r></a:p></c:rich>'
            '</c:tx><c:overlay val="0"/>')


def _series_xml(spec: SheetSpec, chart: Chart, i: int) -> str:
    s = chart.series[i]
    out = [f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>'
           f'<c:tx><c:v>{escape_xml(clean_text(s.name, 255))}</c:v></c:tx>']
    colour = next((rgb for word, rgb in _SERIES_COLOURS.items() if word in s.name.casefold().split()), None)
    if chart.kind == "line":
        fill = f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>' if colour else ""
        out.append(f'<c:spPr><a:ln w="28575" cap="rnd">{fill}<a:round/></a:ln></c:spPr>'
                   '<c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>')
    else:
        if colour:
            out.append(f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr>')
        out.append('<c:invertIfNegative val="0"/>')
    cats = _spec_range(spec, s.categories)
    cache = ""
    if cats is not None:
        pts = "".join(f'<c:pt idx="{k}"><c:v>{escape_xml(clean_text(_category_text(v), 255))}</c:v></c:pt>'
                      for k, v in enumerate(cats) if v is not None)
        cache = f'<c:strCache><c:ptCount val="{len(cats)}"/>{pts}</c:strCache>'
    out.append(f"<c:cat><c:strRef><c:f>{escape_xml(s.categories)}</c:f>{cache}</c:strRef></c:cat>")
    vals = _spec_range(spec, s.values)
    cache = ""
    if vals is not None:
        pts = "".join(f'<c:pt idx="{k}"><c:v>{number_text(v)}</c:v></c:pt>' for k, v in enumerate(vals)
                      if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))
        cache = f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(vals)}"/>{pts}</c:numCache>'
    out.append(f"<c:val><c:numRef><c:f>{escape_xml(s.values)}</c:f>{cache}</c:numRef></c:val>")
    if chart.kind == "line":
        out.append('<c:smooth val="0"/>')
    out.append("</c:ser>")
    return "".join(out)


def _category_text(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_chart(spec: SheetSpec, chart: Chart) -> bytes:
    """A chart part: a line, clustered column or 100% stacked bar chart with a title and a legend."""
    if chart.kind not in ("line", "column", "bar_stacked_100"):
        raise ValueError(f"unknown chart kind {chart.kind!r}; use line, column or bar_stacked_100")
    series = "".join(_series_xml(spec, chart, i) for i in range(len(chart.series)))
    axes = '<c:axId val="500000001"/><c:axId val="500000002"/>'
    if chart.kind == "line":
        plot = (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{series}'
                f'<c:marker val="1"/>{axes}</c:lineChart>')
    elif chart.kind == "column":
        plot = (f'<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>{series}'
                f'<c:gapWidth val="150"/>{axes}</c:barChart>')
    else:
        plot = (f'<c:barChart><c:barDir val="bar"/><c:grouping val="percentStacked"/><c:varyColors val="0"/>'
                f'{series}<c:gapWidth val="60"/><c:overlap val="100"/>{axes}</c:barChart>')
    horizontal = chart.kind == "bar_stacked_100"
    y_title = f"<c:title>{_rich(chart.y_title, 1000)}</c:title>" if chart.y_title else ""
    val_fmt = ('<c:numFmt formatCode="0%" sourceLinked="0"/>' if horizontal
               else '<c:numFmt formatCode="General" sourceLinked="1"/>')
    cat_ax = ('<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="'
              + ("maxMin" if horizontal else "minMax") + '"/></c:scaling><c:delete val="0"/>'
              f'<c:axPos val="{"l" if horizontal else "b"}"/><c:numFmt formatCode="General" sourceLinked="1"/>'
              '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
              '<c:crossAx val="500000002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
              '<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>')
    val_ax = ('<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
              f'<c:delete val="0"/><c:axPos val="{"b" if horizontal else "l"}"/><c:majorGridlines/>{y_title}'
              f'{val_fmt}<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
              '<c:crossAx val="500000001"/><c:crosses val="' + ("max" if horizontal else "autoZero")
              + '"/><c:crossBetween val="between"/></c:valAx>')
    xml = (f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}"><c:roundedCorners val="0"/>'
           f'<c:chart><c:title>{_rich(chart.title, 1400)}</c:title><c:autoTitleDeleted val="0"/>'
           f'<c:plotArea><c:layout/>{plot}{cat_ax}{val_ax}</c:plotArea>'
           '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/>'
           '<c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>')
    return DECLARATION + xml.encode("utf-8")


def render_drawing(charts: list[Chart], chart_rids: list[str]) -> bytes:
    """The drawing part placing each chart over its anchor cell and size."""
    anchors = []
    for n, (chart, rid) in enumerate(zip(charts, chart_rids), start=1):
        row, col = split_a1(chart.anchor)
        cols, rows = chart.size
        anchors.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f'<xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row - 1}</xdr:row>'
            '<xdr:rowOff>0</xdr:rowOff></xdr:from>'
            f'<xdr:to><xdr:col>{col - 1 + cols}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row - 1 + rows}'
            '</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{n + 1}" '
            f'name="Chart {n}" descr="{escape_xml(clean_text(chart.title, 255))}"/><xdr:cNvGraphicFramePr/>'
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" r:id="{rid}"/></a:graphicData>'
            '</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>')
    xml = f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">{"".join(anchors)}</xdr:wsDr>'
    return DECLARATION + xml.encode("utf-8")

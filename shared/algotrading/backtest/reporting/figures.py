"""Plotly figures from the chart sections of the report model (the HTML page's only drawing)."""

from __future__ import annotations

from typing import Any

_EVENT_COLOURS = {
    "triggered": "#c0392b",
    "released": "#27ae60",
    "warning": "#e67e22",
    "floor_breached": "#8e44ad",
}
_MARKER_COLOURS = {"triangle-up": "#1e8449", "triangle-down": "#c0392b", "x": "#2c3e50"}


def figure(content: dict[str, Any]) -> Any:
    """A plotly figure for one chart section's content."""
    if content["type"] == "heatmap":
        return _heatmap(content)
    return _lines(content)


def _lines(content: dict[str, Any]) -> Any:
    from plotly.subplots import make_subplots

    panels = content["panels"]
    heights = [0.7, 0.3] if len(panels) == 2 else None
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        row_heights=heights,
        subplot_titles=[p["title"] for p in panels],
    )
    for row, panel in enumerate(panels, start=1):
        for s in panel["series"]:
            fig.add_trace(_trace(s), row=row, col=1)
        for level in panel.get("levels", []):
            fig.add_hline(
                y=level["value"],
                row=row,
                col=1,
                annotation_text=level["label"],
                line={"dash": "dot", "color": "#7f8c8d", "width": 1},
            )
    for e in content.get("events", []):
        fig.add_vline(
            x=_iso(e["time_ms"]),
            line={"dash": "dash", "width": 1, "color": _EVENT_COLOURS.get(e["kind"], "#7f8c8d")},
        )
    fig.update_layout(
        height=content["height"], margin={"t": 40, "b": 30}, showlegend=len(panels[0]["series"]) > 1
    )
    return fig


def _trace(s: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    x = [_iso(t) for t in s["time_ms"]]
    if s["style"] == "markers":
        marker = {"symbol": s["symbol"], "size": 8, "color": _MARKER_COLOURS.get(s["symbol"])}
        return go.Scatter(x=x, y=s["values"], mode="markers", name=s["name"], marker=marker)
    fill = "tozeroy" if s["style"] == "area" else None
    line = {"width": 1.2, **({"color": "#c0392b"} if fill else {})}
    return go.Scatter(x=x, y=s["values"], name=s["name"], fill=fill, line=line)


def _heatmap(content: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    z = content["z"]
    text = [["" if v is None else f"{v:.1f}%" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=content["x"],
            y=content["y"],
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=0,
            zmin=content["zmin"],
            zmax=content["zmax"],
            colorbar={"title": content["unit"]},
            xgap=2,
            ygap=2,
        )
    )
    fig.update_layout(
        height=180 + 60 * len(content["y"]), yaxis={"type": "category"}, margin={"t": 30, "b": 30}
    )
    return fig


def _iso(ms: int) -> str:
    """Plotly reads ISO strings as dates; milliseconds would be drawn as plain numbers."""
    from algotrading.domain.timefmt import ms_to_iso

    return ms_to_iso(int(ms))

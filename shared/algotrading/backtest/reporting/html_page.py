"""The one HTML renderer of the report model: a self-contained page that opens offline.

plotly.js comes from the plotly wheel and is written into the page once, in the head (no CDN,
no network access when the file is opened, years later, on any machine); each chart is a div
with its own small script. Every text is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

from algotrading.backtest.reporting.figures import figure
from algotrading.backtest.reporting.model import Report, Section, SectionKind

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 8px 0 24px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
p.note { color: #555; font-size: 13px; max-width: 1000px; }
p.empty { font-style: italic; color: #7a4b00; }
"""


def write_html(report: Report, path: Path) -> Path:
    """Write the page to `path` (parent directories must exist) and return it."""
    path.write_text(render_html(report), encoding="utf-8")
    return path


def render_html(report: Report) -> str:
    from plotly.offline import get_plotlyjs

    body = [f"<h1>{_esc(report.title)}</h1>", f"<p>{_esc(report.summary)}</p>"]
    body += [_section(s) for s in report.sections]
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{_esc(report.title)} {_esc(report.run_id)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>\n<body>\n'
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _section(section: Section) -> str:
    parts = [f"<h2>{_esc(section.title)}</h2>"]
    if section.note:
        parts.append(f'<p class="note">{_esc(section.note)}</p>')
    if section.content is None:
        parts.append(f'<p class="empty">{_esc(section.empty or "")}</p>')
    elif section.kind is SectionKind.CHART:
        parts.append(str(figure(section.content).to_html(full_html=False, include_plotlyjs=False)))
    elif section.kind is SectionKind.NOTE:
        parts.append(_note(section.content))
    else:
        parts.append(_table(section.content["columns"], section.content["rows"]))
    return "\n".join(parts)


def _note(content: dict[str, object]) -> str:
    text = f"<p>{_esc(str(content['text']))}</p>" if content.get("text") else ""
    items = content.get("items") or []
    lines = "".join(f"<li>{_esc(str(i))}</li>" for i in items)  # type: ignore[attr-defined]
    return text + (f'<ul class="idle">{lines}</ul>' if lines else "")


def _table(columns: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)

"""The report page: plain HTML with inline CSS, readable offline and without JS.

The one inline script only records, on ``load``, whether every image decoded
(``data-broken-images`` on ``<body>``) and any script or resource error
(``data-errors``), so that a headless browser test can read them from the DOM.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
       margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 1.6rem; margin: .2rem 0 .4rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
nav ol { columns: 2; font-size: .95rem; }
figure { margin: 1rem 0 1.6rem; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
figcaption, .caption { font-size: .88rem; color: #444; margin-top: .35rem; }
.links { font-size: .82rem; }
table { border-collapse: collapse; font-size: .85rem; margin: .6rem 0; display: block;
        overflow-x: auto; max-width: 100%; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .2rem .6rem; text-align: right;
         white-space: nowrap; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.text, th.text { text-align: left; }
td.long { white-space: normal; overflow-wrap: anywhere; min-width: 14rem; }
pre { background: #f5f5f5; padding: .6rem .8rem; overflow-x: auto; font-size: .8rem;
      max-height: 24rem; }
.note { background: #fff8e1; border-left: 4px solid #e6a700; padding: .4rem .8rem;
        margin: .6rem 0; }
.summary { font-size: 1rem; }
code { font-size: .9em; }
"""

CHECK_SCRIPT = """
(function () {
  function note(text) {
    var body = document.body || document.documentElement;
    body.setAttribute('data-errors', (body.getAttribute('data-errors') || '') + text + ';');
  }
  window.addEventListener('error', function (event) {
    var target = event.target || {};
    note(event.message || ('failed to load ' + (target.src || target.href || '?')));
  }, true);
  window.addEventListener('load', function () {
    var broken = [];
    for (var i = 0; i < document.images.length; i++) {
      var image = document.images[i];
      if (!(image.complete && image.naturalWidth > 0)) { broken.push(image.getAttribute('src')); }
    }
    document.body.setAttribute('data-images', String(document.images.length));
    document.body.setAttribute('data-broken-images', broken.join(' '));
    document.body.setAttribute('data-loaded', 'true');
  });
})();
"""


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def anchor(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:.4g}"
    return escape("" if value is None or value is pd.NA else value)


LONG_TEXT = 48  # characters: a longer cell (a command line) wraps instead of widening its table


def _kind(text: bool, value: object) -> str:
    if not text:
        return "num"
    return "text long" if isinstance(value, str) and len(value) > LONG_TEXT else "text"


def table(
    frame: pd.DataFrame,
    caption: str = "",
    csv_name: str | None = None,
    full_columns: int | None = None,
) -> str:
    """An HTML table of ``frame`` (text columns left-aligned), its caption and CSV link.

    Args:
        frame: the rows and columns to show.
        caption: the text below the table.
        csv_name: the CSV file to link (the full table).
        full_columns: the CSV's number of columns when ``frame`` shows fewer.
    """
    text_columns = {c for c in frame.columns if frame[c].dtype == object}
    head = "".join(
        f'<th class="{"text" if c in text_columns else "num"}">{escape(c)}</th>'
        for c in frame.columns
    )
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="{_kind(c in text_columns, v)}">{_cell(v)}</td>'
            for c, v in zip(frame.columns, record, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    link = ""
    if csv_name:
        shown = (f"{len(frame.columns)} of {full_columns} columns shown; all: "
                 if full_columns and full_columns > len(frame.columns) else "")  # fmt: skip
        link = f' {shown}<a href="{escape(csv_name)}">CSV</a>'
    note = f'<p class="caption">{escape(caption)}{link}</p>' if caption or link else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"


def figure(
    stem: str,
    caption: str,
    formats: Sequence[str],
    alt: str,
    attributes: Mapping[str, object] | None = None,
) -> str:
    """A ``<figure>`` showing ``stem.png`` with links to every written format.

    Args:
        stem: the figure's file name without suffix.
        caption: the text below the figure.
        formats: the written suffixes (``png`` first).
        alt: the image's alternative text.
        attributes: ``data-*`` attributes of the element (what the figure
            shows, for a reader's tools and the browser test).
    """
    links = " · ".join(f'<a href="{escape(stem)}.{f}">{f.upper()}</a>' for f in formats)
    data = "".join(f' data-{escape(k)}="{escape(v)}"' for k, v in (attributes or {}).items())
    return (
        f'<figure data-stem="{escape(stem)}"{data}>'
        f'<img src="{escape(stem)}.png" alt="{escape(alt)}" loading="eager">'
        f'<figcaption>{escape(caption)} <span class="links">[{links}]</span></figcaption></figure>'
    )


def not_drawn(stem: str, title: str, reason: str) -> str:
    """The sentence that stands where a figure cannot be drawn (no image is written)."""
    end = "" if reason.endswith((".", ":")) else "."
    return (
        f'<p class="note not-drawn" data-stem="{escape(stem)}">'
        f"{escape(title[:1].upper() + title[1:])} not drawn: {escape(reason)}{end}</p>"
    )


def page(title: str, intro: str, sections: Sequence[tuple[str, str]]) -> str:
    """The whole page: ``sections`` is ``[(title, inner HTML)]``, listed in a table of contents."""
    toc = "".join(f'<li><a href="#{anchor(t)}">{escape(t)}</a></li>' for t, _ in sections)
    body = "".join(f'<section id="{anchor(t)}"><h2>{escape(t)}</h2>{inner}</section>'
                   for t, inner in sections)  # fmt: skip
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style>"
        f"<script>{CHECK_SCRIPT}</script></head>"
        f"<body><main><h1>{escape(title)}</h1>{intro}<nav><ol>{toc}</ol></nav>{body}"
        "</main></body></html>\n"
    )

"""The report page: plain HTML with inline CSS, readable offline and without JS.

The one inline script only records, on ``load``, whether every image decoded
(``data-broken-images`` on ``<body>``) and any script or resource error
(``data-errors``), so that a headless browser test can read them from the DOM.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

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


def table(frame: pd.DataFrame, caption: str = "", csv_name: str | None = None) -> str:
    """An HTML table of ``frame`` (text columns left-aligned), its caption and CSV link."""
    text_columns = {c for c in frame.columns if frame[c].dtype == object}
    head = "".join(
        f'<th class="{"text" if c in text_columns else "num"}">{escape(c)}</th>'
        for c in frame.columns
    )
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="{"text" if c in text_columns else "num"}">{_cell(v)}</td>'
            for c, v in zip(frame.columns, record, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    link = f' <a href="{escape(csv_name)}">CSV</a>' if csv_name else ""
    note = f'<p class="caption">{escape(caption)}{link}</p>' if caption or link else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"


def figure(stem: str, caption: str, formats: Sequence[str], alt: str) -> str:
    """A ``<figure>`` showing ``stem.png`` with links to every written format."""
    links = " · ".join(f'<a href="{escape(stem)}.{f}">{f.upper()}</a>' for f in formats)
    return (
        f'<figure><img src="{escape(stem)}.png" alt="{escape(alt)}" loading="eager">'
        f'<figcaption>{escape(caption)} <span class="links">[{links}]</span></figcaption></figure>'
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

"""The HTML report of a results folder, one package.

* `page`: `build_report`, the page assembled from its sections.
* `sections`: the sections in page order (`SECTIONS`).
* `data`: `ReportData`, what the figures and tables show, prepared once.
* `tables`: results flattened into the report's CSV tables.
* `writer`: `ReportWriter`, which figures become images, and the tables' files.
* `html`: the page's HTML.

Figures are drawn by `rlbench.figures`; the report uses them.
"""

from rlbench.report.page import build_report

__all__ = ["build_report"]

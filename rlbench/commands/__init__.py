"""CLI commands kept outside ``rlbench.cli`` to keep that module short.

Modules here import only typer, `rlbench.errors` and `rlbench.analysis_options`
at import time, so that ``rlbench --help`` stays fast; the work is imported
inside each command. Each module is named ``<command>_cmd`` so that no command
module shares its name with the library package it calls.
"""

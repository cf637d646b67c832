"""CLI commands kept outside ``rlbench.cli`` to keep that module short.

Modules here import only typer (and rlbench.errors) at import time, so that
``rlbench --help`` stays fast; the work is imported inside each command.
"""

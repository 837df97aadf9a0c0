"""Typer sub-commands of `comptoir`, one module per area."""

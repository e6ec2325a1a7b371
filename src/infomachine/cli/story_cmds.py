"""CLI commands (see cli/__init__.py)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []

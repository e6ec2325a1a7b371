"""Docs are part of the work: every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import click

from infomachine.cli import cli

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(prefix + name)
        if isinstance(command, click.Group):
            names.extend(_commands(command, prefix + name + " "))
    return names


def test_every_command_is_in_the_cli_reference() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in _commands(cli) if f"`infomachine {name}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def test_every_command_has_help_with_an_example() -> None:
    ctx = click.Context(cli)
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            continue
        help_text = command.get_help(ctx)
        assert "Example" in help_text, f"`infomachine {name} --help` has no example"

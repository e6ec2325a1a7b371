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


def test_every_setting_is_in_the_configuration_reference() -> None:
    import dataclasses

    from infomachine.cluster.config import ClusterConfig
    from infomachine.cluster.storyline_state import StorylineConfig
    from infomachine.intake.poll import PollConfig
    from infomachine.run.runner import RunConfig
    from infomachine.sources.search import QueriesConfig
    from infomachine.synth.llm.client import LLMConfig

    text = (DOCS.parent / "configuration.md").read_text(encoding="utf-8")
    missing = []
    for section, cls in [("cluster", ClusterConfig), ("stories", StorylineConfig), ("poll", PollConfig), ("queries", QueriesConfig),
                         ("run", RunConfig), ("llm", LLMConfig)]:
        part = text.split(f"## [{section}]", 1)
        if len(part) < 2:
            missing.append(f"[{section}]")
            continue
        body = part[1].split("\n## ", 1)[0]
        missing += [f"[{section}] {f.name}" for f in dataclasses.fields(cls) if f"`{f.name}`" not in body]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"

"""Configuration: flags, then environment (``INFOMACHINE_*``), then ``infomachine.toml``.

Each stage declares its own settings as a dataclass with documented defaults
(``cluster.ClusterConfig``, ``synth.llm.LLMConfig`` …) and reads them with
``load_section("cluster", ClusterConfig)``.  A value comes from, in order of
precedence: explicit overrides (CLI flags), the environment variable
``INFOMACHINE_<SECTION>_<KEY>``, the ``[section]`` table of the TOML file
(``$INFOMACHINE_CONFIG`` or ``./infomachine.toml``), then the default.
Secrets (API keys) are read from the environment only, never from the file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from infomachine.errors import ConfigError

T = TypeVar("T")
# The [section] tables a config file may have (one per stage that reads settings).
SECTIONS = ("cluster", "stories", "poll", "queries", "run", "llm")


def config_path() -> Path:
    return Path(os.environ.get("INFOMACHINE_CONFIG") or "infomachine.toml")


@lru_cache(maxsize=8)
def _load_file(path: str, mtime: float) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_file(path: Path | None = None) -> dict[str, Any]:
    """The parsed TOML file, or {} when there is none.

    A file named explicitly (``INFOMACHINE_CONFIG``) must exist, and a table
    that is not one of ``SECTIONS`` is an error (a misspelt ``[clustr]``
    would otherwise be ignored without a word)."""
    explicit = path is None and bool(os.environ.get("INFOMACHINE_CONFIG"))
    path = path or config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"INFOMACHINE_CONFIG={str(path)!r}: no such file")
        return {}
    data = _load_file(str(path), path.stat().st_mtime)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown section(s) {', '.join(f'[{u}]' for u in unknown)}; "
            f"known: {', '.join(f'[{s}]' for s in SECTIONS)}"
        )
    return data


def _coerce(value: Any, kind: Any, where: str) -> Any:
    if isinstance(value, str) and kind is not str:
        try:
            if kind is bool:
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            if kind is int:
                return int(value)
            if kind is float:
                return float(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: cannot read {value!r} as {kind.__name__}") from exc
    if kind is float and isinstance(value, int):
        return float(value)
    return value


def load_section(
    name: str, cls: type[T], overrides: dict[str, Any] | None = None, path: Path | None = None
) -> T:
    """Build ``cls`` (a dataclass) from file, environment and overrides."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    table = load_file(path).get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] in the config file must be a table")
    hints = get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = set(table) - fields
    if unknown:
        raise ConfigError(f"unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        kind = hints.get(field.name)
        base_kind = kind if kind in (str, int, float, bool) else None
        env_name = f"INFOMACHINE_{name.upper()}_{field.name.upper()}"
        env = os.environ.get(env_name)
        if overrides and overrides.get(field.name) is not None:
            where, value = f"--{field.name.replace('_', '-')}", overrides[field.name]
        elif env:  # an empty variable counts as unset
            where = env_name
            value = _coerce(env, base_kind or str, where)
        elif field.name in table:
            where = f"[{name}] {field.name}"
            value = _coerce(table[field.name], base_kind or object, where)
        else:
            continue
        # Every numeric setting (thresholds, weights, counts, seconds, days) is >= 0.
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"{where}: must be 0 or more, got {value}")
        values[field.name] = value
    return cls(**values)

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
    """The parsed TOML file, or {} when there is none."""
    path = path or config_path()
    if not path.exists():
        return {}
    return _load_file(str(path), path.stat().st_mtime)


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
        env = os.environ.get(f"INFOMACHINE_{name.upper()}_{field.name.upper()}")
        if overrides and overrides.get(field.name) is not None:
            values[field.name] = overrides[field.name]
        elif env:  # an empty variable counts as unset
            values[field.name] = _coerce(env, base_kind or str, f"INFOMACHINE_{name.upper()}_{field.name.upper()}")
        elif field.name in table:
            values[field.name] = _coerce(table[field.name], base_kind or object, f"[{name}] {field.name}")
    return cls(**values)

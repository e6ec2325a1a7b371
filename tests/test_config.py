"""Configuration: precedence (flag > environment > file > default) and the errors
a user gets for a misspelt section or key, a missing file, or a value out of range."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infomachine.cluster.config import ClusterConfig, load_config
from infomachine.config import load_section
from infomachine.errors import ConfigError
from infomachine.intake.poll import PollConfig


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "infomachine.toml"
    monkeypatch.setenv("INFOMACHINE_CONFIG", str(path))
    for var in ("INFOMACHINE_CLUSTER_THRESHOLD", "INFOMACHINE_POLL_WORKERS"):
        monkeypatch.delenv(var, raising=False)
    return path


def test_precedence_flag_then_environment_then_file_then_default(
        config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text("[cluster]\nthreshold = 0.4\nmerge_threshold = 0.6\n")
    assert load_config().threshold == 0.4 and load_config().headline_threshold == ClusterConfig().headline_threshold
    monkeypatch.setenv("INFOMACHINE_CLUSTER_THRESHOLD", "0.35")
    assert load_config().threshold == 0.35 and load_config().merge_threshold == 0.6
    assert load_config({"threshold": 0.2}).threshold == 0.2
    monkeypatch.setenv("INFOMACHINE_CLUSTER_THRESHOLD", "")  # empty counts as unset
    assert load_config().threshold == 0.4


def test_misspelt_key_and_section_are_errors(config_file: Path) -> None:
    config_file.write_text("[cluster]\nthreshhold = 0.4\n")
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) in \[cluster\]: threshhold"):
        load_config()
    config_file.write_text("[clustr]\nthreshold = 0.4\n")
    with pytest.raises(ConfigError, match=r"unknown section\(s\) \[clustr\]"):
        load_config()


def test_an_explicit_config_file_must_exist(config_file: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config()


def test_implicit_config_file_may_be_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFOMACHINE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_section("poll", PollConfig) == PollConfig()


def test_values_out_of_range_or_unreadable_are_errors(
        config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text("[poll]\ninterval = -5\n")
    with pytest.raises(ConfigError, match=r"\[poll\] interval: must be 0 or more, got -5"):
        load_section("poll", PollConfig)
    config_file.write_text("")
    with pytest.raises(ConfigError, match="embedding_weight must be between 0 and 1, got 7"):
        load_config({"embedding_weight": 7})
    with pytest.raises(ConfigError, match="--threshold: must be 0 or more"):
        load_config({"threshold": -1})
    monkeypatch.setenv("INFOMACHINE_CLUSTER_THRESHOLD", "abc")
    with pytest.raises(ConfigError, match="INFOMACHINE_CLUSTER_THRESHOLD: cannot read 'abc' as float"):
        load_config()


def test_tests_run_with_an_isolated_environment(tmp_path: Path) -> None:
    """The autouse fixture of conftest.py: a user's exported settings or own
    infomachine.toml cannot change a test (run pytest on a probe test with both)."""
    import subprocess
    import sys
    import textwrap

    probe = tmp_path / "test_probe.py"
    probe.write_text(textwrap.dedent('''
        import os
        from infomachine.cluster.config import load_config

        def test_probe():
            assert "OPENAI_API_KEY" not in os.environ
            assert "INFOMACHINE_CLUSTER_THRESHOLD" not in os.environ
            assert load_config().threshold != 0.99
    '''))
    (tmp_path / "conftest.py").write_text(
        (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "infomachine.toml").write_text("[cluster]\nthreshold = 0.99\n", encoding="utf-8")
    env = {**os.environ, "INFOMACHINE_CLUSTER_THRESHOLD": "0.99", "OPENAI_API_KEY": "sk-user"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr

"""The command line: subcommands route, `config init` writes a clean example."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from swarmtui.config import load_settings


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swarmtui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_config_init_writes_an_example_that_loads_clean_and_refuses_to_overwrite(
    tmp_path: Path,
) -> None:
    cfg = tmp_path / "conf" / "config.toml"
    env = {"SWARMTUI_CONFIG": str(cfg)}
    first = run("config", "init", env=env)
    assert first.returncode == 0, first.stderr
    assert cfg.exists()
    assert load_settings(cfg).problems == []
    cfg.write_text(cfg.read_text() + "\n# mine\n")
    again = run("config", "init", env=env)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert cfg.read_text().endswith("# mine\n"), "an existing config must not be overwritten"
    assert run("config", "path", env=env).stdout.strip() == str(cfg)


def test_config_reports_problems_without_a_traceback(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('task_poll_interval = "often"\n')
    out = run("config", env={"SWARMTUI_CONFIG": str(cfg)})
    assert out.returncode == 0
    assert "task_poll_interval" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_help_texts_name_the_subcommands() -> None:
    out = run("--help")
    assert out.returncode == 0
    assert "swarmtui lab" in out.stdout and "--read-only" in out.stdout
    lab = run("lab", "--help")
    assert lab.returncode == 0 and "ssh-config" in lab.stdout


def test_a_bad_flag_is_a_usage_error() -> None:
    out = run("lab", "up", "--nodes", "many")
    assert out.returncode == 2
    assert "invalid int value" in out.stderr

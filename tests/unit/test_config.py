"""Config loading (good, bad, missing), the example, and remembering managers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from swarmtui.config import EXAMPLE_CONFIG, Settings, config_path, load_settings
from swarmtui.config_write import ConfigWriteError, remember_managers


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text)
    return p


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    s = load_settings(tmp_path / "nope.toml")
    assert s.problems == [] and s.profiles == {} and s.task_poll_interval == 2.0
    assert s.read_only is False and s.confirmations == "always" and s.theme is None


def test_path_precedence(tmp_path: Path) -> None:
    assert config_path("/x/explicit.toml", env={"SWARMTUI_CONFIG": "/y.toml"}) == \
        Path("/x/explicit.toml")
    assert config_path(None, env={"SWARMTUI_CONFIG": "/y.toml"}) == Path("/y.toml")
    assert config_path(None, env={}).name == "config.toml"
    assert "swarmtui" in str(config_path(None, env={}))
    s = load_settings(env={"SWARMTUI_CONFIG": str(write(tmp_path, "theme = 'x'\n"))})
    assert s.theme == "x"


def test_good_file(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, """
default_profile = "prod"
theme = "nord"
task_poll_interval = 5
stats_interval = 10
read_only = true
confirmations = "destructive"
ssh_config = ["~/lab/ssh_config"]
[keymap]
refresh = "f5"
quit = ["q", "ctrl+q"]
[profiles.prod]
managers = ["ssh://ops@m1", "m2"]
read_only = true
theme = "red"
ssh_config = ["/etc/prod_ssh"]
stats_interval = 0
[profiles.lab]
managers = ["node1"]
"""))
    assert s.problems == []
    assert (s.default_profile, s.theme, s.task_poll_interval, s.read_only, s.confirmations) == \
        ("prod", "nord", 5.0, True, "destructive")
    assert s.keymap == {"refresh": "f5", "quit": "q,ctrl+q"}
    assert s.ssh_config == ["~/lab/ssh_config"]
    prod = s.profiles["prod"]
    assert prod.managers == ["ssh://ops@m1", "m2"] and prod.read_only and prod.theme == "red"
    assert prod.ssh_config == ["/etc/prod_ssh"]
    assert s.profiles["lab"].read_only is None
    # live stats: every 10 s, off for prod, the global value for lab
    assert (s.stats_interval, prod.stats_interval, s.profiles["lab"].stats_interval) == \
        (10.0, 0.0, None)


def test_bad_values_become_problems_and_defaults(tmp_path: Path) -> None:
    p = write(tmp_path, """
default_profile = "missing"
task_poll_interval = -1
stats_interval = 0.5
read_only = "yes"
confirmations = "never"
colour = "blue"
keymap = { refresh = 5 }
[profiles.prod]
managers = ["ftp://x", "good-host"]
extra = 1
[profiles.empty]
managers = []
""")
    s = load_settings(p)
    keys = {pr.key for pr in s.problems}
    assert {"default_profile", "task_poll_interval", "read_only", "confirmations", "colour",
            "keymap.refresh", "profiles.prod.managers", "profiles.prod.extra",
            "profiles.empty.managers"} <= keys
    assert all(pr.file == str(p) for pr in s.problems)
    poll = next(pr for pr in s.problems if pr.key == "task_poll_interval")
    assert "0.2 to 3600" in poll.message and str(p) in str(poll)
    # read_only = "yes" is not a boolean: it fails closed (issue 15 item 4), the rest
    # falls back to defaults
    assert (s.task_poll_interval, s.read_only, s.confirmations, s.default_profile) == \
        (2.0, True, "always", None)
    assert s.profiles["prod"].managers == ["good-host"]
    stats = next(pr for pr in s.problems if pr.key == "stats_interval")
    assert "0 (off)" in stats.message and s.stats_interval == 5.0


def test_broken_toml_is_one_problem_not_an_exception(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "theme = \n[[[\n"))
    assert len(s.problems) == 1 and "not valid TOML" in s.problems[0].message
    assert s.profiles == {} and s.task_poll_interval == 2.0


# --- read-only fails closed (issue 15 item 4) -------------------------------------------


def test_a_toml_error_anywhere_starts_read_only_and_says_why(tmp_path: Path) -> None:
    p = write(tmp_path, "[profiles.prod]\nmanagers = [\"m1\"]\nread_only = true\n"
                        "[keymap]\n\"main.refresh\" = f5\n")  # a bare f5: not TOML
    s = load_settings(p)
    assert s.read_only is True
    (problem,) = s.problems
    assert "not valid TOML" in problem.message and "line 5" in problem.message
    assert "READ-ONLY" in str(problem) and "fixed" in str(problem)


def test_an_unreadable_file_starts_read_only(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    p.write_bytes(b"read_only = true\ntheme = \"\xff\xfe\"\n")  # not UTF-8
    s = load_settings(p)
    assert s.read_only is True and "cannot be read" in s.problems[0].message
    assert "READ-ONLY" in s.problems[0].message
    d = tmp_path / "adir.toml"
    d.mkdir()
    assert load_settings(d).read_only is True


@pytest.mark.parametrize("value", ['"yes"', '"true"', "1", "0", '"no"', "[]", "{}"])
def test_read_only_must_be_a_real_boolean_the_error_names_the_line(
        tmp_path: Path, value: str) -> None:
    p = write(tmp_path, f"# settings\ntheme = \"x\"\nread_only = {value}\n")
    s = load_settings(p)
    assert s.read_only is True
    (problem,) = [pr for pr in s.problems if pr.key == "read_only"]
    assert problem.line == 3 and f"{p} line 3: read_only: must be true or false" in str(problem)
    assert "READ-ONLY" in problem.message


def test_a_profiles_bad_read_only_makes_that_profile_read_only(tmp_path: Path) -> None:
    p = write(tmp_path, "read_only = false\n\n[profiles.lab]\nmanagers = [\"n1\"]\n"
                        "read_only = false\n\n[profiles.prod]\nmanagers = [\"m1\"]\n"
                        "read_only = \"yes\"\n")
    s = load_settings(p)
    assert s.read_only is False and s.profiles["lab"].read_only is False
    assert s.profiles["prod"].read_only is True
    (problem,) = s.problems
    assert problem.key == "profiles.prod.read_only" and problem.line == 9


@pytest.mark.parametrize("key", ["read-only", "readonly", "ReadOnly"])
def test_a_misspelt_read_only_is_honoured(tmp_path: Path, key: str) -> None:
    s = load_settings(write(tmp_path, f"{key} = true\n[profiles.p]\nmanagers = [\"m\"]\n"
                                      f"{key} = true\n"))
    assert s.read_only is True and s.profiles["p"].read_only is True
    assert {pr.line for pr in s.problems} == {1, 4}
    assert all("did you mean read_only" in pr.message for pr in s.problems)


def test_example_config_is_valid_and_complete(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, EXAMPLE_CONFIG))
    assert s.problems == []
    defaults = Settings(path=s.path)
    assert (s.task_poll_interval, s.read_only, s.confirmations) == \
        (defaults.task_poll_interval, defaults.read_only, defaults.confirmations)
    # every setting and profile field is documented in the example
    for name in Settings.__dataclass_fields__:
        if name not in ("path", "problems", "profiles"):
            assert name in EXAMPLE_CONFIG, name
    for name in ("managers", "read_only", "theme", "ssh_config", "[profiles."):
        assert name in EXAMPLE_CONFIG
    # uncommenting the examples gives a valid, clean config too
    uncommented = "\n".join(
        line[2:] if re.match(r"^# (\[|[a-z_]+ = )", line) else line
        for line in EXAMPLE_CONFIG.splitlines())
    s2 = load_settings(write(tmp_path, uncommented))
    assert s2.problems == [], s2.problems
    assert s2.profiles["prod"].managers and s2.default_profile == "prod"


def test_remember_managers_keeps_comments_and_order(tmp_path: Path) -> None:
    p = write(tmp_path, """# my clusters
theme = "nord"  # keep me

[profiles.prod]  # production
managers = [
  "ssh://m1",  # the first
]
read_only = true

[profiles.other]
managers = ["x"]
""")
    assert remember_managers("prod", ["ssh://m1", "ssh://10.0.0.2"], path=p)
    text = p.read_text()
    assert "# my clusters" in text and "# keep me" in text and "# production" in text
    data = tomllib.loads(text)
    assert data["profiles"]["prod"]["managers"] == ["ssh://m1", "ssh://10.0.0.2"]
    assert data["profiles"]["prod"]["read_only"] is True
    assert data["profiles"]["other"]["managers"] == ["x"]
    assert not remember_managers("prod", ["ssh://10.0.0.2"], path=p)  # nothing new
    assert remember_managers("new", ["node1"], path=p)
    assert load_settings(p).profiles["new"].managers == ["node1"]


def test_remember_managers_creates_the_file(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "config.toml"
    assert remember_managers("lab", ["node1", "ssh://root@10.0.0.3"], path=p)
    assert load_settings(p).profiles["lab"].managers == ["node1", "ssh://root@10.0.0.3"]


def test_remember_managers_refuses_a_broken_file(tmp_path: Path) -> None:
    p = write(tmp_path, "[[[\n")
    with pytest.raises(ConfigWriteError, match="not valid TOML"):
        remember_managers("lab", ["node1"], path=p)
    assert p.read_text() == "[[[\n"


def test_profile_node_map(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, """
[profiles.prod]
managers = ["m1"]
[profiles.prod.nodes]
worker7 = "admin@10.0.3.7:2222"
bad = "two words"
worse = 3
"""))
    assert s.profiles["prod"].nodes == {"worker7": "admin@10.0.3.7:2222"}
    keys = sorted(p.key for p in s.problems)
    assert keys == ["profiles.prod.nodes.bad", "profiles.prod.nodes.worse"]

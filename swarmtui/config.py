"""Settings and cluster profiles: ONE TOML file, typed, forgiving.

Where: `--config PATH`, else `$SWARMTUI_CONFIG`, else
`platformdirs.user_config_path("swarmtui", appauthor=False) / "config.toml"`.
A missing file means defaults. A bad value never stops the app: it becomes a
`ConfigProblem` (file, line, key, what is allowed) in `Settings.problems` and the
default is used instead — except where the safe choice is not the default: a file
that cannot be read or parsed, or a `read_only` that is not a real boolean, might
have asked for read-only, so the app then starts READ-ONLY (fails closed) and the
problem says so. `EXAMPLE_CONFIG` documents every option; keep it in
sync with the dataclasses below (a unit test loads it and checks it is clean).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

ENV_VAR = "SWARMTUI_CONFIG"
CONFIRMATION_LEVELS = ("always", "destructive")
#: what a profile name may hold (letters, digits, "_" and "-")
PROFILE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in the config file; the default was used instead."""

    file: str  # the config file's path
    key: str  # dotted key, e.g. "profiles.prod.managers"; "" for the whole file
    message: str  # what is wrong and what is allowed
    line: int | None = None  # 1-based line of the key in the file, when found

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass
class Profile:
    """A cluster: `[profiles.NAME]`."""

    name: str
    #: manager endpoints, tried in order: "ssh://user@host", an ssh_config alias, "tcp://…"
    managers: list[str] = field(default_factory=list)
    #: open this cluster read-only (None: use the global `read_only`)
    read_only: bool | None = None
    #: theme for this cluster, e.g. a red one for production (None: the global `theme`)
    theme: str | None = None
    #: extra ssh_config files for this cluster, read after ~/.ssh/config
    ssh_config: list[str] = field(default_factory=list)
    #: how to reach each node over SSH, `[profiles.NAME.nodes]` hostname = "target" (an
    #: ssh_config alias, "user@host[:port]" or "ssh://…"); nodes not listed are reached by
    #: an ssh_config Host matching their hostname, else by their swarm address
    nodes: dict[str, str] = field(default_factory=dict)
    #: seconds between live stats samples of each node for this cluster; 0 turns them
    #: off (None: the global `stats_interval`)
    stats_interval: float | None = None


@dataclass
class Settings:
    """Everything the config file can set. Defaults apply to anything missing or bad."""

    #: profile to open when `swarmtui` is run with no target and no --profile (None: none)
    default_profile: str | None = None
    #: theme name, built-in or from the config dir's themes/ (None: the app's default)
    theme: str | None = None
    #: seconds between task polls (tasks have no events); 0.2 … 3600
    task_poll_interval: float = 2.0
    #: seconds between live stats samples of each node over SSH (CPU, MEM, DISK); 0 = off
    stats_interval: float = 5.0
    #: start read-only: every change is refused before it is sent
    read_only: bool = False
    #: which changes ask for confirmation: "always" (every change) or "destructive"
    #: (removals, drains, demotions, scale-to-zero, leaving the swarm)
    confirmations: str = "always"
    #: key remapping, action id -> keys ("ctrl+r" or "f5,ctrl+r"); validated by the UI
    keymap: dict[str, str] = field(default_factory=dict)
    #: extra ssh_config files, read after ~/.ssh/config (like --ssh-config)
    ssh_config: list[str] = field(default_factory=list)
    #: cluster profiles by name
    profiles: dict[str, Profile] = field(default_factory=dict)
    #: the file these settings came from (it may not exist)
    path: Path = field(default_factory=lambda: default_config_path())
    #: what was wrong in the file (each replaced by its default)
    problems: list[ConfigProblem] = field(default_factory=list)


def default_config_path() -> Path:
    return platformdirs.user_config_path("swarmtui", appauthor=False) / "config.toml"


def config_path(explicit: str | os.PathLike[str] | None = None,
                env: Mapping[str, str] | None = None) -> Path:
    """--config, else $SWARMTUI_CONFIG, else the platformdirs default."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit).expanduser()
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    return default_config_path()


# --- loading --------------------------------------------------------------------------


READ_ONLY_FALLBACK = ("starting READ-ONLY (the file may have asked for it): every change is "
                      "refused until the file is fixed")
# keys that look like a misspelt `read_only`: honoured as a request for read-only
_READ_ONLY_LOOKALIKE = re.compile(r"^read[-_ ]?only$", re.IGNORECASE)


class _Reader:
    def __init__(self, path: Path, text: str = "") -> None:
        self.file = str(path)
        self.lines = text.splitlines()
        self.problems: list[ConfigProblem] = []

    def bad(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.file, key, message, self.line_of(key)))

    def line_of(self, dotted: str) -> int | None:
        """The line that sets `dotted` ("profiles.prod.read_only"), found by a plain scan of
        table headers and `key =` lines (tomllib gives no positions)."""
        if not dotted:
            return None
        table, _, key = dotted.rpartition(".")
        current = ""
        header_line: int | None = None
        for no, raw in enumerate(self.lines, 1):
            line = raw.strip()
            m = re.match(r"^\[\s*([^\[\]]+?)\s*\](\s*#.*)?$", line)
            if m:
                current = ".".join(part.strip().strip("\"'") for part in m.group(1).split("."))
                if current == dotted:
                    header_line = no
                continue
            m = re.match(r"^([A-Za-z0-9_\-\"'. ]+?)\s*=", line)
            if m and current == table and m.group(1).strip().strip("\"'") == key:
                return no
        return header_line

    def opt_str(self, table: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.bad(prefix + key, f"must be a non-empty string, not {value!r}")
        return None

    def read_only(self, table: Mapping[str, Any], prefix: str = "") -> bool | None:
        """`read_only`: a real boolean. Anything else (\"yes\", 1) is an error and means
        read-only: the file asked for something, and read-write is the unsafe guess."""
        for key in table:
            if key != "read_only" and _READ_ONLY_LOOKALIKE.match(key):
                self.bad(prefix + key, f"unknown setting; did you mean read_only? "
                                       f"{READ_ONLY_FALLBACK}")
                return True
        if "read_only" not in table:
            return None
        value = table["read_only"]
        if isinstance(value, bool):
            return value
        self.bad(prefix + "read_only", f"must be true or false (no quotes), not {value!r}; "
                                       f"{READ_ONLY_FALLBACK}")
        return True

    def str_list(self, table: Mapping[str, Any], key: str, prefix: str = "") -> list[str]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return [v.strip() for v in value]
        self.bad(prefix + key, f"must be a list of strings, not {value!r}")
        return []


def load_settings(path: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """Read the config file. Never raises for file content: see `Settings.problems`."""
    p = config_path(path, env)
    settings = Settings(path=p)
    r = _Reader(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return settings
    except (OSError, UnicodeDecodeError) as exc:
        r.bad("", f"cannot be read ({exc}); using defaults and {READ_ONLY_FALLBACK}")
        settings.problems = r.problems
        settings.read_only = True
        return settings
    r = _Reader(p, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        r.bad("", f"is not valid TOML ({exc}); using defaults and {READ_ONLY_FALLBACK}")
        settings.problems = r.problems
        settings.read_only = True
        return settings
    _apply(settings, data, r)
    settings.problems = r.problems
    return settings


_TOP_KEYS = ("default_profile", "theme", "task_poll_interval", "stats_interval", "read_only",
             "confirmations", "keymap", "ssh_config", "profiles")
_PROFILE_KEYS = ("managers", "read_only", "theme", "ssh_config", "nodes", "stats_interval")


def _stats_interval(table: Mapping[str, Any], r: _Reader, key: str) -> float | None:
    """`stats_interval`: 0 (off) or 1 to 3600 seconds; None when absent or bad."""
    if "stats_interval" not in table:
        return None
    v = table["stats_interval"]
    if isinstance(v, int | float) and not isinstance(v, bool) and (v == 0 or 1 <= v <= 3600):
        return float(v)
    r.bad(key, f"must be 0 (off) or a number of seconds from 1 to 3600, not {v!r}")
    return None


def _apply(s: Settings, data: dict[str, Any], r: _Reader) -> None:
    for key in data:
        if key not in _TOP_KEYS and not _READ_ONLY_LOOKALIKE.match(key):
            r.bad(key, "unknown setting (ignored); known: " + ", ".join(_TOP_KEYS))
    s.default_profile = r.opt_str(data, "default_profile")
    s.theme = r.opt_str(data, "theme")
    if "task_poll_interval" in data:
        v = data["task_poll_interval"]
        if isinstance(v, int | float) and not isinstance(v, bool) and 0.2 <= v <= 3600:
            s.task_poll_interval = float(v)
        else:
            r.bad("task_poll_interval",
                  f"must be a number of seconds from 0.2 to 3600, not {v!r}; using 2.0")
    stats = _stats_interval(data, r, "stats_interval")
    if stats is not None:
        s.stats_interval = stats
    ro = r.read_only(data)
    if ro is not None:
        s.read_only = ro
    if "confirmations" in data:
        v = data["confirmations"]
        if v in CONFIRMATION_LEVELS:
            s.confirmations = v
        else:
            r.bad("confirmations", f"must be one of {', '.join(map(repr, CONFIRMATION_LEVELS))}, "
                                   f"not {v!r}; using 'always'")
    if "keymap" in data:
        km = data["keymap"]
        if not isinstance(km, dict):
            r.bad("keymap", "must be a table of action = \"keys\"")
        else:
            for action, keys in km.items():
                if isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys):
                    keys = ",".join(keys)
                if isinstance(keys, str) and keys.strip():
                    s.keymap[action] = keys.strip()
                else:
                    r.bad(f"keymap.{action}", f"must be a key string like \"ctrl+r\" or a list "
                                              f"of them, not {keys!r}")
    s.ssh_config = r.str_list(data, "ssh_config")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        r.bad("profiles", "must be tables: [profiles.NAME]")
        profiles = {}
    for name, table in profiles.items():
        prof = _profile(name, table, r)
        if prof is not None:
            s.profiles[name] = prof
    if s.default_profile and s.default_profile not in s.profiles:
        known = ", ".join(sorted(s.profiles)) or "none defined"
        r.bad("default_profile", f"names no profile ({s.default_profile!r}; profiles: {known})")
        s.default_profile = None


def _profile(name: str, table: Any, r: _Reader) -> Profile | None:
    prefix = f"profiles.{name}."
    if not isinstance(table, dict):
        r.bad(f"profiles.{name}", "must be a table with managers = [...]")
        return None
    if not PROFILE_NAME_RE.match(name):
        r.bad(f"profiles.{name}", "a profile name may use letters, digits, '-' and '_' only")
        return None
    for key in table:
        if key not in _PROFILE_KEYS and not _READ_ONLY_LOOKALIKE.match(key):
            r.bad(prefix + key, "unknown profile setting (ignored); known: "
                  + ", ".join(_PROFILE_KEYS))
    managers = r.str_list(table, "managers", prefix)
    good: list[str] = []
    # on first use: importing swarmtui.connect loads asyncssh, which `config check` and a
    # recorded state do not need
    from swarmtui.connect.endpoint import parse_endpoint
    from swarmtui.connect.errors import EndpointError

    for m in managers:
        try:
            parse_endpoint(m, env={})
        except EndpointError as exc:
            r.bad(prefix + "managers", f"{m!r} is not an endpoint: {exc}")
            continue
        good.append(m)
    if not good:
        r.bad(prefix + "managers", "lists no manager; give at least one, e.g. "
                                   "managers = [\"ssh://admin@manager1\"]")
    return Profile(name=name, managers=good, read_only=r.read_only(table, prefix),
                   theme=r.opt_str(table, "theme", prefix),
                   ssh_config=r.str_list(table, "ssh_config", prefix),
                   nodes=_node_map(table, r, prefix),
                   stats_interval=_stats_interval(table, r, prefix + "stats_interval"))


def _node_map(table: Mapping[str, Any], r: _Reader, prefix: str) -> dict[str, str]:
    value = table.get("nodes", {})
    if not isinstance(value, dict):
        r.bad(prefix + "nodes", "must be a table: [profiles.NAME.nodes] hostname = \"target\"")
        return {}
    good: dict[str, str] = {}
    for host, target in value.items():
        if isinstance(target, str) and target.strip() and not any(c.isspace() for c in
                                                                  target.strip()):
            good[host] = target.strip()
        else:
            r.bad(f"{prefix}nodes.{host}", f"must be an SSH target like \"admin@10.0.0.7\", "
                                          f"not {target!r}")
    return good


EXAMPLE_CONFIG = """\
# swarmtui configuration (TOML). Every setting is optional; shown values are defaults
# unless marked "example". A bad value is reported when the app starts and its
# default is used instead.

# Profile to open when swarmtui is started with no target and no --profile.
# default_profile = "prod"                      # example

# Theme: a built-in name or a file name from this directory's themes/ (a broken
# theme file is reported once, naming the file and the field, and the default used).
# Built in: swarm-dark (default), swarm-light, swarm-contrast (high contrast),
# swarm-16 (16-colour terminals: TERM=xterm or screen), swarm-prod (red, for production).
# theme = "swarm-light"                         # example

# Seconds between task polls (Swarm sends no events for tasks): 0.2 to 3600.
task_poll_interval = 2.0

# Seconds between live stats samples of each node over SSH (the Nodes pane's CPU, MEM
# and DISK, the Tasks pane's CPU and MEM, the node detail's history): 0 turns them off.
stats_interval = 5.0

# Start read-only: every change is refused before anything is sent.
read_only = false

# Which changes ask before they are sent: "always" or "destructive"
# (removals, drains, demotions, scale to zero, leaving the swarm).
confirmations = "always"

# Extra ssh_config files, read after ~/.ssh/config (as with --ssh-config).
ssh_config = []

# Key remapping: binding id = "keys" (comma-separated alternatives). `?` in the app
# lists every binding of a screen with its id. An unknown id, or a key another binding
# of the same screen already uses, is reported and that entry ignored.
[keymap]
# "main.refresh" = "f5,ctrl+r"                  # example
# "ops.drain" = "D"                             # example

# A cluster profile: `swarmtui --profile prod`. Managers are tried in order;
# managers learned from the swarm are added here when you choose to save them.
# [profiles.prod]                               # example
# managers = ["ssh://admin@manager1", "ssh://admin@manager2:2222"]
# read_only = true                              # this cluster only
# theme = "swarm-prod"                          # this cluster only
# ssh_config = ["~/.ssh/prod_config"]           # this cluster only
# stats_interval = 0                            # no live stats on this cluster
# How swarmtui reaches each node over SSH (exec, stats, daemon health, prune): this
# table first, else an ssh_config Host matching the node's hostname, else the node's
# swarm address with the first manager's User, IdentityFile and ProxyJump.
# [profiles.prod.nodes]                         # example
# worker = "admin@10.0.3.7"
"""

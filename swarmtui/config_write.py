"""Writing what the app learned back into the config file: the managers of a profile
(`remember_managers`), keeping every comment and the order of what is already there.
The file is re-read and checked before it replaces the old one (config.py reads it)."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence

from swarmtui.config import PROFILE_NAME_RE, config_path


class ConfigWriteError(Exception):
    """The config file could not be updated; the message says why (file untouched)."""


def remember_managers(profile: str, managers: Sequence[str],
                      path: str | os.PathLike[str] | None = None,
                      env: Mapping[str, str] | None = None) -> bool:
    """Add `managers` (endpoint strings) to `[profiles.PROFILE] managers`, keeping the
    ones already there first and every comment elsewhere in the file. Creates the
    profile (and the file) if missing. Returns True if the file changed.
    Raises ConfigWriteError if the file cannot be parsed or written.
    """
    if not PROFILE_NAME_RE.match(profile):
        raise ConfigWriteError(f"{profile!r} is not a valid profile name")
    p = config_path(path, env)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise ConfigWriteError(f"cannot read {p}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigWriteError(f"{p} is not valid TOML ({exc}); fix it first") from exc
    table = data.get("profiles", {}).get(profile, {})
    current = table.get("managers", []) if isinstance(table, dict) else []
    if not isinstance(current, list):
        current = []
    merged = [m for m in current if isinstance(m, str)]
    for m in managers:
        if m not in merged:
            merged.append(m)
    if merged == current:
        return False
    new_line = "managers = " + json.dumps(merged)
    new_text = _set_profile_managers(text, profile, new_line)
    try:
        check = tomllib.loads(new_text)["profiles"][profile]["managers"]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ConfigWriteError(f"could not update [profiles.{profile}] in {p} safely "
                               f"({exc}); add the managers by hand: {new_line}") from exc
    if check != merged:
        raise ConfigWriteError(f"could not update [profiles.{profile}] in {p} safely; "
                               f"add the managers by hand: {new_line}")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text(new_text, encoding="utf-8")
        if p.exists():
            os.chmod(tmp, p.stat().st_mode & 0o7777)
        tmp.replace(p)
    except OSError as exc:
        raise ConfigWriteError(f"cannot write {p}: {exc}") from exc
    return True


def _header_re(profile: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*\[\s*profiles\s*\.\s*(?:{re.escape(profile)}|\"{re.escape(profile)}\""
                      rf"|'{re.escape(profile)}')\s*\]\s*(#.*)?$")


def _set_profile_managers(text: str, profile: str, new_line: str) -> str:
    lines = text.splitlines()
    header = _header_re(profile)
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        sep = [""] if lines and lines[-1].strip() else []
        return "\n".join([*lines, *sep, f"[profiles.{profile}]", new_line]) + "\n"
    end = _section_end(lines, start + 1)
    out = lines[: start + 1]
    i = start + 1
    replaced = False
    while i < end:
        line = lines[i]
        if re.match(r"^\s*managers\s*=", line) and not replaced:
            # skip the whole (possibly multi-line) array
            depth = _bracket_depth(line.split("=", 1)[1])
            i += 1
            while depth > 0 and i < end:
                depth += _bracket_depth(lines[i])
                i += 1
            out.append(new_line)
            replaced = True
            continue
        out.append(line)
        i += 1
    if not replaced:
        out.insert(start + 1, new_line)
    return "\n".join([*out, *lines[end:]]) + "\n"


def _bracket_depth(fragment: str) -> int:
    depth = 0
    quote: str | None = None
    for ch in fragment:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
    return depth


def _section_end(lines: list[str], first: int) -> int:
    """Index of the next table header after `first` (not a line inside an array value)."""
    depth = 0
    for i in range(first, len(lines)):
        line = lines[i]
        if depth == 0 and line.lstrip().startswith("["):
            return i
        if depth == 0 and "=" in line:
            depth += _bracket_depth(line.split("=", 1)[1])
        else:
            depth += _bracket_depth(line)
    return len(lines)

"""Theme files (TOML) → Textual `Theme` objects.

Built-in themes ship in the wheel as `swarmtui/_themes`; in an editable install
they are read from the repository's top-level `themes/`. User themes come from
the config dir's `themes/`. A broken file is reported (file and field) and
skipped; the app falls back to the default theme.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.color import Color, ColorParseError
from textual.theme import Theme

if TYPE_CHECKING:
    from swarmtui.config import Profile, Settings

DEFAULT_THEME = "swarm-dark"


def wanted_theme(profile: Profile | None, settings: Settings | None) -> str:
    """The theme of a profile (production in red), else the config's, else the default."""
    return (profile.theme if profile else None) or \
        (settings.theme if settings else None) or DEFAULT_THEME
#: the themes shipped in themes/ (tests render the main screen in each)
SHIPPED_THEMES = ("swarm-dark", "swarm-light", "swarm-contrast", "swarm-16", "swarm-prod")
COLOR_FIELDS = (
    "primary", "secondary", "accent", "foreground", "background", "surface", "panel",
    "success", "warning", "error", "boost",
)
#: semantic state colours every theme has (missing ones are derived from the base colours)
SEMANTIC_DEFAULTS = {
    "node-ready": "success",
    "node-down": "error",
    "manager-leader": "primary",
    "manager-unreachable": "error",
    "task-running": "success",
    "task-pending": "warning",
    "task-failed": "error",
    "task-shutdown": "foreground",
    "draining": "warning",
    "updating": "accent",
    "converged": "success",
    "unconverged": "warning",
    "muted": "foreground",
}


@dataclass(frozen=True)
class ThemeError:
    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        where = f" (field {self.field!r})" if self.field else ""
        return f"{self.path}{where}: {self.message}"


def builtin_theme_dir() -> Path:
    """`swarmtui/_themes` in a wheel, else the repository's `themes/` (editable install)."""
    here = Path(__file__).resolve().parent.parent
    shipped = here / "_themes"
    if shipped.is_dir():
        return shipped
    return here.parent / "themes"


def _color(path: Path, name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _BadThemeError(path, name, f"expected a colour string, got {type(value).__name__}")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise _BadThemeError(path, name, f"{value!r} is not a colour ({exc})") from None
    return value


class _BadThemeError(Exception):
    def __init__(self, path: Path, field: str, message: str) -> None:
        super().__init__(message)
        self.error = ThemeError(path, field, message)


def parse_theme(path: Path, data: dict[str, object]) -> Theme:
    """Build a Theme from a TOML table; raises _BadThemeError naming the field."""
    name = data.get("name") or path.stem
    if not isinstance(name, str) or not name.strip():
        raise _BadThemeError(path, "name", "expected a non-empty string")
    if "primary" not in data:
        raise _BadThemeError(path, "primary", "missing (every theme needs a primary colour)")
    unknown = set(data) - {"name", "dark", "ansi", "variables", *COLOR_FIELDS}
    if unknown:
        raise _BadThemeError(path, sorted(unknown)[0], "unknown field")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise _BadThemeError(path, "dark", "expected true or false")
    ansi = data.get("ansi", False)
    if not isinstance(ansi, bool):
        raise _BadThemeError(path, "ansi", "expected true or false")
    colors = {f: _color(path, f, data[f]) for f in COLOR_FIELDS if f in data}
    raw_vars = data.get("variables", {})
    if not isinstance(raw_vars, dict):
        raise _BadThemeError(path, "variables", "expected a table")
    variables: dict[str, str] = {}
    for key, value in raw_vars.items():
        if str(key).endswith("text-style"):
            # Textual's *-text-style variables take a style ("bold", "reverse", "none")
            if not isinstance(value, str):
                raise _BadThemeError(path, f"variables.{key}", "expected a text style string")
            variables[str(key)] = value
            continue
        variables[str(key)] = _color(path, f"variables.{key}", value)
    for key, base in SEMANTIC_DEFAULTS.items():
        if key not in variables:
            variables[key] = colors.get(base) or colors["primary"]
    return Theme(name=name.strip(), dark=dark, ansi=ansi, variables=variables,
                 **colors)  # type: ignore[arg-type]


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _BadThemeError(path, "", exc.strerror or str(exc)) from None
    except UnicodeDecodeError as exc:
        raise _BadThemeError(path, "", f"not UTF-8 text (byte {exc.start}): save it as "
                             "UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise _BadThemeError(path, "", f"not valid TOML: {exc}") from None
    return parse_theme(path, data)


def load_themes(dirs: Iterable[Path]) -> tuple[list[Theme], list[ThemeError]]:
    """Every `*.toml` theme in `dirs` (later dirs override earlier names), and the errors."""
    themes: dict[str, Theme] = {}
    errors: list[ThemeError] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except _BadThemeError as bad:
                errors.append(bad.error)
                continue
            themes[theme.name] = theme
    return list(themes.values()), errors

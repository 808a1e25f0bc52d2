"""Every shipped theme renders the main screen; broken user themes are reported once.

Pictures come from the recorded cluster state (fixtures/cluster.json) through a
StaticStore, as in test_snapshots.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui.config import Profile, Settings
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui import themes
from swarmtui.ui.app import SwarmApp
from tests.functional.conftest import recorded_state, static_app


def test_every_shipped_theme_is_in_themes_dir() -> None:
    loaded, errors = themes.load_themes([themes.builtin_theme_dir()])
    assert errors == []
    assert {t.name for t in loaded} == set(themes.SHIPPED_THEMES)


def test_the_16_colour_theme_uses_ansi_colours_only() -> None:
    theme = themes.load_theme_file(themes.builtin_theme_dir() / "swarm-16.toml")
    assert theme.ansi
    colours = [getattr(theme, f) for f in themes.COLOR_FIELDS if getattr(theme, f)]
    colours += [v for k, v in theme.variables.items() if not k.endswith("text-style")]
    assert colours and all(c.startswith("ansi_") for c in colours), colours


@pytest.mark.parametrize("theme", themes.SHIPPED_THEMES)
def test_theme_picture(snap_compare, theme: str) -> None:
    """The Nodes pane at 80×24 in each shipped theme (states restyled by the theme)."""
    assert snap_compare(static_app(theme=theme), terminal_size=(80, 24))


def _app_with_user_themes(tmp_path: Path, theme: str | None = None) -> SwarmApp:
    snap, now = recorded_state()
    settings = Settings(path=tmp_path / "config.toml", theme=theme)
    return SwarmApp(StaticStore(snap, label="recorded lab", now=now), settings=settings)


async def test_broken_user_themes_one_notification_and_the_default(tmp_path: Path) -> None:
    tdir = tmp_path / "themes"
    tdir.mkdir()
    (tdir / "red-prod.toml").write_text('name = "red-prod"\nprimary = "#ff0000"\n'
                                        '[variables]\nnode-down = "not-a-colour"\n')
    (tdir / "typo.toml").write_text('name = "typo"\nprimary = "#00ff00"\nbackgroud = "#000"\n')
    (tdir / "good.toml").write_text('name = "good"\nprimary = "#00ff00"\n')
    (tdir / "latin1.toml").write_bytes(b'name = "caf\xe9"\n')  # ended the app at start
    app = _app_with_user_themes(tmp_path, theme="red-prod")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == themes.DEFAULT_THEME  # the broken one is not registered
        assert "good" in app.available_themes and "red-prod" not in app.available_themes
        notes = [n for n in app._notifications if "theme" in (n.title or "")]
        assert len(notes) == 1, [n.message for n in app._notifications]
        text = notes[0].message
        assert "red-prod.toml" in text and "variables.node-down" in text
        assert "typo.toml" in text and "backgroud" in text
        assert "latin1.toml" in text and "not UTF-8" in text
        assert "red-prod" in text  # the asked-for theme is named too


async def test_a_good_user_theme_is_used_and_restyles_states(tmp_path: Path) -> None:
    tdir = tmp_path / "themes"
    tdir.mkdir()
    (tdir / "prod.toml").write_text('name = "prod"\nprimary = "#ff0000"\n'
                                    '[variables]\nnode-ready = "#123456"\n')
    app = _app_with_user_themes(tmp_path, theme="prod")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "prod"
        assert app.get_css_variables()["node-ready"] == "#123456"
        assert not [n for n in app._notifications if "theme" in (n.title or "")]


async def test_a_profile_has_its_own_theme_and_theme_flag_wins(tmp_path: Path) -> None:
    settings = Settings(path=tmp_path / "config.toml",
                        profiles={"prod": Profile("prod", managers=["ssh://x"],
                                                  theme="swarm-contrast")})
    app = SwarmApp(settings=settings, profile="prod")
    assert app.theme == "swarm-contrast"
    app = SwarmApp(settings=settings, profile="prod", theme="swarm-light")
    assert app.theme == "swarm-light"


async def test_theme_switch_from_the_palette() -> None:
    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*"theme swarm-light")
        await _wait_for_palette_hit(pilot, "swarm-light")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "swarm-light"


async def _wait_for_palette_hit(pilot, text: str) -> None:
    from textual.command import CommandList

    from tests.waiting import async_wait_for

    app = pilot.app

    def highlighted() -> bool:
        lists = app.screen.query(CommandList)
        if not lists:
            return False
        options = lists.first()
        return options.option_count > 0 and text in str(options.get_option_at_index(0).prompt)

    await async_wait_for(f"a palette hit for {text!r}", highlighted, 10)

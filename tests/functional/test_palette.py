"""The command palette (ctrl+p and `:`): jump to objects by name, run screen actions."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from swarmtui.ui.screens.detail import SCREENS
from tests.functional.conftest import static_app
from tests.waiting import async_wait_for


async def _first_hit(app, text: str) -> str:
    def hit() -> str | None:
        if not isinstance(app.screen, CommandPalette):
            return None
        lists = app.screen.query(CommandList)
        if not lists or lists.first().option_count == 0:
            return None
        prompt = str(lists.first().get_option_at_index(0).prompt)
        return prompt if text in prompt else None

    return await async_wait_for(f"a palette hit for {text!r}", hit, 10)


async def test_palette_finds_a_service_by_name_and_opens_it() -> None:
    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("colon")  # `:` opens it like ctrl+p
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"service web")
        await _first_hit(app, "service web")
        await pilot.press("enter")
        web = app.snapshot.service_by_name("web")
        await async_wait_for("the service's detail", lambda: isinstance(
            app.screen, SCREENS["services"]), 10)
        assert app.screen.object_id == web.id


async def test_palette_jumps_to_a_node_and_a_network() -> None:
    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"node node2")
        await _first_hit(app, "node node2")
        await pilot.press("enter")
        await async_wait_for("node2's detail", lambda: isinstance(
            app.screen, SCREENS["nodes"]), 10)
        assert app.screen.object_id == app.snapshot.node_by_hostname("node2").id
        await pilot.press("escape", "ctrl+p", *"network ingress")
        await _first_hit(app, "network ingress")
        await pilot.press("enter")
        await async_wait_for("the network's detail", lambda: isinstance(
            app.screen, SCREENS["networks"]), 10)


async def test_palette_runs_an_action_of_the_current_screen() -> None:
    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("ctrl+p", *"Problems")
        await _first_hit(app, "Problems")
        await pilot.press("enter")
        await async_wait_for("problems-only", lambda: main.active_table.problems_only, 10)


async def test_palette_toggles_the_walkthrough_panel() -> None:
    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one("#walkthrough")
        assert not panel.display
        await pilot.press("ctrl+p", *"show walkthrough")
        await _first_hit(app, "walkthrough")
        await pilot.press("enter")
        await async_wait_for("the panel shown", lambda: panel.display, 10)


async def test_palette_starts_and_ends_the_tour() -> None:
    """The tour's side panel can be closed (palette → end the tour), done or not."""
    from swarmtui.ui.screens.main import MainScreen
    from swarmtui.ui.tour import TourPanel

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"start the tour")
        await _first_hit(app, "start the tour")
        await pilot.press("enter")
        await async_wait_for("the tour's panel", lambda: isinstance(app.screen, MainScreen)
                             and bool(app.screen.query(TourPanel)), 10)
        await pilot.press("colon", *"end the tour")
        await _first_hit(app, "end the tour")
        await pilot.press("enter")
        await async_wait_for("no tour panel", lambda: isinstance(app.screen, MainScreen)
                             and not app.screen.query(TourPanel), 10)
        assert app.tour is None
        assert not app.screen.query_one("#side").has_class("shown")


async def test_palette_remembers_the_learned_managers_in_the_profile(tmp_path) -> None:
    """Managers learned from the swarm are written into the profile connected to (the
    config file's comments kept), from the palette; a recorded state offers nothing."""
    from swarmtui.config import Profile, Settings, load_settings
    from swarmtui.swarm.sync.store import StaticStore
    from swarmtui.ui.app import SwarmApp
    from tests.functional.conftest import recorded_state

    class Learned(StaticStore):  # the link's knowledge: managers it learned from the swarm
        def learned_managers(self) -> list[str]:
            return ["ssh://10.0.0.12", "ssh://10.0.0.13"]

    cfg = tmp_path / "config.toml"
    cfg.write_text('# mine\n[profiles.prod]\nmanagers = ["ssh://m1"]  # the first\n')
    settings = Settings(path=cfg, profiles={"prod": Profile("prod", managers=["ssh://m1"])})
    snap, now = recorded_state()
    app = SwarmApp(Learned(snap, now=now), settings=settings, profile="prod")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"remember this swarm")
        await _first_hit(app, "remember this swarm's managers in profile prod")
        await pilot.press("enter")
        await async_wait_for("the profile written", lambda: "10.0.0.13" in cfg.read_text(), 10)
    text = cfg.read_text()
    assert text.startswith("# mine\n"), text
    assert load_settings(cfg).profiles["prod"].managers == [
        "ssh://m1", "ssh://10.0.0.12", "ssh://10.0.0.13"]
    assert StaticStore(snap, now=now).learned_managers() == []


async def test_palette_lists_the_panes_own_actions_first_then_the_registrys_order() -> None:
    """Textual runs its providers side by side: swarmtui's entries came in an order that
    changed from run to run (help first, or the wizards), the pane's own keys mixed with
    Filter and Sort. Now: the pane's keys, the others in the registry's order, the forms
    and wizards, then help, the walkthrough and the tour."""
    from swarmtui.ui.actions import ACTIONS

    app = static_app()
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await async_wait_for("the Services pane", lambda: app.screen.active_kind == "services")
        await pilot.press("colon")

        def titles() -> list[str] | None:
            lists = app.screen.query(CommandList) if isinstance(
                app.screen, CommandPalette) else None
            if not lists or lists.first().option_count < 40:
                return None
            return [str(lists.first().get_option_at_index(n).prompt).split("\n")[0]
                    for n in range(lists.first().option_count)]

        shown = await async_wait_for("the palette's entries", titles, 10)
        here = [a.title for a in ACTIONS if "services" in a.panes and a.key and
                not a.palette and a.title in shown]
        assert len(here) >= 8, here
        registry = [t for t in shown if t in {a.title for a in ACTIONS}]  # not the table's ⏎
        assert registry[:len(here)] == here, shown[:len(here) + 3]
        position = {title: n for n, title in enumerate(shown)}
        general = [a.title for a in ACTIONS if not a.panes and not a.palette and a.key and
                   a.title in position]
        assert [position[t] for t in general] == sorted(position[t] for t in general), general
        wizards = [a.title for a in ACTIONS if a.palette and a.title in position]
        assert max(position[t] for t in general) < min(position[t] for t in wizards)
        assert max(position[t] for t in wizards) < position["help: keys of this screen"]

"""Small things a newcomer met at 80×24 after session 5: a passing toast hid what the
marks bar names, a stale toast covered help's title, the tokens screen's footer could
not show its rotate keys."""

from __future__ import annotations

from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.screens.help import HelpScreen
from tests.functional.conftest import open_scale_of, static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.waiting import async_wait_for


async def _cancel_a_drain(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("d")
    await async_wait_for("the drain dialog", lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("escape")
    await async_wait_for("the main screen", lambda: not isinstance(app.screen, ConfirmScreen))
    await async_wait_for("the cancel toast", lambda: any(
        "nothing was sent" in line for line in screen_lines(app)), 5)


async def test_a_toast_never_hides_what_the_marks_bar_names() -> None:
    """After a cancelled drain and then a mark, the bar read "nothing was sent · space
    unmarks": the toast sat on the bar's row and hid "1 marked: node2"."""
    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        main = app.screen
        table = main.table("nodes")
        node2 = app.snapshot.node_by_hostname("node2").id
        await async_wait_for("node2's row", lambda: table.select_key(node2))
        await _cancel_a_drain(app, pilot)
        await pilot.press("space")
        bar = main.query_one("#ops-marks")
        await async_wait_for("the marks bar", lambda: bar.display and bar.region.height)
        await pilot.pause()
        lines = screen_lines(app)
        assert any("nothing was sent" in line for line in lines), lines  # it still shows
        row = lines[bar.region.y]
        assert row.strip().startswith("1 marked: node2"), row


async def test_a_stale_toast_never_covers_helps_title() -> None:
    """A toast from cancelling a dialog landed top-right of help, over its title."""
    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await _cancel_a_drain(app, pilot)
        await pilot.press("question_mark")
        await async_wait_for("help", lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        lines = screen_lines(app)
        assert not any("nothing was sent" in line or "Cancelled" in line
                       for line in lines[:4]), lines[:4]
        app.notify("said on help", timeout=30)  # help's own toasts show on it
        await async_wait_for("help's own toast", lambda: any(
            "said on help" in line for line in screen_lines(app)), 5)


async def test_a_toast_hidden_by_a_screen_opened_later_shows_again_once_back() -> None:
    """Nothing said is lost: back on the screen, a toast still running shows again."""
    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.notify("a word about the main screen", timeout=30)
        await async_wait_for("the toast", lambda: any(
            "a word about the main screen" in line for line in screen_lines(app)), 5)
        await pilot.press("question_mark")
        await async_wait_for("help", lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        assert not any("a word about" in line for line in screen_lines(app))
        await pilot.press("escape")
        await async_wait_for("the toast again", lambda: not isinstance(
            app.screen, HelpScreen) and any(
            "a word about the main screen" in line for line in screen_lines(app)), 5)


async def test_every_key_of_the_tokens_screen_is_on_it_at_80_columns() -> None:
    """The footer holds reveal and copy only: the rotate, autolock, unlock-key and unlock
    keys were reachable through ? alone. Each section now names its keys beside its
    title, with the key as remapped."""
    from textual.binding import Binding

    from swarmtui.ui.screens.wizards.tokens import TokensScreen

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.apply_keymap({"tokens.rotate_worker": "ctrl+o"})
        screen = TokensScreen()
        app.push_screen(screen)
        await async_wait_for("the tokens screen", lambda: app.screen is screen)
        await pilot.pause()
        lines = screen_lines(app)
        body, footer = " ".join(" ".join(lines[:-1]).split()), lines[-1]
        assert "Join commands w / m copy · ^o / M rotate" in body, body
        assert "Autolock a on/off · k copy the key · K rotate it · u unlock a manager" in body
        assert "v reveal/mask · r reload · ? every key" in body, body
        for b in TokensScreen.BINDINGS:
            assert isinstance(b, Binding)
            key = app.get_key_display(b) if b.id != "tokens.rotate_worker" else "^o"
            assert f"{key} " in body or f"{key} " in footer, (b.id, body, footer)


async def test_the_palette_opens_on_swarmtuis_commands_and_finds_the_rest_when_typed() -> None:
    """`:` opened on five themes, Textual's Keys, Maximize, Quit, Screenshot, Theme and the
    table's Up, Down, Scroll Left…: swarmtui's own commands came pages later. The themes
    and Textual's commands are found when typed."""
    from textual.command import CommandList, CommandPalette

    def prompts() -> list[str]:
        if not isinstance(app.screen, CommandPalette):
            return []
        lists = app.screen.query(CommandList)
        if not lists:
            return []
        found = lists.first()
        return [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("colon")
        await async_wait_for("swarmtui's commands", lambda: all(
            any(want in p for p in prompts())
            for want in ("New service", "Drain", "help: keys of this screen")), 10)
        titles = [p.splitlines()[0] for p in prompts()]
        textual_own = {"Up", "Down", "Scroll Left", "Page up", "Top", "Focus Next",
                       "Copy selected text", "Maximize", "Screenshot", "Theme", "Keys"}
        assert not textual_own & set(titles), titles
        assert not [t for t in titles if t.startswith("theme ")], titles
        assert titles.count("Quit") == 1, titles  # swarmtui's q, not Textual's ^q too
        await pilot.press(*"theme swarm-light")
        await async_wait_for("a theme when typed", lambda: any(
            "theme swarm-light" in p for p in prompts()[:3]), 10)
        await pilot.press(*["backspace"] * len("theme swarm-light"), *"quit")
        await async_wait_for("Quit when typed", lambda: any(
            p.startswith("Quit") for p in prompts()[:3]), 10)


async def test_a_waiting_progress_view_says_its_time_limit_once() -> None:
    """At 80×24 a drain waiting on a Pending task said "up to 90 s" three times: in the
    phase line, the elapsed line ("3 s of 90 s") and the note. The elapsed line says it."""
    from datetime import timedelta

    from swarmtui.swarm.ops.runner import Outcome, Sent
    from swarmtui.swarm.sync.store import StaticStore
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.flow import ProgressScreen
    from tests.functional.test_polish_80 import drain_with_a_task_left_pending

    op, before, after = drain_with_a_task_left_pending()
    app = SwarmApp(StaticStore(before, label="lab"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = ProgressScreen(op, None, read_only=True)
        app.push_screen(screen)
        await async_wait_for("refused", lambda: screen.phase == "refused")
        screen.set_class(False, "bad")
        # as if it had been sent, and the next snapshot showed the task Pending
        screen._sent(Sent(Outcome("ok", "drain: node2"), after.taken_at - timedelta(hours=1)))
        screen.show_snapshot(after, frozenset())
        await async_wait_for("the elapsed line", lambda: " s of 90 s" in " ".join(
            " ".join(screen_lines(app)).split()), 5)
        said = " ".join(" ".join(screen_lines(app)).split())
        assert screen.phase == "waiting" and "Sent: drain: node2." in said, said
        assert "Swarm keeps trying to place it" in said, said
        assert said.count("90 s") == 1, said


async def test_an_unchanged_value_says_nothing_to_do_not_blocked_in_red() -> None:
    """ctrl+s opens with the service's replicas filled in: the dialog opened on a red
    "✖ Blocked: nothing to do" and a "Blocked" button, as if something were wrong."""
    from textual.widgets import Button, Static

    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = await open_scale_of(app, pilot, "web")
        await pilot.pause()
        said = " ".join(" ".join(screen_lines(app)).split())
        go = dialog.query_one("#ops-go", Button)
        assert go.disabled and str(go.label) == "Nothing to do", go.label
        assert "Blocked" not in said and "Nothing to do: web already has" in said, said
        assert dialog.query_one("#ops-blocks", Static).has_class("idle")
        assert not dialog.query("#ops-preview Static"), "a “—” above “Nothing to do”"
        await pilot.press("backspace", "9")
        await async_wait_for("a change to confirm", lambda: str(go.label) == "Confirm: scale")
        await async_wait_for("its preview", lambda: "replicas 3 → 9" in " ".join(
            screen_lines(app)))
        assert not dialog.query_one("#ops-blocks", Static).has_class("idle")

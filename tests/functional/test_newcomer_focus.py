"""Issue 16 item 4 at 80×24: focus is where typing goes. The bootstrap wizard opens
with its first field focused; keys typed right after `n` land in the service form's
Name; no run of blank rows under "Published ports" hides where focus is."""

from __future__ import annotations

from textual import events
from textual.widgets import Button, Input

from swarmtui.ui.forms.service import ServiceFormScreen
from swarmtui.ui.screens.wizards.bootstrap import BootstrapScreen
from tests.functional.conftest import open_service_form, static_app
from tests.functional.test_newcomer_80 import screen_lines
from tests.waiting import async_wait_for


async def test_the_bootstrap_wizard_opens_with_the_host_field_focused() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("B")
        await async_wait_for("the wizard", lambda: isinstance(app.screen, BootstrapScreen))
        await pilot.press(*"node2")
        await pilot.pause()
        host = app.screen.query_one("#host", Input)
        assert host.has_focus and host.value == "node2"


async def test_keys_typed_right_after_n_land_in_the_service_name() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2")  # the Services pane
        await pilot.pause()
        for key in "nweb":  # a fast typist: all in the queue before the form is built
            app.post_message(events.Key(key, key))
        await async_wait_for("the service form",
                             lambda: isinstance(app.screen, ServiceFormScreen))
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#name", Input).value == "web"
        assert screen.query_one("#name", Input).has_focus
        assert screen.query_one("#image", Input).value == ""  # nothing in the wrong field


async def test_no_run_of_blank_rows_under_published_ports() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2", "n")
        await async_wait_for("the service form",
                             lambda: isinstance(app.screen, ServiceFormScreen))
        await pilot.pause()
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Published ports" in line)
        run = longest = 0
        for line in lines[at:app.size.height - 1]:
            run = run + 1 if not line.strip() else 0
            longest = max(longest, run)
        assert longest <= 1, "\n".join(lines)
        # the forms name their Esc key as the dialogs do ("Cancel [Esc]", was "Cancel (Esc)")
        assert str(app.screen.query_one("#cancel", Button).label) == "Cancel [Esc]"


async def test_with_no_field_focused_an_app_key_is_text_for_the_form() -> None:
    """Focus on no field (the form not yet focused): `w` toggled the walkthrough behind
    the form and `q` would have quit; they are Name's first letters, as once it has the
    focus. A key of the screen's own still acts (the tokens screen's `w` copies)."""
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form = await open_service_form(app, pilot)
        form.set_focus(None)
        await pilot.press(*"wq")
        await async_wait_for("wq in Name", lambda: form.query_one("#name", Input).value
                             == "wq", 5)
        assert app.screen is form and not app.walkthrough.shown


async def test_a_new_form_is_not_red_until_a_field_is_touched_or_it_is_submitted() -> None:
    """The new-service form opened with Name and Image in red. A field's message shows
    once it is changed or left; submitting shows every one and says why nothing opens."""
    app = static_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        form = await open_service_form(app, pilot)

        def shown() -> str:
            return "\n".join(screen_lines(app))

        await async_wait_for("what is to fill in", lambda: "to fill in: Name, Image"
                             in shown(), 5)
        assert "a service needs a name" not in shown()
        assert "an image is required" not in shown()
        await pilot.press("tab")  # Name left empty: now it says so; Image not yet
        await async_wait_for("Name's message", lambda: "a service needs a name" in shown(), 5)
        assert "an image is required" not in shown()
        await pilot.press("ctrl+s")  # submitted: every message, and nothing opens
        await async_wait_for("Image's message", lambda: "an image is required" in shown(), 5)
        assert app.screen is form
        assert any("fix the fields marked in red first" in str(n.message)
                   for n in app._notifications)

"""Keys that arrive in one read (a slow SSH link, a busy moment, a paste): each key is
handled where the keys before it have left the focus. Textual hands a key to the widget
focused when the key is read; a burst's keys were all queued for that widget before the
first of them (`/`, Tab) had moved the focus, so "/node2" typed fast drained node1 and
"web<Tab>busybox" filled one field."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ConfirmScreen
from tests.functional.conftest import open_service_form, static_app
from tests.waiting import async_wait_for


def burst(app: SwarmApp, text: str) -> None:
    """`text` as keys read at once from the terminal (nothing handled between them)."""
    driver = app._driver
    assert driver is not None
    for char in text:
        key = {"\t": "tab", "\r": "enter", "/": "slash", " ": "space"}.get(char, char)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


async def test_a_filter_typed_fast_filters_and_acts_on_nothing() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("1")
        burst(app, "/node2")
        await pilot.pause()
        field = await async_wait_for("the filter field holds node2", lambda: next(
            (w for w in app.screen.query(Input) if w.value == "node2"), None), 5)
        assert app.screen.focused is field
        assert not isinstance(app.screen, ConfirmScreen), "a key of the typed text acted"


async def test_fields_typed_fast_with_tab_land_in_their_fields() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form = await open_service_form(app, pilot)
        burst(app, "web\tbusybox:latest\thttpd -f -p 80")
        await pilot.pause()
        values = await async_wait_for("the three fields filled", lambda: (
            [w.value for w in form.query(Input)][:3]
            if [w.value for w in form.query(Input)][2:3] == ["httpd -f -p 80"] else None), 5)
        assert values == ["web", "busybox:latest", "httpd -f -p 80"]

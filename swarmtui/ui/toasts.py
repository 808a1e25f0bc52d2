"""Toasts belong to the screen they were raised on, and to the screens beneath it.

Textual shows every toast on whatever screen is on top: a toast from cancelling a
dialog ("Cancelled: Drain node2 — nothing was sent") sat over help's title when `?`
came next. Here a screen opened over another shows only the toasts raised since it
opened (the ones before are about the screen left behind); back on that screen, a toast
still running shows again for the rest of its time, so nothing said is lost. A dialog's
result still shows on the screen it returns to: it was raised after that one opened.
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

from textual.app import App, ScreenStackError
from textual.css.query import NoMatches
from textual.notifications import Notifications
from textual.screen import Screen
from textual.widgets._toast import ToastRack


class ToastsPerScreen(App[int]):
    """App mixin: each screen opened over another starts without the toasts before it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: when each screen opened over another (a screen not listed shows every toast)
        self._opened_at: WeakKeyDictionary[Screen[Any], float] = WeakKeyDictionary()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(screen, Screen) and len(self.screen_stack) > 1:  # over a real screen
            self._opened_at.setdefault(screen, time.time())
        return super().push_screen(screen, *args, **kwargs)

    def toasts_for(self, screen: Screen[Any]) -> Notifications:
        """The notifications `screen` shows: those raised since it opened."""
        since = self._opened_at.get(screen, 0.0)
        shown = Notifications()
        for notification in self._notifications:
            if notification.raised_at >= since:
                shown.add(notification)
        return shown

    def _refresh_notifications(self) -> None:
        """Textual's, with the top screen's own toasts (textual is pinned exactly: a
        functional test, test_tidy_80, fails if this hook stops being called)."""
        try:
            screen = self.screen
            rack = screen.get_child_by_type(ToastRack)
        except (ScreenStackError, NoMatches):
            return  # no screen yet, or one without a rack: Textual does the same
        self.call_later(rack.show, self.toasts_for(screen))

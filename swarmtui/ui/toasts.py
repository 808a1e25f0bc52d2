"""Toasts belong to the screen they were raised on, and to the screens beneath it.

Textual shows every toast on whatever screen is on top: a toast from cancelling a
dialog ("Cancelled: Drain node2 — nothing was sent") sat over help's title when `?`
came next. Here a screen opened over another shows only the toasts raised since it
opened (the ones before are about the screen left behind); back on that screen, a toast
still running shows again for the rest of its time. A dialog's result still shows on
the screen it returns to: it was raised after that one opened.

A warning or an error is not lost either: its time runs only while it shows. Hidden by a
screen opened over it (a dialog, help), it waits, off the screen beneath too, and shows
again for the rest of its time once that screen closes.

Textual 8.2.8 has no public hook for which toasts a screen shows: every change
(`notify`, a toast's expiry, a screen resumed) goes through `App._refresh_notifications`,
which is overridden here (textual is pinned exactly; test_tidy_80 and test_oncall_80 fail
if it stops being called).
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

from textual.app import App, ScreenStackError
from textual.css.query import NoMatches
from textual.notifications import Notifications
from textual.screen import Screen
from textual.widgets._toast import ToastHolder, ToastRack

#: the toasts whose time runs only while they show
KEPT = frozenset({"warning", "error"})
#: the timeout of a kept toast while it waits unseen (it must not expire meanwhile)
WAITING = 10.0**9


class ToastsPerScreen(App[int]):
    """App mixin: each screen opened over another starts without the toasts before it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: when each screen opened over another (a screen not listed shows every toast)
        self._opened_at: WeakKeyDictionary[Screen[Any], float] = WeakKeyDictionary()
        #: kept toasts hidden by the top screen: notification identity → seconds left
        self._waiting: dict[str, float] = {}

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
        """Textual's, with the top screen's own toasts; a kept toast hidden by it waits."""
        try:
            screen = self.screen
        except ScreenStackError:
            return  # no screen yet: Textual does the same
        shown = self.toasts_for(screen)
        self._keep_unseen(shown)
        try:
            rack = screen.get_child_by_type(ToastRack)
        except NoMatches:
            return  # a screen without a rack: Textual does the same
        self.call_later(rack.show, shown)

    def _keep_unseen(self, shown: Notifications) -> None:
        """Stop the time of each warning or error `shown` leaves out, and take it off the
        screens beneath (their toasts' timers would expire it); start it again for each
        one shown again, with the time it had left."""
        now = time.time()
        for notification in self._notifications:
            key = notification.identity
            if notification.severity not in KEPT:
                continue
            if notification in shown and key in self._waiting:
                notification.timeout = now - notification.raised_at + self._waiting.pop(key)
            elif notification not in shown and key not in self._waiting:
                self._waiting[key] = notification.time_left
                notification.timeout = WAITING
                self._take_off_screens(ToastRack._toast_id(notification))
        for key in [k for k in self._waiting if not any(
                n.identity == k for n in self._notifications)]:
            del self._waiting[key]  # cleared meanwhile

    def _take_off_screens(self, toast_id: str) -> None:
        for screen in self.screen_stack:
            for holder in screen.query(ToastHolder):
                if holder.id == toast_id:
                    holder.remove()

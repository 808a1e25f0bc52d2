"""KeysFooter: Textual's Footer that never cuts a word.

When the keys do not fit the width, whole keys give way: the registry's footer rank
says which stay (ui/actions.py: `footer_rank`; lower stays longer), then the screen's
own bindings in the order they are declared. Each action is listed once."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.widgets import Footer, Input, TextArea
from textual.widgets._footer import FooterKey

#: rank of a binding the registry does not know (the screen's own, a widget's)
_UNRANKED = 100

#: the keys that type a character ("d", "plus", "slash", "space"): a focused text field
#: takes them, so while one is focused the footer does not offer them
TYPING_KEYS = frozenset(_character_to_key(c) for c in map(chr, range(32, 127)))

#: a FooterKey's arguments: key, display, description, action, disabled, tooltip, classes
_Key = tuple[str, str, str, str, bool, str, str]


def key_width(key_display: str, description: str, compact: bool) -> int:
    """Cells a FooterKey takes, its margin included (Textual's footer CSS)."""
    if compact:
        return cell_len(key_display) + (1 + cell_len(description) if description else 0) + 1
    return cell_len(key_display) + 2 + (cell_len(description) + 1 if description else 0)


def fit(entries: list[tuple[int, int]], budget: int) -> set[int]:
    """Which entries (rank, width) stay within `budget` cells: by rank, then order."""
    kept: set[int] = set()
    used = 0
    for n in sorted(range(len(entries)), key=lambda i: (entries[i][0], i)):
        width = entries[n][1]
        if used + width <= budget:
            kept.add(n)
            used += width
    return kept


class KeysFooter(Footer):
    """The footer of swarmtui's screens: the keys that fit, whole."""

    def _rank(self, binding: Binding, position: int) -> int:
        from swarmtui.ui.actions import footer_rank

        rank = footer_rank(binding.id)
        return rank if rank is not None else _UNRANKED + position

    #: what the last compose showed: a recompose that would show the same is skipped
    _shown: tuple[_Key, ...] | None = None

    def _keys(self) -> tuple[_Key, ...]:
        """The keys to show, as FooterKey arguments: (key, display, description, action,
        disabled, tooltip, classes)."""
        if not self._bindings_ready:
            return ()
        active = self.screen.active_bindings
        typing = isinstance(self.screen.focused, Input | TextArea)
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if typing and binding.key in TYPING_KEYS and not binding.priority:
                continue  # typed into the field, not run
            if binding.show:
                shown.setdefault(binding.action, (binding, enabled, tooltip))
        items = list(shown.values())
        width = self.size.width or self.app.size.width
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                palette = found
                width -= key_width(self.app.get_key_display(found.binding),
                                   found.binding.description, self.compact) + 2
        displays = [self.app.get_key_display(b) for b, _e, _t in items]
        kept = fit([(self._rank(b, n), key_width(displays[n], b.description, self.compact))
                    for n, (b, _e, _t) in enumerate(items)], width)
        keys: list[_Key] = [
            (binding.key, displays[n], binding.description, binding.action, not enabled,
             tooltip, "") for n, (binding, enabled, tooltip) in enumerate(items) if n in kept]
        if palette is not None:
            _node, binding, enabled, _tooltip = palette
            keys.append((binding.key, self.app.get_key_display(binding), binding.description,
                         binding.action, not enabled, binding.tooltip or binding.description,
                         "-command-palette"))
        return tuple(keys)

    def compose(self) -> ComposeResult:
        self._shown = keys = self._keys()
        # each key made with the class its `compact` sets as it mounts (the footer's; the
        # palette key's own, True): set then, it restyled every key one by one — most of a
        # pane switch's CPU at 80×24
        compact = "-compact" if self.compact else ""
        for key, display, description, action, disabled, tooltip, classes in keys:
            footer_key = FooterKey(key, display, description, action, disabled=disabled,
                                   tooltip=tooltip,
                                   classes=f"{classes} -compact" if classes else compact)
            yield footer_key if classes else footer_key.data_bind(compact=Footer.compact)

    async def _recompose_if_changed(self) -> None:
        # Textual recomposes on every bindings signal (each focus move, each screen
        # refresh): dozens at start-up, each remounting every key and restyling it
        if self.is_attached and self._keys() != self._shown:
            await self.recompose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready:  # a new width: which keys fit may have changed
            self.call_after_refresh(self._recompose_if_changed)

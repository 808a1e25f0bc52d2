"""KeysFooter: the screen's keys on one line, never a word cut.

When the keys do not fit the width, whole keys give way: the registry's footer rank
says which stay (ui/actions.py: `footer_rank`; lower stays longer), then the screen's
own bindings in the order they are declared. Each action is listed once.

It looks and acts as Textual's Footer (a key runs when clicked; a disabled one rings the
bell; the palette key on the right) but is ONE widget that paints its line: Textual's
Footer remounts a FooterKey per key whenever the keys change and lays the screen out twice
more for their new widths — at 80×24 that was most of a pane switch's UI-thread CPU. Here
new keys are a repaint of one line."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.keys import _character_to_key
from textual.reactive import reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from swarmtui.ui.widgets.text import is_text_field

#: rank of a binding the registry does not know (the screen's own, a widget's)
_UNRANKED = 100

#: the keys that type a character ("d", "plus", "slash", "space"): a focused text field
#: takes them, so while one is focused the footer does not offer them
TYPING_KEYS = frozenset(_character_to_key(c) for c in map(chr, range(32, 127)))


class FooterEntry(NamedTuple):
    """One key the footer shows."""

    key: str
    key_display: str
    description: str
    action: str
    disabled: bool
    tooltip: str
    #: the command palette's key (on the right, after a bar)
    palette: bool = False


def key_width(key_display: str, description: str, compact: bool) -> int:
    """Cells a key takes, its margin included (as Textual's footer CSS sets them)."""
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


class KeysFooter(Widget, can_focus=False):
    """The footer of swarmtui's screens: the keys that fit, whole (see the module)."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeysFooter {
        color: $footer-foreground;
        background: $footer-background;
        dock: bottom;
        height: 1;
    }
    KeysFooter > .footer-key--item { background: $footer-item-background; }
    KeysFooter > .footer-key--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeysFooter > .footer-key--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeysFooter > .footer-key--hover {
        color: $footer-key-foreground;
        background: $block-hover-background;
    }
    KeysFooter > .footer-key--bar { color: $foreground 20%; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "footer-key--item", "footer-key--key", "footer-key--description",
        "footer-key--hover", "footer-key--bar"}

    compact = reactive(False, toggle_class="-compact")
    show_command_palette = reactive(True)
    #: the screen's bindings are known (its first bindings signal came)
    _bindings_ready = False

    def __init__(self, *, compact: bool = False, show_command_palette: bool = True,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.set_reactive(KeysFooter.compact, compact)
        self.set_reactive(KeysFooter.show_command_palette, show_command_palette)
        self.set_class(compact, "-compact", update=False)
        #: the keys shown, in order (the palette's last)
        self.keys: tuple[FooterEntry, ...] = ()
        #: each shown key's cells on the line: (start, end, key), as last painted
        self._spans: list[tuple[int, int, FooterEntry]] = []
        self._hover: FooterEntry | None = None

    def _rank(self, binding: Binding, position: int) -> int:
        from swarmtui.ui.actions import footer_rank

        rank = footer_rank(binding.id, bool(getattr(self.app, "read_only", False)))
        return rank if rank is not None else _UNRANKED + position

    def _refused(self, binding: Binding) -> bool:
        """Read-only: a change's key is shown dimmed (pressed, it says what it would send
        and sends nothing)."""
        from swarmtui.ui.actions import BY_ID

        a = BY_ID.get(binding.id or "")
        return a is not None and a.mutating and bool(getattr(self.app, "read_only", False))

    def _keys(self) -> tuple[FooterEntry, ...]:
        """The keys to show now."""
        if not self._bindings_ready:
            return ()
        active = self.screen.active_bindings
        typing = is_text_field(self.screen.focused)
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
        keys = [FooterEntry(binding.key, displays[n], binding.description, binding.action,
                            not enabled or self._refused(binding), tooltip)
                for n, (binding, enabled, tooltip) in enumerate(items) if n in kept]
        if palette is not None:
            _node, binding, enabled, _tooltip = palette
            keys.append(FooterEntry(binding.key, self.app.get_key_display(binding),
                                    binding.description, binding.action, not enabled,
                                    binding.tooltip or binding.description, palette=True))
        return tuple(keys)

    def _sync(self) -> None:
        keys = self._keys()
        if keys != self.keys:
            self.keys = keys
            if self._hover not in keys:
                self._hover = None
            self.refresh()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._sync()  # a repaint of this line, in the frame that shows the change

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready:  # a new width: which keys fit may have changed
            self._sync()

    # ---------------------------------------------------------------- paint
    def _cells(self, entry: FooterEntry) -> tuple[str, str]:
        """A key's two parts as Textual's FooterKey pads them: the key, its description
        (the palette's key is compact in any footer)."""
        if self.compact or entry.palette:
            return entry.key_display, f" {entry.description}" if entry.description else ""
        return f" {entry.key_display} ", f"{entry.description} " if entry.description else ""

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        # margins and the gap before the palette key: the footer's background only
        blank = Style.from_color(bgcolor=base.bgcolor)
        if y or not width:
            return Strip.blank(width, blank)
        item = base + self.get_component_rich_style("footer-key--item")
        hover = item + self.get_component_rich_style("footer-key--hover")
        key_style = self.get_component_rich_style("footer-key--key")
        text_style = self.get_component_rich_style("footer-key--description")
        dim = Style(dim=True)
        segs: list[Segment] = []
        spans: list[tuple[int, int, FooterEntry]] = []
        x = 0

        def put(entry: FooterEntry) -> None:
            nonlocal x
            style = hover if entry == self._hover else item
            if entry.disabled:
                style += dim
            key, text = self._cells(entry)
            start = x
            segs.append(Segment(key, style + key_style))
            if text:
                segs.append(Segment(text, style + text_style))
            x += cell_len(key) + cell_len(text)
            spans.append((start, x, entry))

        palette = [e for e in self.keys if e.palette]
        for entry in self.keys:
            if not entry.palette:
                put(entry)
                if self.compact:  # FooterKey's margin-right
                    segs.append(Segment(" ", blank))
                    x += 1
        if palette:
            entry = palette[0]
            key, text = self._cells(entry)
            # its bar, the key, then its margin (compact) or its padding: blank either way
            right = 1 + cell_len(key) + cell_len(text) + 1
            if x < width - right:
                segs.append(Segment(" " * (width - right - x), blank))
                x = width - right
            segs.append(Segment("▏", item + self.get_component_rich_style("footer-key--bar")))
            x += 1
            put(entry)
            segs.append(Segment(" ", blank))
            x += 1
        self._spans = spans
        return Strip(segs).simplify().extend_cell_length(width, blank).crop(0, width)

    # ---------------------------------------------------------------- mouse
    def _at(self, x: int) -> FooterEntry | None:
        for start, end, entry in self._spans:
            if start <= x < end:
                return entry
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        entry = self._at(event.x)
        if entry != self._hover:
            self._hover = entry
            self.tooltip = entry.tooltip or None if entry else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        entry = self._at(event.x)
        if entry is None:
            return
        if entry.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(entry.key)

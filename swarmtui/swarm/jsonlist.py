"""A big JSON list from the Engine, decoded in pieces so the UI thread is never held up.

`json.loads` holds the GIL for the whole body: 0.3 s for /tasks at 20,000 tasks (12 MB)
on these machines, and every keystroke typed meanwhile waits that long. The Engine's
lists are arrays of objects whose first key is "ID" (Go encodes struct fields in order),
so the byte sequence `},{"ID":"` is where one element ends and the next begins — it
cannot occur inside a JSON string (its quotes would be escaped). The body is cut there
about every `PIECE` bytes and each piece decoded alone, the GIL free between pieces.

A cut in the wrong place cannot decode silently: a piece that does not end at the top
level leaves a bracket open, `json.loads` raises, and the whole body is decoded at once
instead. Same values as `json.loads`, always.

`iter_list` hands the elements over piece by piece: a caller that builds its models as
they come lets each piece's dicts go before the next is decoded (100,000 tasks' API
dicts were most of the peak memory when all of them were held at once).

`Listing.heads` reads each element's ID and version index straight from the bytes (the
Engine writes `{"ID":"…","Version":{"Index":N}` first): a re-list decodes only the elements
whose version moved (sync/merge.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from swarmtui.swarm.sync.uiturn import step_aside

#: about this many bytes per piece (~5 ms of decoding)
PIECE = 1 << 18
_CUT = b'},{"ID":"'
#: how the Engine begins each object of a versioned list (Go writes struct fields in order)
_HEAD = re.compile(rb'\{"ID":"([^"\\]*)","Version":\{"Index":(\d+)\}')


def loads_list(body: bytes) -> Any:
    """`json.loads(body)`, in pieces when the body is a big array (see the module)."""
    if not _pieceable(body):
        return json.loads(body)
    return list(iter_list(body))


def _pieceable(body: bytes) -> bool:
    start = body.find(b"[")
    return len(body) > PIECE and start >= 0 and not body[:start].strip()


def iter_list(body: bytes) -> Iterator[Any]:
    """The elements of the JSON array `body`, decoded a piece at a time (see the module).
    Raises what `json.loads` raises when the body is not a JSON array."""
    if not _pieceable(body):
        whole = json.loads(body)
        if not isinstance(whole, list):
            raise ValueError("not a JSON array")
        yield from whole
        return
    done = 0
    pos = body.find(b"[") + 1
    try:
        while True:
            cut = body.find(_CUT, pos + PIECE)
            piece = json.loads(b"[" + body[pos:] if cut < 0 else
                               b"[" + body[pos:cut + 1] + b"]")
            done += len(piece)
            step_aside()  # between two pieces: the UI thread's turn first (sync/uiturn.py)
            yield from piece
            if cut < 0:
                return
            pos = cut + 2
    except ValueError:
        pass
    whole = json.loads(body)  # a cut in the wrong place: the body at once, from where it was
    yield from whole[done:]


class Listing:
    """A big list as the engine sent it: its elements decoded a piece at a time when
    iterated (`iter_list`), and a digest of its bytes. A re-list whose digest is the last
    one's changed nothing (sync/merge.py keeps the last models then, decoding nothing: a
    quiet swarm's 100,000 tasks cost a poll no decoding at all)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        # hashlib lets go of the GIL over big inputs: the keystrokes do not wait for it
        self.digest = hashlib.blake2b(body, digest_size=32).digest()

    def __iter__(self) -> Iterator[Any]:
        return iter_list(self.body)

    def heads(self) -> list[Head] | None:
        """Each element's (ID, version index, start, end) in `body`, read without decoding
        (`body[start:end]` is the element's JSON). None when an element does not begin as
        the Engine's versioned objects do, or a cut fell inside one (a nested object whose
        first key is ID): then the list is decoded as a whole."""
        return heads(self.body)


#: an element of a list: its ID, its version index, where its JSON starts and ends
Head = tuple[str, int, int, int]


def heads(body: bytes) -> list[Head] | None:
    """See `Listing.heads`."""
    start = body.find(b"[")
    if start < 0 or body[:start].strip():
        return None
    last = body.rfind(b"]")
    if last < start or body[last + 1:].strip():
        return None
    out: list[Head] = []
    pos = start + 1
    if not body[pos:last].strip():
        return out
    match = _HEAD.match
    find = body.find
    while True:
        m = match(body, pos)
        if m is None:
            return None
        cut = find(_CUT, m.end(), last)
        end = cut + 1 if cut >= 0 else last
        out.append((m.group(1).decode(), int(m.group(2)), pos, end))
        if cut < 0:
            return out
        pos = cut + 2

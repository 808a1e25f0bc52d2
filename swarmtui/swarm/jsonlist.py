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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from swarmtui.swarm.sync.uiturn import step_aside

#: about this many bytes per piece (~5 ms of decoding)
PIECE = 1 << 18
_CUT = b'},{"ID":"'


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

"""The dataclass code cache (swarmtui/codecache.py): same classes, compiled once across runs."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui import codecache


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "cache" / "dc.marshal"
    codecache.uninstall()
    codecache.install(path)
    try:
        yield path
    finally:
        codecache.uninstall()


def make(name: str = "Point") -> type:
    """A frozen dataclass with a default and a factory (every generated method)."""
    return dataclasses.make_dataclass(
        name, [("x", int), ("y", int, dataclasses.field(default=2)),
               ("tags", list, dataclasses.field(default_factory=list))],
        frozen=True, order=True)


def compiles_seen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts codecache compiles from now on."""
    seen: list[str] = []
    real = compile

    def spy(source: str, *args: object, **kw: object) -> object:
        seen.append(source)
        return real(source, *args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(codecache, "compile", spy, raising=False)
    return seen


def test_classes_behave_as_without_the_cache(cache: Path) -> None:
    cached = make()
    codecache.uninstall()
    plain = make()
    a, b = cached(1), plain(1)
    assert (a.x, a.y, a.tags) == (b.x, b.y, b.tags) == (1, 2, [])
    assert repr(a) == repr(b) == "Point(x=1, y=2, tags=[])"
    assert cached(1) == cached(1) and cached(1) < cached(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 5  # type: ignore[misc]
    for meth in ("__init__", "__repr__", "__eq__", "__lt__", "__setattr__", "__hash__"):
        assert getattr(cached, meth).__code__.co_code == getattr(plain, meth).__code__.co_code


def test_next_run_compiles_nothing_it_saved(cache: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    seen = compiles_seen(monkeypatch)
    make()
    assert seen, "the first run compiles the class's methods"
    codecache.save()
    assert cache.is_file() and (cache.stat().st_mode & 0o777) == 0o600
    assert (cache.parent.stat().st_mode & 0o777) == 0o700
    codecache.uninstall()  # "the next start": a fresh process's empty memory
    codecache.install(cache)
    seen.clear()
    point = make()
    assert seen == [] and point(3).y == 2
    mtime = cache.stat().st_mtime_ns
    codecache.save()  # nothing new: the file is left as it was
    assert cache.stat().st_mtime_ns == mtime


def test_a_file_others_may_write_is_not_trusted(cache: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    make()
    codecache.save()
    os.chmod(cache, 0o666)
    codecache.uninstall()
    codecache.install(cache)
    seen = compiles_seen(monkeypatch)
    make()
    assert seen, "an untrusted cache is ignored: compiled again"
    codecache.save()  # and replaced by this user's own
    assert (cache.stat().st_mode & 0o777) == 0o600
    assert codecache.load(cache)


@pytest.mark.parametrize("content", [b"", b"not marshal at all \x00\xff",
                                     b"\xe9\x00\x00\x00\x00"])
def test_a_broken_file_is_ignored_and_replaced(cache: Path, content: bytes) -> None:
    cache.parent.mkdir(mode=0o700)
    cache.write_bytes(content)
    cache.chmod(0o600)
    assert codecache.load(cache) == {}
    codecache.uninstall()
    codecache.install(cache)
    assert make()(1).x == 1
    codecache.save()
    assert codecache.load(cache)


def test_another_interpreters_file_is_not_read(cache: Path) -> None:
    import marshal

    cache.parent.mkdir(mode=0o700)
    cache.write_bytes(marshal.dumps((("swarmtui-dataclass-code", 1, "other-tag"),
                                     {"def f(): pass": compile("1", "<s>", "exec")})))
    assert codecache.load(cache) == {}


def test_an_unwritable_place_is_no_error(tmp_path: Path) -> None:
    in_the_way = tmp_path / "afile"  # a file where the cache's directory would be
    in_the_way.write_text("x")
    codecache.uninstall()
    codecache.install(in_the_way / "dc.marshal")
    try:
        assert make()(1).x == 1
        codecache.save()  # no exception, nothing written
        assert in_the_way.read_text() == "x"
    finally:
        codecache.uninstall()


def test_install_twice_keeps_one_exec(cache: Path) -> None:
    codecache.install(cache)
    assert vars(dataclasses)["exec"] is codecache._exec
    codecache.uninstall()
    assert "exec" not in vars(dataclasses)

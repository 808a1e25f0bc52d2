"""The Engine's big lists decoded in pieces (swarm/jsonlist.py): always what json.loads gives."""

from __future__ import annotations

import json

import pytest

from swarmtui.swarm import jsonlist


def _task(i: int, label: str = "x") -> dict[str, object]:
    return {"ID": f"t{i:024d}", "Version": {"Index": i}, "Spec": {"Labels": {"l": label}},
            "Status": {"State": "pending", "Err": "no suitable node"},
            "NetworksAttachments": [{"Network": {"ID": "n1"}}, {"Network": {"ID": "n2"}}]}


def _body(items: list[object]) -> bytes:
    return json.dumps(items, separators=(",", ":")).encode()  # compact, as the Engine sends


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonlist, "PIECE", 512)


def test_a_big_list_is_decoded_in_pieces_to_the_same_values(
        monkeypatch: pytest.MonkeyPatch) -> None:
    body = _body([_task(i) for i in range(300)])
    calls: list[int] = []
    real = json.loads

    def counting(b: bytes) -> object:
        calls.append(len(b))
        return real(b)

    monkeypatch.setattr(jsonlist.json, "loads", counting)
    assert jsonlist.loads_list(body) == real(body)
    assert len(calls) > 10 and max(calls) < len(body) / 5


def test_the_cut_text_inside_a_string_is_not_a_cut() -> None:
    sly = '},{"ID":"'  # in a JSON string its quotes are escaped: not the byte sequence
    items = [_task(i, label=sly * 40) for i in range(100)]
    body = _body(items)
    assert jsonlist.loads_list(body) == items


def test_a_cut_inside_a_nested_list_falls_back_to_one_decode() -> None:
    # objects whose first key is ID nested in a list: a cut there leaves a bracket open
    items = [{"ID": f"s{i}", "Refs": [{"ID": f"r{i}.{k}"} for k in range(60)]}
             for i in range(40)]
    body = _body(items)
    assert b'},{"ID":"r' in body
    assert jsonlist.loads_list(body) == items


@pytest.mark.parametrize("body", [b"", b"[]", b"{}", b"null", b" [1, 2] ",
                                  b"[" + b"1," * 600 + b"1]"])
def test_small_odd_or_non_list_bodies_decode_as_json_loads(body: bytes) -> None:
    if not body:
        with pytest.raises(ValueError):
            jsonlist.loads_list(body)
        return
    assert jsonlist.loads_list(body) == json.loads(body)


def test_a_broken_body_raises_like_json_loads() -> None:
    body = _body([_task(i) for i in range(100)])[:-40]
    with pytest.raises(ValueError):
        jsonlist.loads_list(body)


def test_iter_list_hands_over_each_piece_before_decoding_the_next(
        monkeypatch: pytest.MonkeyPatch) -> None:
    items = [_task(i) for i in range(300)]
    body = _body(items)
    calls: list[int] = []
    real = json.loads

    def counting(b: bytes) -> object:
        calls.append(len(b))
        return real(b)

    monkeypatch.setattr(jsonlist.json, "loads", counting)
    it = jsonlist.iter_list(body)
    assert next(it) == items[0]
    assert len(calls) == 1  # only the first piece decoded so far
    assert [items[0], *it] == items


def test_iter_list_falling_back_midway_yields_each_element_once() -> None:
    # good pieces first, then objects whose nested lists hold the cut text
    items: list[object] = [_task(i) for i in range(60)]
    items += [{"ID": f"s{i}", "Refs": [{"ID": f"r{i}.{k}"} for k in range(60)]}
              for i in range(20)]
    assert list(jsonlist.iter_list(_body(items))) == items


@pytest.mark.parametrize("body", [b"{}", b"null", b"3"])
def test_iter_list_of_a_non_list_raises_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        list(jsonlist.iter_list(body))


def test_heads_read_each_elements_id_version_and_bytes_without_decoding() -> None:
    items = [{"ID": f"t{i}", "Version": {"Index": 10 + i}, "Spec": {"x": '},{"ID":"'},
              "Status": {"State": "running"}} for i in range(50)]
    body = _body(items) + b"\n"
    heads = jsonlist.Listing(body).heads()
    assert heads is not None
    assert [(h[0], h[1]) for h in heads] == [(f"t{i}", 10 + i) for i in range(50)]
    assert [json.loads(body[start:end]) for _, _, start, end in heads] == items


@pytest.mark.parametrize("body", [b"[]", b" [ ] \n"])
def test_heads_of_an_empty_list_are_none_of_them(body: bytes) -> None:
    assert jsonlist.heads(body) == []


@pytest.mark.parametrize("body", [
    b"", b"{}", b"null", b"[1,2]", b'[{"Version":{"Index":1},"ID":"a"}]',
    b'[{"ID":"a","Version":{"Index":1,"X":2}}]', b'[{"ID":"a\\"b","Version":{"Index":1}}]',
    b'[{"ID":"a","Version":{"Index":1}}] x',
    b'[{"ID":"a","Version":{"Index":1},"V":[{"ID":"v1"},{"ID":"v2"}]}]'])
def test_heads_are_none_when_an_element_does_not_begin_as_the_engines_do(body: bytes) -> None:
    assert jsonlist.heads(body) is None

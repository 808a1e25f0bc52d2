"""The slim task model and the snapshot's slot index (issue 17, at scale): a task keeps every
field the panes, health, the explanations and inspect read, shares equal specs, and the one
index gives the same answers as a scan of every task."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from swarmtui.swarm import format as fmt
from swarmtui.swarm import health, jsonlist
from swarmtui.swarm.jsonlist import Listing
from swarmtui.swarm.state import ClusterSnapshot, build_kind, newest_first
from swarmtui.swarm.sync import merge
from swarmtui.swarm.sync.merge import merge_kind
from swarmtui.swarm.task_model import UNSCHEDULED_STATES, NetAttachment, Task
from tests.unit.test_swarm_fixtures import service, task

FIXTURE = Path(__file__).parent / "fixtures" / "explain_lab.json"


def _recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    return data


def _attached(tid: str, sid: str, slot: int = 1) -> dict[str, Any]:
    d = task(tid, sid, slot=slot, state="running", node_id="n1")
    d["UpdatedAt"] = "2026-12-01T10:00:05.123456789Z"
    d["NetworksAttachments"] = [{"Network": {"ID": "net1", "Spec": {"Name": "front"},
                                             "DriverState": {"Name": "overlay"}},
                                 "Addresses": ["10.0.1.5/24"]}]
    d["Status"]["PortStatus"] = {"Ports": [{"Protocol": "tcp", "TargetPort": 80,
                                            "PublishedPort": 8080, "PublishMode": "host"}]}
    return d


def test_a_task_keeps_what_the_app_reads_of_every_recorded_task() -> None:
    for d in _recorded()["tasks"] + [_attached("ta", "s1")]:
        t = Task.from_api(copy.deepcopy(d))
        status = d.get("Status") or {}
        assert t.id == d["ID"] and t.service_id == d["ServiceID"]
        assert t.node_id == (d.get("NodeID") or None)
        assert t.slot == (d.get("Slot") or None)
        assert t.state == status.get("State", "") and t.error == status.get("Err", "")
        assert t.message == status.get("Message", "")
        assert t.desired_state == d.get("DesiredState", "")
        assert t.version == d["Version"]["Index"]
        # the spec health, the explanations (resources, rollouts) and the summary read
        assert t.spec == (d.get("Spec") or {})
        assert t.updated_at == fmt.parse_ts(d.get("UpdatedAt"))
        assert t.created_at == fmt.parse_ts(d.get("CreatedAt"))
        assert t.timestamp == fmt.parse_ts(status.get("Timestamp"))
        ports = (status.get("PortStatus") or {}).get("Ports") or []
        assert t.ports == tuple((p.get("PublishedPort"), p.get("TargetPort"),
                                 p.get("Protocol")) for p in ports)
        assert t.networks == tuple(
            NetAttachment(a["Network"]["ID"], a["Network"].get("Spec", {}).get("Name", ""),
                          tuple(a.get("Addresses") or []))
            for a in d.get("NetworksAttachments") or [])
        assert t.slot_key == (t.service_id, str(t.slot) if t.slot else (t.node_id or ""))
        ts = t.created_at.timestamp() if t.created_at else 0.0
        assert t.newest_key == (-ts, -t.version)
        assert not hasattr(t, "__dict__")  # slots: no per-task dict


def test_inspect_shows_the_kept_fields_in_the_api_shape() -> None:
    d = _attached("ta", "s1")
    shown = Task.from_api(copy.deepcopy(d)).as_api()
    for key in ("ID", "Version", "ServiceID", "Slot", "NodeID", "DesiredState", "Spec",
                "UpdatedAt"):
        assert shown[key] == d[key]
    assert fmt.parse_ts(shown["CreatedAt"]) == fmt.parse_ts(d["CreatedAt"])
    assert shown["Status"]["State"] == d["Status"]["State"]
    assert shown["Status"]["PortStatus"]["Ports"][0]["PublishedPort"] == 8080
    assert shown["NetworksAttachments"][0]["Addresses"] == ["10.0.1.5/24"]
    assert shown["NetworksAttachments"][0]["Network"]["Spec"]["Name"] == "front"
    json.dumps(shown)  # what the inspect screen renders


def test_equal_specs_of_one_list_are_one_dict_and_different_ones_are_kept_apart() -> None:
    items = [task(f"t{i}", "s1", slot=i + 1) for i in range(5)]
    other = task("t9", "s1", slot=9)
    other["Spec"] = {"ContainerSpec": {"Image": "other:2"}}
    items.append(other)
    items.append(task("u1", "s2"))
    tasks = build_kind("tasks", items)
    specs = {id(t.spec) for t in tasks.values() if t.service_id == "s1"}
    assert len(specs) == 2  # the five equal ones share one; the other image is its own
    assert tasks["t9"].spec != tasks["t0"].spec and tasks["t9"].image == "other:2"
    assert tasks["u1"].spec is not tasks["t0"].spec  # another service: never shared
    for t, d in zip(tasks.values(), items, strict=True):
        assert t.spec == d["Spec"]


def _reference_failing(snap: ClusterSnapshot) -> list[Task]:
    """The rule of health's module docstring, by a scan of every task (as it was done)."""
    out: dict[str, Task] = {}
    by_slot: dict[tuple[str, str], list[Task]] = {}
    for t in snap.live_tasks:
        if t.wants_running and (t.state in health.FAILED_STATES
                                or (t.state in UNSCHEDULED_STATES and t.error)):
            out[t.id] = t
        by_slot.setdefault(t.slot_key, []).append(t)
    for tasks in by_slot.values():
        tasks.sort(key=newest_first)
        if tasks[0].is_running or not tasks[0].wants_running:
            continue
        crashed = next((t for t in tasks if t.state in ("failed", "rejected")), None)
        if crashed is not None:
            out[crashed.id] = crashed
    return sorted(out.values(), key=newest_first)


def _reference_current(snap: ClusterSnapshot) -> set[str]:
    newest: dict[tuple[str, str], Task] = {}
    for t in snap.tasks.values():
        cur = newest.get(t.slot_key)
        if cur is None or newest_first(t) < newest_first(cur):
            newest[t.slot_key] = t
    return {t.id for t in newest.values()}


def _mixed() -> ClusterSnapshot:
    """Crash loops, history, pending with and without an error, a removed service's tasks,
    a global service (slots by node)."""
    tasks = []
    for i in range(4):  # a crash loop: the slot's newest is starting, older ones failed
        tasks.append(task(f"c{i}", "s1", slot=1, state="failed" if i else "starting",
                          err="task: non-zero exit (3)" if i else "",
                          created=f"2026-12-01T10:00:0{9 - i}Z", version=100 - i))
    tasks.append(task("h1", "s1", slot=2, state="running", created="2026-12-01T10:00:09Z"))
    tasks.append(task("h0", "s1", slot=2, state="failed", err="old",
                      created="2026-12-01T09:00:00Z", desired="shutdown"))
    tasks.append(task("p1", "s2", state="pending", err="no suitable node"))
    tasks.append(task("p2", "s2", slot=2, state="pending"))
    tasks.append(task("gone", "s9", state="failed", err="removed service"))
    tasks.append(task("g1", "s3", slot=0, node_id="n1", state="rejected", err="no image"))
    tasks.append(task("g2", "s3", slot=0, node_id="n2", state="running"))
    services = [service("s1", "api", replicas=2, running=1),
                service("s2", "web", replicas=2, running=0),
                service("s3", "agent", glob=True, running=1)]
    return ClusterSnapshot.from_api(services=services, tasks=tasks,
                                    taken_at=datetime(2026, 12, 1, 11, tzinfo=UTC))


def test_the_slot_index_gives_what_a_scan_of_every_task_gives() -> None:
    snap = _mixed()
    assert [t.id for t in health.failing_tasks(snap)] == [
        t.id for t in _reference_failing(snap)]
    assert {t.id for t in health.failing_tasks(snap)} >= {"c1", "p1", "g1"}
    assert "gone" not in {t.id for t in health.failing_tasks(snap)}  # removed service
    assert set(snap.current_task_ids) == _reference_current(snap)
    assert [t.id for t in snap.current_tasks("s1")] == ["c0", "h1"]
    for by_slot in snap.task_slots.values():
        for tasks in by_slot.values():
            assert tasks == sorted(tasks, key=newest_first)
            assert len({t.slot_key for t in tasks}) == 1


def test_a_services_tasks_come_from_the_one_slot_index() -> None:
    """A service's tasks, history or current, are read from `task_slots` and nothing else
    (a second per-service index beside it was a second answer to keep in step)."""
    snap = _mixed()
    every = {sid: sorted((t for ts in by_slot.values() for t in ts), key=newest_first)
             for sid, by_slot in snap.task_slots.items()}
    built = set(vars(snap))
    for sid in ("s1", "s2", "s3", "s9"):
        assert snap.tasks_of_service(sid) == every[sid]
        assert {t.id for t in snap.current_tasks(sid)} <= {t.id for t in every[sid]}
    assert snap.tasks_of_service("nope") == []
    assert set(vars(snap)) - built <= {"task_slots"}  # no other index was built for it
    assert sorted(t.id for ts in every.values() for t in ts) == sorted(snap.tasks)


def test_the_recorded_lab_gives_the_same_failing_tasks_as_a_scan() -> None:
    d = _recorded()
    snap = ClusterSnapshot.from_api(nodes=d["nodes"], services=d["services"],
                                    tasks=d["tasks"], networks=d["networks"],
                                    info=d["info"], swarm=d["swarm"])
    assert [t.id for t in health.failing_tasks(snap)] == [
        t.id for t in _reference_failing(snap)]
    assert set(snap.current_task_ids) == _reference_current(snap)


def _listing(items: list[dict[str, Any]]) -> Listing:
    return Listing(json.dumps(items, separators=(",", ":")).encode())


def test_a_relist_of_the_same_bytes_keeps_the_last_models_without_decoding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    items = [task(f"t{i}", "s1", slot=i + 1) for i in range(3)]
    first = merge_kind("tasks", None, _listing(items))
    assert set(first) == {"t0", "t1", "t2"}
    decoded: list[int] = []
    real = jsonlist.iter_list
    monkeypatch.setattr(jsonlist, "iter_list", lambda body: decoded.append(1) or real(body))
    assert merge_kind("tasks", first, _listing(items)) is first
    assert not decoded
    # one task changed: it alone is decoded again (its head's version moved); the
    # unchanged ones are the same objects
    items[1] = task("t1", "s1", slot=2, state="failed", version=31)
    pieces: list[bytes] = []
    real_loads = json.loads
    monkeypatch.setattr(merge.json, "loads",  # the body's bytes (a spec is copied as str)
                        lambda b: (isinstance(b, bytes) and pieces.append(b)) or real_loads(b))
    again = merge_kind("tasks", first, _listing(items))
    monkeypatch.setattr(merge.json, "loads", real_loads)
    assert not decoded and [real_loads(b) for b in pieces] == [items[1]]
    assert again is not first and again["t1"].state == "failed"
    assert again["t0"] is first["t0"] and again["t2"] is first["t2"]
    # a list handed over decoded (no digest) is merged as always
    plain = merge_kind("tasks", again, items)
    assert plain is not again and plain["t0"] is again["t0"]
    assert merge_kind("tasks", plain, _listing(items)) is not plain  # no digest to match


def _merged_whole(old: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """What the merge gave before it read heads: every element decoded, then by version."""
    return merge_kind("tasks", old, items)


@pytest.mark.parametrize("change", ["state", "new", "gone", "reordered", "all"])
def test_a_task_relist_read_by_heads_gives_what_decoding_it_all_gives(change: str) -> None:
    items = [task(f"t{i}", f"s{i % 7}", slot=i // 7 + 1, version=100 + i) for i in range(200)]
    first = merge_kind("tasks", None, _listing(items))
    again = copy.deepcopy(items)
    if change == "state":
        again[17] = task("t17", "s3", slot=3, state="failed", err="boom", version=999)
    elif change == "new":
        again.insert(50, task("tnew", "s1", slot=99, version=1000))
    elif change == "gone":
        del again[3:9]
    elif change == "reordered":
        again.reverse()
    else:
        again = [task(d["ID"], d["ServiceID"], slot=d["Slot"], state="shutdown",
                      version=d["Version"]["Index"] + 1) for d in items]
    listing = _listing(again)
    assert listing.heads() is not None
    by_heads = merge_kind("tasks", first, listing)
    whole = _merged_whole(first, again)
    assert list(by_heads) == list(whole)  # the same tasks, in the list's order
    for tid, obj in by_heads.items():
        assert obj == whole[tid] and obj.spec == whole[tid].spec
        assert (obj is first.get(tid)) == (whole[tid] is first.get(tid))


def test_tasks_whose_heads_cannot_be_read_are_merged_from_the_whole_list() -> None:
    items = [task(f"t{i}", "s1", slot=i + 1) for i in range(5)]
    first = merge_kind("tasks", None, _listing(items))
    # not the Engine's field order, a nested object whose first key is ID (a cut there),
    # a broken changed element: each is merged as before (or fails as before)
    odd = [{"Version": d["Version"], **{k: v for k, v in d.items() if k != "Version"}}
           for d in items]
    nested = copy.deepcopy(items)
    nested[2]["Volumes"] = [{"ID": "v1", "Source": "a"}, {"ID": "v2", "Source": "b"}]
    nested[2]["Version"] = {"Index": 77}
    for again in (odd, nested):
        listing = _listing(again)
        assert listing.heads() is None
        merged = merge_kind("tasks", first, listing)
        assert list(merged) == [d["ID"] for d in again]
        assert all(merged[k] is first[k] for k in merged if k != "t2")
    assert merge_kind("tasks", first, _listing(nested))["t2"].version == 77
    broken = Listing(_listing(items).body.replace(b'"Index":30}', b'"Index":31}', 1)
                     .replace(b'"State":"running"', b'"State":running', 1))
    with pytest.raises(ValueError):
        merge_kind("tasks", first, broken)


def test_a_kind_replaced_by_the_very_same_objects_keeps_the_indexes_not_the_clock() -> None:
    snap = _mixed()
    at = datetime(2026, 12, 1, 11, 5, tzinfo=UTC)
    old_health = health.assessed(snap, snap.taken_at)
    slots, failing = snap.task_slots, health.failing_tasks(snap)
    current = snap.current_task_ids
    same = snap.with_kind("tasks", snap.tasks, at)
    assert same.task_slots is slots and same.current_task_ids is current
    assert [t.id for t in health.failing_tasks(same)] == [t.id for t in failing]
    # health (its ages) and the explanations are of the new snapshot's clock
    new_health = health.assessed(same, at)
    assert new_health is not old_health and new_health.at == at
    assert new_health.failing == old_health.failing
    # other objects: nothing kept
    fewer = {k: v for k, v in snap.tasks.items() if k != "p1"}
    other = snap.with_kind("tasks", fewer, at)
    assert other.task_slots is not slots and "p1" not in other.current_task_ids
    assert "p1" not in {t.id for t in health.failing_tasks(other)}

"""Operations: quorum preview and blocks over N = 1…9 managers, drain preview, CLI text,
validation, read-only — pure logic on crafted API-shaped snapshots."""

from __future__ import annotations

import pytest

from swarmtui.swarm import health
from swarmtui.swarm.ops.base import READ_ONLY_BLOCK
from swarmtui.swarm.ops.node_labels import AddNodeLabel, RemoveNodeLabel
from swarmtui.swarm.ops.nodes import DemoteNodes, PromoteNodes, RemoveNode, SetAvailability
from swarmtui.swarm.ops.placement import constraint_ok, drain_preview
from swarmtui.swarm.ops.quorum import quorum_preview
from swarmtui.swarm.ops.services import (
    ForceUpdateService,
    RemoveService,
    RollbackService,
    ScaleService,
    UpdateServiceImage,
)
from swarmtui.swarm.ops.validate import InputError, parse_label, parse_replicas, validate_image
from swarmtui.swarm.state import ClusterSnapshot
from tests.unit.test_swarm_fixtures import cluster, node, service, snap, task


def _expect_block(n: int, r: int, n2: int, r2: int) -> bool:
    """The rule from the spec: no manager left, quorum already lost, or lost afterwards."""
    return n2 == 0 or r < health.majority(n) or r2 < health.majority(n2)


CASES = [(n, u) for n in range(1, 10) for u in (0, 1, 2) if u <= n]


@pytest.mark.parametrize(("n", "u"), CASES)
def test_quorum_promote_one_and_two(n: int, u: int) -> None:
    s = snap(nodes=cluster(n, unreachable=u, workers=3))
    r = n - u
    for k in (1, 2):
        workers = [s.nodes[f"w{i}"] for i in range(1, k + 1)]
        q = quorum_preview(s, promote=workers)
        assert (q.managers_before, q.managers_after) == (n, n + k)
        assert (q.reachable_before, q.reachable_after) == (r, r + k)
        assert (q.tolerance_before, q.tolerance_after) == ((n - 1) // 2, (n + k - 1) // 2)
        assert bool(q.blocks) == _expect_block(n, r, n + k, r + k), q
        g = PromoteNodes(workers).guard(s)
        assert bool(g.blocks) == bool(q.blocks)
        if not q.blocks:
            assert any("is an even number" in w for w in g.warnings) == ((n + k) % 2 == 0)
            assert any("more than 7" in w for w in g.warnings) == (n + k > 7)
            assert f"managers {n} → {n + k}" in g.preview


@pytest.mark.parametrize(("n", "u"), CASES)
def test_quorum_demote_reachable_and_unreachable(n: int, u: int) -> None:
    s = snap(nodes=cluster(n, unreachable=u))
    r = n - u
    reachable = [m for m in s.managers if m.is_reachable_manager]
    unreachable = [m for m in s.managers if not m.is_reachable_manager]
    if reachable:
        g = DemoteNodes([reachable[-1]]).guard(s)
        assert bool(g.blocks) == _expect_block(n, r, n - 1, r - 1), (n, u, g)
        if n == 1:
            assert any("last manager" in b for b in g.blocks)
        if not g.blocks:
            t0, t1 = health.fault_tolerance(n), health.fault_tolerance(n - 1)
            assert any("drops to 0" in w for w in g.warnings) == (t1 == 0 and t0 > 0)
            assert any("even number" in w for w in g.warnings) == ((n - 1) % 2 == 0)
    if unreachable:
        g = DemoteNodes([unreachable[0]]).guard(s)
        assert bool(g.blocks) == _expect_block(n, r, n - 1, r), (n, u, g)
    # demoting every manager at once always leaves none
    assert any("last manager" in b for b in DemoteNodes(s.managers).guard(s).blocks)


def test_quorum_named_cases() -> None:
    three = snap(nodes=cluster(3))
    g = DemoteNodes([three.nodes["m3"]]).guard(three)
    assert not g.blocks
    assert any(w.startswith("2 managers is an even number") for w in g.warnings)
    assert any(w.startswith("fault tolerance drops to 0") for w in g.warnings)
    assert "fault tolerance 1 → 0 (⌊(N−1)/2⌋ managers may fail)" in g.preview
    # 3 managers, one unreachable: demoting a reachable one loses quorum
    g = DemoteNodes([snap(nodes=cluster(3, 1)).nodes["m2"]]).guard(snap(nodes=cluster(3, 1)))
    assert g.blocks and "would lose quorum" in g.blocks[0]
    # 1 manager: promoting two workers keeps the count odd — no even warning
    one = snap(nodes=cluster(1, workers=2))
    g = PromoteNodes([one.nodes["w1"], one.nodes["w2"]]).guard(one)
    assert not g.blocks and not any("even" in w for w in g.warnings)
    assert (
        "managers 1 → 3" in g.preview
        and "fault tolerance 0 → 1 (⌊(N−1)/2⌋ managers may fail)" in g.preview
    )
    # promoting one worker of a 1-manager swarm: even warning
    g = PromoteNodes([one.nodes["w1"]]).guard(one)
    assert any(w.startswith("2 managers is an even number") for w in g.warnings)
    # promoting a Down node to a lone manager would break quorum
    lone = snap(nodes=cluster(1, workers=2, down=1))
    assert PromoteNodes([lone.nodes["w2"]]).guard(lone).blocks
    # already managers → nothing to do
    assert PromoteNodes([three.nodes["m2"]]).guard(three).blocks


def test_read_only_refuses_every_mutating_op_first() -> None:
    s = snap(
        nodes=cluster(3),
        services=[service("s1", "web", replicas=2)],
    )
    w, m = s.nodes["w1"], s.nodes["m3"]
    web = s.services["s1"]
    ops = [
        PromoteNodes([w]),
        DemoteNodes([m]),
        SetAvailability([w], "drain"),
        SetAvailability([w], "active"),
        SetAvailability([w], "pause"),
        AddNodeLabel([w], "a=b"),
        RemoveNodeLabel([w], "a"),
        RemoveNode(w),
        ScaleService(web, "3"),
        ForceUpdateService(web),
        RollbackService(web),
        UpdateServiceImage(web, "x:1"),
        RemoveService(web),
    ]
    for op in ops:
        assert op.mutating
        assert op.guard(s, read_only=True).blocks == (READ_ONLY_BLOCK,), op.name
    # a worker's empty snapshot blocks too, with its reason
    worker = ClusterSnapshot.from_api(
        info={"Swarm": {"LocalNodeState": "active"}}, message="x is a worker"
    )
    assert "x is a worker" in ScaleService(web, "2").guard(worker).blocks[0]


def test_cli_equivalents() -> None:
    s = snap(nodes=cluster(3, workers=3), services=[service("s1", "web", replicas=2)])
    w2, w3, m2 = s.nodes["w2"], s.nodes["w3"], s.nodes["m2"]
    web = s.services["s1"]
    assert PromoteNodes([w2]).cli == "docker node promote wrk2"
    assert PromoteNodes([w2, w3]).cli == "docker node promote wrk2 wrk3"
    assert DemoteNodes([m2]).cli == "docker node demote mgr2"
    assert SetAvailability([w3], "drain").cli == "docker node update --availability drain wrk3"
    assert SetAvailability([w3], "active").name == "activate"
    assert SetAvailability([w2, w3], "pause").cli == (
        "docker node update --availability pause wrk2 && "
        "docker node update --availability pause wrk3"
    )
    assert AddNodeLabel([w2], "zone=a").cli == "docker node update --label-add zone=a wrk2"
    # nothing typed yet: what goes there, not an empty '' argument
    assert AddNodeLabel([w2], "").cli == "docker node update --label-add KEY=VALUE wrk2"
    assert (
        AddNodeLabel([w2], "note=two words").cli
        == "docker node update --label-add 'note=two words' wrk2"
    )
    assert RemoveNodeLabel([w2], "zone").cli == "docker node update --label-rm zone wrk2"
    assert RemoveNode(w3).cli == "docker node rm wrk3"
    assert RemoveNode(w3, force=True).cli == "docker node rm --force wrk3"
    assert ScaleService(web, "5").cli == "docker service scale web=5"
    assert ScaleService(web, " 007 ").cli == "docker service scale web=7"  # what is sent
    assert ForceUpdateService(web).cli == "docker service update --force web"
    assert RollbackService(web).cli == "docker service rollback web"
    assert (
        UpdateServiceImage(web, "busybox:latest").cli
        == "docker service update --image busybox:latest web"
    )
    assert RemoveService(web).cli == "docker service rm web"
    assert RemoveService(web).confirm_text == "web" and RemoveNode(w3).confirm_text == "wrk3"
    assert ScaleService(web, "5").confirm_text is None
    assert RemoveService(web).confirmation_ok("web") and not RemoveService(web).confirmation_ok(
        "we"
    )


def _drain_state() -> ClusterSnapshot:
    return snap(
        nodes=[
            node("n1", "node1", role="manager", leader=True),
            node("n2", "node2", labels={"disk": "ssd"}),
            node("n3", "node3"),
            node("n4", "node4", availability="drain"),
        ],
        services=[
            service("sw", "web", replicas=2),
            service("ss", "solo", replicas=1),
            service("sp", "pinned", replicas=1, constraints=["node.labels.disk==ssd"]),
            service("sg", "glob", glob=True, replicas=3),
        ],
        tasks=[
            task("w1", "sw", slot=1, node_id="n2"),
            task("w2", "sw", slot=2, node_id="n3"),
            task("s1", "ss", slot=1, node_id="n2"),
            task("p1", "sp", slot=1, node_id="n2"),
            task("g2", "sg", slot=None, node_id="n2"),
            task("g3", "sg", slot=None, node_id="n3"),
            task(
                "x1",
                "sw",
                slot=1,
                node_id="n2",
                state="shutdown",
                desired="shutdown",
                created="2026-11-22T01:00:00Z",
            ),
        ],
    )


def test_drain_preview_on_crafted_state() -> None:
    s = _drain_state()
    dp = drain_preview(s, ["n2"], connected_node_id="n1")
    moves = {m.service: m for m in dp.moves}
    assert set(moves) == {"web", "solo", "pinned", "glob"}
    assert moves["web"].tasks == ("web.1",) and moves["web"].running_elsewhere == 1
    assert not moves["web"].drops_to_zero and moves["solo"].drops_to_zero
    assert moves["web"].can_go_to == ("node1", "node3")  # node4 is drained
    assert moves["pinned"].can_go_to == ()
    assert moves["glob"].tasks == ("glob.n2",)
    assert not dp.connected_through and dp.active_left == ("node1", "node3")
    assert "web: web.1 moves to one of node1, node3" in dp.lines
    assert "glob (global): glob.n2 stops — global tasks do not move" in dp.lines
    assert any(w.startswith("solo drops to zero running tasks") for w in dp.warnings)
    assert any(w.startswith("no other Active node can run pinned") for w in dp.warnings)
    assert not any("solo" in w and "no other" in w for w in dp.warnings)
    # draining the node we are connected through is said
    dp1 = drain_preview(s, ["n1"], connected_node_id="n1")
    assert dp1.connected_through and any("connected through" in w for w in dp1.warnings)
    assert dp1.lines == ("no task is running on node1: nothing moves",)
    # the guard carries the preview and the warnings, and blocks nothing
    g = SetAvailability([s.nodes["n2"]], "drain").guard(s, connected_node_id="n1")
    assert not g.blocks and "web: web.1 moves to one of node1, node3" in g.preview
    assert any("pinned" in w for w in g.warnings)
    # draining every usable node: nothing can take the tasks
    all_nodes = [s.nodes[i] for i in ("n1", "n2", "n3")]
    dp_all = drain_preview(s, [n.id for n in all_nodes])
    assert any(w.startswith("no other node is Active and Ready") for w in dp_all.warnings)
    # already drained → nothing to do
    assert SetAvailability([s.nodes["n4"]], "drain").guard(s).blocks


def test_drain_preview_knows_a_host_mode_port_allows_one_task_per_node() -> None:
    """Seen walking the tutorial: web publishes 8080 in host mode with a task on every
    node; draining node2 said "web.2 move to node1, node3, node4", and it stayed Pending
    (the port is taken on each of them)."""
    port = {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}
    nodes = [node("n1", "node1", role="manager", leader=True), node("n2", "node2"),
             node("n3", "node3"), node("n4", "node4")]
    tasks = [task(f"w{i}", "sw", slot=i, node_id=f"n{i}") for i in range(1, 5)]
    full = snap(nodes=nodes, services=[service("sw", "web", replicas=4, ports=[port])],
                tasks=tasks)
    dp = drain_preview(full, ["n2"])
    assert dp.moves[0].can_go_to == ()
    assert dp.lines == ("web: web.2 — no other node can take it (it stays Pending)",)
    assert ("no other node can take web's tasks: its host-mode port 8080/tcp is already in "
            "use on node1, node3, node4; they will stay Pending") in dp.warnings
    # with a node free of the port, the task moves there and only there
    three = snap(nodes=nodes, services=[service("sw", "web", replicas=3, ports=[port])],
                 tasks=tasks[:3])
    dp = drain_preview(three, ["n2"])
    assert dp.lines == ("web: web.2 moves to node4",) and not dp.warnings
    # an ingress port does not bind the node: any node can take it
    ingress = dict(port, PublishMode="ingress")
    mesh = snap(nodes=nodes, services=[service("sw", "web", replicas=4, ports=[ingress])],
                tasks=tasks)
    assert drain_preview(mesh, ["n2"]).lines == ("web: web.2 moves to one of node1, node3, node4",)


def test_scale_past_the_nodes_of_a_host_mode_port_is_warned_before() -> None:
    """Seen walking the tutorial: scaling a host-mode 8080 service to 5 on 4 nodes was
    said only afterwards ("pending: no suitable node")."""
    port = {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}
    nodes = [node("n1", "node1", role="manager", leader=True), node("n2", "node2"),
             node("n3", "node3"), node("n4", "node4", availability="drain")]
    s = snap(nodes=nodes, services=[service("sw", "web", replicas=3, ports=[port])],
             tasks=[task(f"w{i}", "sw", slot=i, node_id=f"n{i}") for i in range(1, 4)])
    svc = s.services["sw"]
    g = ScaleService(svc, "5").guard(s)
    assert not g.blocks
    assert ("web publishes 8080/tcp in host mode: one task per node, and 3 nodes can run "
            "it — 2 tasks will stay Pending (publish in ingress mode, or leave the "
            "published port empty)") in g.warnings
    assert not ScaleService(svc, "2").guard(s).warnings


def test_drain_convergence_text_on_crafted_states() -> None:
    s = _drain_state()
    op = SetAvailability([s.nodes["n2"]], "drain")
    op.guard(s)
    done, text = op.converged(s)
    assert not done and "still Active" in text
    after = snap(
        nodes=[
            node("n1", "node1", role="manager", leader=True),
            node("n2", "node2", availability="drain"),
            node("n3", "node3"),
        ],
        services=[
            service("sw", "web", replicas=2),
            service("ss", "solo", replicas=1),
            service("sp", "pinned", replicas=1, running=0, constraints=["node.labels.disk==ssd"]),
            service("sg", "glob", glob=True, replicas=2),
        ],
        tasks=[
            task("w3", "sw", slot=1, node_id="n1"),
            task("w2", "sw", slot=2, node_id="n3"),
            task("s2", "ss", slot=1, node_id="n3"),
            task(
                "p2",
                "sp",
                slot=1,
                node_id=None,
                state="pending",
                err="no suitable node (scheduling constraints not satisfied on 3 nodes)",
            ),
        ],
    )
    done, text = op.converged(after)
    # the task that cannot be placed, by name, with the scheduler's cause
    assert not done and text == ("pinned.1 pending: no suitable node (scheduling constraints "
                                 "not satisfied on 3 nodes)"), text


def test_constraints() -> None:
    from swarmtui.swarm.models import Node

    n = Node.from_api(node("n2", "node2", labels={"zone": "a"}))
    assert constraint_ok(n, "node.labels.zone==a") and not constraint_ok(n, "node.labels.zone!=a")
    assert constraint_ok(n, "node.role == worker") and not constraint_ok(n, "node.role==manager")
    assert not constraint_ok(n, "node.labels.nowhere==1") and constraint_ok(n, "node.labels.x!=1")
    assert constraint_ok(n, "node.hostname==node2") and constraint_ok(n, "something.odd==1")


@pytest.mark.parametrize(("raw", "value"), [("3", 3), (" 0 ", 0), ("12", 12)])
def test_parse_replicas_ok(raw: str, value: int) -> None:
    assert parse_replicas(raw) == value


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("-1", "negative"),
        ("1.5", "whole number"),
        ("abc", "not a whole number"),
        ("", "type a number"),
        ("-2.5", "negative"),
        ("1e3", "whole number"),
        ("999999999", "more than"),
    ],
)
def test_parse_replicas_refused(raw: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        parse_replicas(raw)


def test_scale_guard() -> None:
    s = snap(
        nodes=cluster(1),
        services=[service("s1", "web", replicas=2), service("g", "glob", glob=True)],
    )
    web, glob = s.services["s1"], s.services["g"]
    assert "global service" in ScaleService(glob, "3").guard(s).blocks[0]
    assert "negative" in ScaleService(web, "-1").guard(s).blocks[0]
    assert "whole number" in ScaleService(web, "2.5").guard(s).blocks[0]
    assert "already has 2" in ScaleService(web, "2").guard(s).blocks[0]
    g = ScaleService(web, "5").guard(s)
    assert not g.blocks and g.preview == ("web: replicas 2 → 5 (running now: 2/2)",)
    assert any("stop all" in w for w in ScaleService(web, "0").guard(s).warnings)


def test_labels_and_image_validation() -> None:
    assert parse_label("zone=a") == ("zone", "a")
    assert parse_label("ssd") == ("ssd", "")
    assert parse_label("a=b=c") == ("a", "b=c")
    for bad in ("", "=a", "bad key=x", "-x=1", "k=\tv"):
        with pytest.raises(InputError):
            parse_label(bad)
    s = snap(
        nodes=[node("n1", "node1", role="manager", leader=True, labels={"zone": "a", "keep": "1"})]
    )
    n1 = s.nodes["n1"]
    assert "not a valid label key" in AddNodeLabel([n1], "bad key=1").guard(s).blocks[0]
    assert "already set" in AddNodeLabel([n1], "zone=a").guard(s).blocks[0]
    assert AddNodeLabel([n1], "zone=b").guard(s).preview == ("node1: label zone: 'a' → 'b'",)
    assert "no selected node has a label" in RemoveNodeLabel([n1], "nope").guard(s).blocks[0]
    assert RemoveNodeLabel([n1], "zone").guard(s).preview == ("node1: remove label zone=a",)
    assert validate_image(" busybox:1.36 ") == "busybox:1.36"
    for bad in ("", "a b", "busybox:", "UPPER CASE"):
        with pytest.raises(InputError):
            validate_image(bad)


def test_remove_node_guard() -> None:
    s = snap(nodes=cluster(3, workers=2, down=1))
    # a Ready manager: demoted first, but it must still leave (or be Down) before removal
    ready_mgr = RemoveNode(s.nodes["m2"])
    assert ready_mgr.cli == "docker node demote mgr2 && docker node rm mgr2"
    assert any("docker swarm leave" in b for b in ready_mgr.guard(s).blocks)
    assert "demoted first" in ready_mgr.guard(s).preview[0]
    # a Down manager of 3 (1 unreachable): demote + remove is allowed, quorum previewed
    s3 = snap(nodes=cluster(3, unreachable=1))
    down_mgr = RemoveNode(s3.nodes["m3"], force=True)
    g = down_mgr.guard(s3)
    assert not g.blocks, g.blocks
    assert down_mgr.cli == "docker node demote mgr3 && docker node rm --force mgr3"
    assert any("3 → 2" in line for line in g.preview), g.preview
    assert any("even" in w for w in g.warnings), g.warnings
    # the last manager can never be removed
    s1 = snap(nodes=cluster(1, workers=1))
    assert RemoveNode(s1.nodes["m1"]).guard(s1).blocks
    # 3 managers with 2 unreachable: removing one of the down ones loses the majority
    s32 = snap(nodes=cluster(3, unreachable=2))
    assert RemoveNode(s32.nodes["m3"], force=True).guard(s32).blocks
    ready = RemoveNode(s.nodes["w1"]).guard(s)
    assert any("docker swarm leave" in b for b in ready.blocks)
    assert any(
        "--force is only offered" in b
        for b in RemoveNode(s.nodes["w1"], force=True).guard(s).blocks
    )
    down = s.nodes["w2"]
    assert RemoveNode.force_offered(down) and not RemoveNode.force_offered(s.nodes["w1"])
    assert not RemoveNode(down).guard(s).blocks and not RemoveNode(down, force=True).guard(s).blocks


def test_service_guards() -> None:
    prev = service("s1", "web", replicas=2, image="busybox:old")
    cur = service(
        "s1",
        "web",
        replicas=2,
        labels={"com.docker.stack.namespace": "shop"},
        ports=[
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}
        ],
    )
    cur["PreviousSpec"] = prev["Spec"]
    s = snap(nodes=cluster(1), services=[cur, service("s2", "fresh")])
    web, fresh = s.services["s1"], s.services["s2"]
    assert "no previous spec" in RollbackService(fresh).guard(s).blocks[0]
    g = RollbackService(web).guard(s)
    assert not g.blocks and "image busybox:latest → busybox:old" in g.preview
    assert "already runs" in UpdateServiceImage(web, "busybox:latest").guard(s).blocks[0]
    assert (
        UpdateServiceImage(web, "busybox:v2").guard(s).preview[0]
        == "web: image busybox:latest → busybox:v2"
    )
    rm = RemoveService(web).guard(s)
    assert any("stack shop" in w for w in rm.warnings) and any(
        "*:8080->80/tcp" in w for w in rm.warnings
    )
    gone = snap(nodes=cluster(1))
    assert "no longer exists" in ForceUpdateService(web).guard(gone).blocks[0]


def test_leave_and_remove_a_ready_node_over_its_ssh() -> None:
    """A Ready node: no 'run docker swarm leave' block, the leave is part of the change;
    the guards of a removal stay (a manager demoted first, quorum, read-only, last node)."""
    from swarmtui.connect.hostkeys import fixed_trust
    from swarmtui.connect.nodes import NodePool
    from swarmtui.connect.options import ConnectOptions
    from swarmtui.swarm.reach.ops import LeaveAndRemoveNode

    pool = NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[]))
    s = snap(nodes=cluster(3, workers=2))
    worker = LeaveAndRemoveNode(pool, s.nodes["w1"])
    g = worker.guard(s)
    assert not g.blocks, g.blocks
    assert worker.cli.endswith(" docker swarm leave && docker node rm wrk1"), worker.cli
    assert worker.cli.startswith("ssh ")
    assert any("leaves the swarm itself" in p for p in g.preview), g.preview
    assert worker.confirm_text == "wrk1"
    assert worker.guard(s, read_only=True).blocks == (READ_ONLY_BLOCK,)
    mgr = LeaveAndRemoveNode(pool, s.nodes["m2"])
    assert mgr.cli.startswith("docker node demote mgr2 && ssh ") and "demoted first" in \
        mgr.guard(s).preview[0]
    assert any("3 → 2" in line for line in mgr.guard(s).preview)
    # the last manager, the connected node and the last node stay blocked
    s1 = snap(nodes=cluster(1, workers=1))
    assert LeaveAndRemoveNode(pool, s1.nodes["m1"]).guard(s1).blocks
    assert LeaveAndRemoveNode(pool, s.nodes["w1"]).guard(s, connected_node_id="w1").blocks
    alone = snap(nodes=cluster(1, workers=0))
    assert any("last node" in b for b in RemoveNode(alone.nodes["m1"]).guard(alone).blocks)


def test_a_blocked_demotion_says_the_block_not_what_it_would_risk() -> None:
    """Demoting the last manager is blocked: no "a new leader is elected" or "swarmtui is
    connected through it" beside the block (nothing will happen); a demotion that can go
    keeps them."""
    s = snap(nodes=cluster(1, workers=1))
    g = DemoteNodes([s.nodes["m1"]]).guard(s, connected_node_id="m1")
    assert any("last manager" in b for b in g.blocks), g.blocks
    assert not any("leader" in w or "connected through" in w for w in g.warnings), g.warnings
    text = "\n".join(g.preview)
    assert "no manager left" in text and "majority of 0" not in text, text
    s3 = snap(nodes=cluster(3, workers=1))
    g3 = DemoteNodes([s3.nodes["m1"]]).guard(s3, connected_node_id="m1")
    assert not g3.blocks
    assert any("new leader" in w for w in g3.warnings) and \
        any("connected through" in w for w in g3.warnings), g3.warnings


def test_scale_to_the_same_count_says_replica_in_the_singular() -> None:
    s = snap(nodes=cluster(1), services=[service("s1", "web", replicas=1)])
    [block] = ScaleService(s.services["s1"], "1").guard(s).blocks
    assert block.endswith("already has 1 replica"), block


def test_the_drain_preview_reads_like_english() -> None:
    """"web.1 move to node2, node3, node4" was one task and its candidates."""
    from swarmtui.swarm.ops.placement import ServiceMove

    def move(tasks: tuple[str, ...], to: tuple[str, ...]) -> str:
        return ServiceMove("web", "replicated", tasks, 1, 3, to).destination

    assert move(("web.1",), ("node2", "node3", "node4")) == "moves to one of node2, node3, node4"
    assert move(("web.1",), ("node2",)) == "moves to node2"
    assert move(("web.1", "web.2"), ("node2", "node3")) == "move to any of node2, node3"
    assert move(("web.1", "web.2"), ("node2",)) == "move to node2"


def _max_one_per_node() -> tuple[list[dict[str, object]], dict[str, object]]:
    nodes = [node("n1", "node1", role="manager", leader=True), node("n2", "node2"),
             node("n3", "node3"), node("n4", "node4")]
    web = service("sw", "web", replicas=4)
    web["Spec"]["TaskTemplate"]["Placement"] = {"MaxReplicas": 1}  # type: ignore[index]
    return nodes, web


def test_a_drain_whose_task_cannot_be_placed_says_so_before_and_at_once() -> None:
    """--replicas-max-per-node 1 with a task on every node: draining node2 said
    "web.1 move to node1, node3, node4" and then waited its 90 s in silence."""
    nodes, web = _max_one_per_node()
    tasks = [task(f"w{i}", "sw", slot=i, node_id=f"n{i}") for i in range(1, 5)]
    s = snap(nodes=nodes, services=[web], tasks=tasks)
    dp = drain_preview(s, ["n2"])
    assert dp.lines == ("web: web.2 — no other node can take it (it stays Pending)",)
    assert ("no other node can take web's tasks: at most 1 per node, and node1, node3, "
            "node4 already run that many; they will stay Pending until a node can take "
            "them") in dp.warnings
    op = SetAvailability([s.nodes["n2"]], "drain")
    op.guard(s)
    nodes[1]["Spec"]["Availability"] = "drain"  # type: ignore[index]
    err = "no suitable node (max replicas per node limit exceed)"
    # the old task still stops (its grace period) while the new one is already Pending
    stopping = task("w2", "sw", slot=2, node_id="n2", desired="shutdown")
    pending = task("w5", "sw", slot=2, node_id=None, state="pending", err=err,
                   created="2026-12-01T10:00:05.000000000Z")
    after = snap(nodes=nodes, services=[web], tasks=[*tasks[:1], stopping, *tasks[2:],
                                                     pending])
    done, text = op.converged(after)
    assert not done
    assert text == f"still running on node2: web.2; web.2 pending: {err}", text
    stopped = dict(stopping, Status={**stopping["Status"], "State": "shutdown"})  # type: ignore[dict-item]
    done, text = op.converged(snap(nodes=nodes, services=[web],
                                   tasks=[*tasks[:1], stopped, *tasks[2:], pending]))
    assert (done, text) == (False, f"web.2 pending: {err}")


def test_activate_says_which_pending_task_lands_on_the_node() -> None:
    nodes, web = _max_one_per_node()
    nodes[1]["Spec"]["Availability"] = "drain"  # type: ignore[index]
    err = "no suitable node (max replicas per node limit exceed)"
    tasks = [task("w1", "sw", slot=1, node_id="n1"), task("w3", "sw", slot=3, node_id="n3"),
             task("w4", "sw", slot=4, node_id="n4"),
             task("w5", "sw", slot=2, node_id=None, state="pending", err=err)]
    s = snap(nodes=nodes, services=[web], tasks=tasks)
    g = SetAvailability([s.nodes["n2"]], "active").guard(s)
    assert f"web.2 is Pending: {err} — it lands on node2" in g.preview, g.preview
    # a node its constraints rule out takes nothing
    web["Spec"]["TaskTemplate"]["Placement"] = {  # type: ignore[index]
        "MaxReplicas": 1, "Constraints": ["node.hostname!=node2"]}
    s = snap(nodes=nodes, services=[web], tasks=tasks)
    g = SetAvailability([s.nodes["n2"]], "active").guard(s)
    assert not any("lands on" in p for p in g.preview), g.preview

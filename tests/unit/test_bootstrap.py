"""Bootstrap facts and plans from recorded probe outputs (no sockets)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import pytest

from swarmtui.bootstrap.facts import assess
from swarmtui.bootstrap.firewall import iptables_port_state, parse_firewall
from swarmtui.bootstrap.hostparse import (
    parse_docker,
    parse_os_release,
    parse_reach,
    parse_version,
    version_text,
)
from swarmtui.bootstrap.plan import PlanOptions, export_script, join_command, make_plan
from swarmtui.bootstrap.probe import ClusterContext, Probe, parse_rfc3339, split_hostport
from swarmtui.bootstrap.remote import CommandResult
from swarmtui.secrets import Secret

TOKEN = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"

# --- recorded outputs ---------------------------------------------------------------

DEBIAN_12 = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""
UBUNTU_2204 = """PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
"""
ROCKY_9 = """NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
"""
FEDORA_40 = """NAME="Fedora Linux"
VERSION="40 (Server Edition)"
ID=fedora
VERSION_ID=40
PRETTY_NAME="Fedora Linux 40 (Server Edition)"
"""
ALPINE = """NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
"""

LAB_FIREWALL = """### ufw
### firewalld
### iptables
-P INPUT ACCEPT
### nft
# Warning: table ip filter is managed by iptables-nft, do not touch!
table ip filter {
	chain DOCKER {
	}

	chain FORWARD {
		type filter hook forward priority filter; policy drop;
		counter packets 0 bytes 0 jump DOCKER-USER
	}
}
"""
UFW_FIREWALL = """### ufw
Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
2377/tcp                   ALLOW IN    Anywhere
22/tcp (v6)                ALLOW IN    Anywhere (v6)
2377/tcp (v6)              ALLOW IN    Anywhere (v6)
### firewalld
### iptables
-P INPUT DROP
-N ufw-before-input
-A INPUT -j ufw-before-input
### nft
"""
FIREWALLD_FIREWALL = """### ufw
### firewalld
running
## zone
public
## ports
4789/udp
## services
cockpit dhcpv6-client ssh
### iptables
### nft
table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		reject with icmpx admin-prohibited
	}
}
"""
NFT_FIREWALL = """### ufw
### firewalld
### iptables
-P INPUT ACCEPT
### nft
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 22 accept
		tcp dport { 2377, 7946 } accept
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
	}
}
"""
IPTABLES_FIREWALL = """### ufw
### firewalld
### iptables
-P INPUT DROP
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p udp -m udp --dport 4789 -j ACCEPT
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 7946 -j ACCEPT
### nft
"""

STOPPED = ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
           "Is the docker daemon running?")
DENIED = ("permission denied while trying to connect to the Docker daemon socket at "
          "unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info\": "
          "dial unix /var/run/docker.sock: connect: permission denied")
MANAGER = "100.64.7.11:2377"


def info_json(state: str = "inactive", node_id: str = "", manager: bool = False,
              version: str = "20.10.24+dfsg1") -> str:
    return json.dumps({"ServerVersion": version, "Name": "node4",
                       "Swarm": {"NodeID": node_id, "LocalNodeState": state,
                                 "ControlAvailable": manager}})


def ok(out: str = "") -> CommandResult:
    return CommandResult(0, out, "")


def err(status: int, stderr: str, out: str = "") -> CommandResult:
    return CommandResult(status, out, stderr)


def make_probe(**over: CommandResult) -> Probe:
    """A probe of a healthy Debian 12 host outside the swarm (as recorded on the lab)."""
    results = {
        "os_release": ok(DEBIAN_12),
        "uname": ok("x86_64\n6.1.0-18-amd64\n"),
        "id": ok("root\n0\nroot\n"),
        "hostname": ok("node4\n"),
        "tools": ok("apt-get\nsystemctl\nhostnamectl\ntimedatectl\nnft\niptables\nbash\ntimeout\n"
                    "ip\nsysctl\n"),
        "systemd": ok("systemd\n"),
        "dockerd_version": ok("Docker version 20.10.24+dfsg1, build 5d6db84\n"),
        "docker_cli": ok("Docker version 20.10.24+dfsg1, build 297e128\n"),
        "docker_info_user": ok(info_json() + "\n"),
        "sudo": ok(),
        "sysctl": ok("1\n1\n"),
        "timesync": ok("NTP=yes\nNTPSynchronized=yes\n"),
        "service": ok("enabled\nactive\n"),
        "date": ok("1000.50\n"),
        "firewall": ok(LAB_FIREWALL),
        f"reach:{MANAGER}": ok("via=bash rc=0\n"),
        f"route:{MANAGER}": ok("100.64.7.11 dev eth0 src 100.64.7.14 uid 0 \\    cache \n"),
    }
    results.update(over)
    return Probe(results=results, clock_before=1000.45, clock_after=1000.55)


CLUSTER = ClusterContext(
    manager_addrs=(MANAGER,),
    engine_version="20.10.24+dfsg1",
    hostnames={"n1id": "node1", "n2id": "node2", "n3id": "node3"},
    cluster_id="clusterid",
    manager_clock_offset=0.0,
    manager_clock_uncertainty=0.01,
)


def not_installed() -> dict[str, CommandResult]:
    return {
        "dockerd_version": err(127, "sh: 1: dockerd: not found"),
        "docker_cli": err(127, "sh: 1: docker: not found"),
        "docker_info_user": err(127, "sh: 1: docker: not found"),
        "service": ok("Failed to get unit file state for docker.service: No such file\n"),
    }


def statuses(facts) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.name: c.status for c in facts.checks}


# --- parsers --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "family", "os_id"), [
    (DEBIAN_12, "debian", "debian"), (UBUNTU_2204, "debian", "ubuntu"),
    (ROCKY_9, "rhel", "rocky"), (FEDORA_40, "fedora", "fedora"), (ALPINE, "unknown", "alpine"),
    ('ID="almalinux"\nID_LIKE="rhel centos fedora"\n', "rhel", "almalinux"),
    ('ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n', "rhel", "rhel"),
    ('ID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n', "amzn", "amzn"),
])
def test_os_release_families(text: str, family: str, os_id: str) -> None:
    info = parse_os_release(text)
    assert (info.family, info.id) == (family, os_id)


def test_versions() -> None:
    assert parse_version("Docker version 20.10.24+dfsg1, build 5d6db84") == (20, 10, 24)
    assert version_text("Docker version 20.10.24+dfsg1, build 5d6db84") == "20.10.24+dfsg1"
    assert parse_version("6.18.44-fc-v769") == (6, 18, 44)
    assert parse_version("garbage") == ()


def test_rfc3339_nanoseconds() -> None:
    t = parse_rfc3339("2026-11-22T03:04:42.11241017Z")
    assert t is not None and abs(t - 1795316682.11241017) < 1e-6
    assert parse_rfc3339("2026-11-22T03:04:42+01:00") == 1795316682 - 3600
    assert parse_rfc3339("yesterday") is None


def test_split_hostport() -> None:
    assert split_hostport("10.0.0.1:2377") == ("10.0.0.1", 2377)
    assert split_hostport("[fd00::1]:2377") == ("fd00::1", 2377)
    assert split_hostport("10.0.0.1") == ("10.0.0.1", 2377)


def test_firewall_lab_has_none() -> None:
    fw = parse_firewall(LAB_FIREWALL)
    assert fw.kind == "none" and not fw.closed


def test_firewall_ufw() -> None:
    fw = parse_firewall(UFW_FIREWALL)
    assert fw.kind == "ufw"
    assert fw.ports["2377/tcp"] == "open"
    assert fw.closed == ["7946/tcp", "7946/udp", "4789/udp"]


def test_firewall_firewalld_and_its_docker_swarm_service() -> None:
    fw = parse_firewall(FIREWALLD_FIREWALL)
    assert (fw.kind, fw.zone) == ("firewalld", "public")
    assert fw.closed == ["2377/tcp", "7946/tcp", "7946/udp"]
    with_service = FIREWALLD_FIREWALL.replace("cockpit dhcpv6-client ssh",
                                              "ssh docker-swarm")
    assert parse_firewall(with_service).closed == []
    stopped = FIREWALLD_FIREWALL.replace("running\n", "not running\n", 1)
    assert parse_firewall(stopped).kind != "firewalld"


def test_firewall_native_nftables() -> None:
    fw = parse_firewall(NFT_FIREWALL)
    assert fw.kind == "nftables" and fw.nft_chain == ("inet", "filter", "input")
    assert fw.closed == ["7946/udp", "4789/udp"]


def test_firewall_iptables_drop_policy() -> None:
    fw = parse_firewall(IPTABLES_FIREWALL)
    assert fw.kind == "iptables"
    assert fw.ports == {"2377/tcp": "closed", "7946/tcp": "unknown", "7946/udp": "closed",
                        "4789/udp": "open"}


def test_iptables_reject_rule_before_policy() -> None:
    rules = "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 2377 -j REJECT\n"
    assert iptables_port_state(rules, 2377, "tcp") == "closed"
    assert iptables_port_state(rules, 7946, "tcp") == "open"
    assert parse_firewall("### iptables\n" + rules + "### nft\n").kind == "iptables"


def test_reach_outcomes() -> None:
    assert parse_reach(MANAGER, ok("via=bash rc=0\n")).reachable is True
    timed_out = parse_reach(MANAGER, ok("via=bash rc=124\n"))
    assert timed_out.reachable is False and "timed out" in timed_out.detail
    refused = parse_reach(MANAGER, ok("bash: connect: Connection refused\n"
                                      "bash: line 1: /dev/tcp/100.64.7.11/2377: Connection "
                                      "refused\nvia=bash rc=1\n"))
    assert refused.reachable is False and "refused" in refused.detail
    assert parse_reach(MANAGER, ok("via=none\n")).reachable is None
    assert parse_reach(MANAGER, ok("via=nc rc=0\n")).via == "nc"


def test_docker_stopped_and_permission_denied() -> None:
    stopped = parse_docker(make_probe(docker_info_user=err(1, STOPPED),
                                      docker_info=err(1, STOPPED)))
    assert stopped.installed and not stopped.daemon_running and stopped.swarm_state == ""
    denied = parse_docker(make_probe(docker_info_user=err(1, DENIED),
                                     docker_info=ok(info_json())))
    assert denied.daemon_running and not denied.socket_access


# --- facts → checklist ------------------------------------------------------------------


def test_healthy_lab_host_passes_everything() -> None:
    facts = assess(make_probe(), CLUSTER)
    assert set(statuses(facts).values()) == {"pass"}, facts.checks
    assert facts.advertise_addr == "100.64.7.14"
    assert facts.reachable_manager == MANAGER
    assert facts.clock_offset is not None and abs(facts.clock_offset) < 0.01


def test_stopped_daemon_is_a_failing_check() -> None:
    facts = assess(make_probe(docker_info_user=err(1, STOPPED), docker_info=err(1, STOPPED)),
                   CLUSTER)
    check = facts.check("docker-daemon")
    assert check is not None and check.status == "fail" and "not running" in check.reason
    assert statuses(facts)["swarm"] == "warn"


def test_unreachable_manager_fails() -> None:
    facts = assess(make_probe(**{f"reach:{MANAGER}": ok("via=bash rc=124\n")}), CLUSTER)
    check = facts.check("manager-reachable")
    assert check is not None and check.status == "fail" and "timed out" in check.reason


def test_clock_skew_warns() -> None:
    facts = assess(make_probe(date=ok("1042.5\n")), CLUSTER)
    check = facts.check("clock")
    assert check is not None and check.status == "warn" and "+42" in check.reason


def test_duplicate_hostname_fails() -> None:
    facts = assess(make_probe(hostname=ok("node2\n")), CLUSTER)
    assert statuses(facts)["hostname"] == "fail"


def test_version_mismatch_warns() -> None:
    facts = assess(make_probe(docker_info_user=ok(info_json(version="24.0.7"))), CLUSTER)
    assert statuses(facts)["docker-version"] == "warn"


def test_other_swarm_fails_and_own_swarm_passes() -> None:
    other = assess(make_probe(docker_info_user=ok(info_json("active", "stranger"))), CLUSTER)
    assert statuses(other)["swarm"] == "fail"
    cluster = replace(CLUSTER, hostnames={**CLUSTER.hostnames, "n4id": "node4"})
    member = assess(make_probe(docker_info_user=ok(info_json("active", "n4id"))), cluster)
    assert statuses(member)["swarm"] == "pass" and statuses(member)["hostname"] == "pass"


def test_non_root_without_sudo() -> None:
    facts = assess(make_probe(id=ok("alice\n1000\nalice\n"), sudo=err(1, "sudo: a password is "
                                                                        "required"),
                              docker_info_user=err(1, DENIED)), CLUSTER)
    s = statuses(facts)
    assert s["privileges"] == "fail" and s["docker-socket"] == "warn"


# --- plans --------------------------------------------------------------------------------


def step_keys(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.key for s in plan.pending]


def test_plan_debian_without_docker() -> None:
    plan = make_plan(assess(make_probe(**not_installed()), CLUSTER), host="node4")
    install = plan.step("install-docker")
    assert install is not None and install.pending
    assert install.commands == ("apt-get update",
                                "DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io")
    assert plan.step("start-docker").commands == ("systemctl enable --now docker",)  # type: ignore[union-attr]
    assert step_keys(plan) == ["install-docker", "start-docker", "join"]
    join = plan.step("join")
    assert join is not None and join.needs_join_token
    # the Engine API's join on the host's socket (no token in any argv), shown with the
    # docker CLI line it stands for
    assert join.commands == (join_command("worker", "100.64.7.11:2377", "100.64.7.14"),)
    assert join.commands[0].endswith(
        "# = docker swarm join --token … --advertise-addr 100.64.7.14 100.64.7.11:2377")
    assert '"$SWARM_JOIN_TOKEN"' in join.commands[0] and "/swarm/join" in join.commands[0]


def test_plan_ubuntu_with_ufw() -> None:
    facts = assess(make_probe(os_release=ok(UBUNTU_2204), firewall=ok(UFW_FIREWALL),
                              **not_installed()), CLUSTER)
    plan = make_plan(facts)
    assert plan.step("install-docker").commands[-1].endswith("apt-get install -y docker.io")  # type: ignore[union-attr]
    fw = plan.step("firewall")
    assert fw is not None and fw.pending
    assert fw.commands == ("ufw allow 7946/tcp", "ufw allow 7946/udp", "ufw allow 4789/udp")
    assert fw.check is not None and "ufw status" in fw.check


def test_plan_rocky_with_firewalld() -> None:
    facts = assess(make_probe(os_release=ok(ROCKY_9), firewall=ok(FIREWALLD_FIREWALL),
                              tools=ok("dnf\nsystemctl\nfirewall-cmd\nbash\ntimedatectl\n"),
                              **not_installed()), CLUSTER)
    plan = make_plan(facts, PlanOptions(role="manager"))
    install = plan.step("install-docker")
    assert install is not None
    assert install.commands[-1] == "dnf install -y docker-ce docker-ce-cli containerd.io"
    assert any("config-manager --add-repo" in c for c in install.commands)
    fw = plan.step("firewall")
    assert fw is not None and fw.commands == (
        "firewall-cmd --permanent --zone=public --add-port=2377/tcp --add-port=7946/tcp "
        "--add-port=7946/udp", "firewall-cmd --reload")
    assert plan.step("join").title == "Join the swarm as a manager"  # type: ignore[union-attr]


def test_plan_fedora_and_unknown_distribution() -> None:
    fedora = make_plan(assess(make_probe(os_release=ok(FEDORA_40), **not_installed()), CLUSTER))
    assert fedora.step("install-docker").commands == ("dnf install -y moby-engine",)  # type: ignore[union-attr]
    alpine = make_plan(assess(make_probe(os_release=ok(ALPINE), **not_installed()), CLUSTER))
    install = alpine.step("install-docker")
    assert install is not None and install.blocked and "by hand" in install.blocked


def test_plan_iptables_and_nftables_rules_are_idempotent() -> None:
    ipt = make_plan(assess(make_probe(firewall=ok(IPTABLES_FIREWALL)), CLUSTER)).step("firewall")
    assert ipt is not None and ipt.commands[0] == (
        "iptables -C INPUT -p tcp --dport 2377 -j ACCEPT 2>/dev/null || "
        "iptables -I INPUT -p tcp --dport 2377 -j ACCEPT")
    nft = make_plan(assess(make_probe(firewall=ok(NFT_FIREWALL)), CLUSTER)).step("firewall")
    assert nft is not None and nft.commands == (
        "nft list chain inet filter input | grep -q 'udp dport 7946 accept' || "
        "nft insert rule inet filter input udp dport 7946 accept",
        "nft list chain inet filter input | grep -q 'udp dport 4789 accept' || "
        "nft insert rule inet filter input udp dport 4789 accept")


def test_plan_healthy_host_only_joins() -> None:
    plan = make_plan(assess(make_probe(), CLUSTER))
    assert step_keys(plan) == ["join"] and plan.will_join
    assert all(s.satisfied for s in plan.steps if s.key != "join")


def test_plan_member_has_nothing_to_do() -> None:
    cluster = replace(CLUSTER, hostnames={**CLUSTER.hostnames, "n4id": "node4"})
    plan = make_plan(assess(make_probe(docker_info_user=ok(info_json("active", "n4id"))),
                            cluster))
    assert plan.nothing_to_do and not plan.will_join


def test_plan_stopped_daemon_does_not_join() -> None:
    plan = make_plan(assess(make_probe(docker_info_user=err(1, STOPPED),
                                       docker_info=err(1, STOPPED),
                                       service=ok("enabled\ninactive\n")), CLUSTER))
    assert plan.step("start-docker").pending  # type: ignore[union-attr]
    join = plan.step("join")
    assert join is not None and not plan.will_join and join.blocked
    assert "not running" in join.blocked


def test_plan_unreachable_manager_does_not_join() -> None:
    plan = make_plan(assess(make_probe(**{f"reach:{MANAGER}": ok("via=bash rc=124\n")}),
                            CLUSTER))
    join = plan.step("join")
    assert join is not None and join.blocked and "cannot reach" in join.blocked
    assert not plan.will_join


def test_plan_other_swarm_and_duplicate_hostname_block_the_join() -> None:
    other = make_plan(assess(make_probe(docker_info_user=ok(info_json("active", "x"))), CLUSTER))
    assert "another swarm" in (other.step("join").blocked or "")  # type: ignore[union-attr]
    dup = assess(make_probe(hostname=ok("node2\n")), CLUSTER)
    assert make_plan(dup).step("join").blocked  # type: ignore[union-attr]
    renamed = make_plan(dup, PlanOptions(hostname="node9"))
    assert renamed.step("hostname").commands == ("hostnamectl set-hostname node9",)  # type: ignore[union-attr]
    assert renamed.will_join
    clash = make_plan(dup, PlanOptions(hostname="node3"))
    assert clash.step("hostname").blocked  # type: ignore[union-attr]


def test_plan_time_sync_and_sysctl() -> None:
    facts = assess(make_probe(date=ok("1042.5\n"), timesync=ok("NTP=no\nNTPSynchronized=no\n"),
                              sysctl=ok("0\nmissing\n")), CLUSTER)
    plan = make_plan(facts)
    assert plan.step("time-sync").commands == ("timedatectl set-ntp true",)  # type: ignore[union-attr]
    sysctl = plan.step("sysctl")
    assert sysctl is not None and sysctl.pending
    assert sysctl.commands[0] == "modprobe br_netfilter"
    assert any("net.ipv4.ip_forward = 1" in c for c in sysctl.commands)
    assert sysctl.commands[-1] == "sysctl -p /etc/sysctl.d/99-docker-swarm.conf"


def test_plan_non_root_without_sudo_is_blocked() -> None:
    facts = assess(make_probe(id=ok("alice\n1000\nalice\n"), sudo=err(1, "password required"),
                              **not_installed()), CLUSTER)
    plan = make_plan(facts)
    assert plan.step("install-docker").blocked  # type: ignore[union-attr]
    assert not plan.will_join


# --- export -----------------------------------------------------------------------------------


def test_export_redacts_the_token_unless_asked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(assess(make_probe(firewall=ok(UFW_FIREWALL), **not_installed()), CLUSTER),
                     host="node4").with_join_token(Secret(TOKEN))
    assert TOKEN not in repr(plan) and TOKEN not in str(plan)
    script = export_script(plan)
    assert TOKEN not in script and "SWMTKN" not in script
    assert "ufw allow 4789/udp" in script and "apt-get install -y docker.io" in script
    revealed = export_script(plan, reveal_token=True)
    assert f"SWARM_JOIN_TOKEN={TOKEN}" in revealed
    for text in (script, revealed):
        path = tmp_path / "plan.sh"
        path.write_text(text)
        assert subprocess.run(["sh", "-n", str(path)], capture_output=True).returncode == 0


def test_exported_redacted_script_refuses_to_run_without_a_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Only the join step is pending: the script must stop at the token line, before any
    # docker command, with a message saying how to get a token.
    script = export_script(make_plan(assess(make_probe(), CLUSTER)))
    path = tmp_path / "plan.sh"
    path.write_text(script)
    res = subprocess.run(["sh", str(path)], capture_output=True, text=True, env={"PATH": "/bin"})
    assert res.returncode != 0 and "docker swarm join-token -q worker" in res.stderr


def test_invalid_new_hostname_is_refused() -> None:
    dup = assess(make_probe(hostname=ok("node2\n")), CLUSTER)
    plan = make_plan(dup, PlanOptions(hostname="bad_name!"))
    step = plan.step("hostname")
    assert step is not None and step.blocked and "not a valid hostname" in step.blocked
    assert not plan.will_join and plan.blocked[0].key == "hostname"

"""Property-based tests of every parser and validator of what a person (or a file) gives
swarmtui (issue 15): whatever the input, nothing but the validation error type comes out,
and where a CLI line is made from the input, it says what is sent.

Runs are kept small (`FAST`: a few hundred examples each, no deadline) so that all of them
together add well under 30 s to the suite.
"""

from __future__ import annotations

import string
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from swarmtui.bootstrap.firewall import nft_names_ok, parse_firewall
from swarmtui.bootstrap.hostparse import parse_os_release
from swarmtui.bootstrap.plan import hostname_problem
from swarmtui.bootstrap.remote import StreamRedactor, redact_text
from swarmtui.connect.endpoint import EndpointError, parse_endpoint
from swarmtui.swarm.create.compose import ComposeError, parse_compose
from swarmtui.swarm.create.compose_values import parse_ports
from swarmtui.swarm.create.network import (
    NetworkForm,
    network_create_argv,
    network_create_kwargs,
    parse_subnet,
    validate_network,
)
from swarmtui.swarm.create.service_cli import create_argv
from swarmtui.swarm.create.service_form import (
    FieldError,
    MountField,
    PortField,
    ServiceForm,
    constraint_problem,
    split_pair,
    validate,
)
from swarmtui.swarm.create.service_ops import form_state
from swarmtui.swarm.create.service_spec import build_spec
from swarmtui.swarm.create.units import (
    UnitError,
    format_cpus,
    format_duration,
    format_size,
    parse_cpus,
    parse_duration,
    parse_int,
    parse_size,
)
from swarmtui.swarm.ops.validate import (
    MAX_REPLICAS,
    InputError,
    parse_label,
    parse_replicas,
    user_path,
    validate_image,
)

FAST = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# text a person may type: printable ASCII, digits of other scripts, odd spaces, controls
typed = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=40),
    st.text(alphabet="0123456789٣１２²۱ .,+-eE_kKmMgGiBbsuµnh:/", max_size=40),
    st.integers().map(str),
    st.builds(lambda n, d, sign: sign + d * n, st.integers(4290, 4400),
              st.sampled_from("0123456789"), st.sampled_from(["", "-", "+"])),
)


def expect(fn, error: type[Exception] | tuple[type[Exception], ...], *args, **kw):  # type: ignore[no-untyped-def]
    """fn(*args) or its validation error; anything else propagates (the test fails)."""
    try:
        return fn(*args, **kw)
    except error:
        return None


# ----------------------------------------------------------------------------- counts


@FAST
@given(typed)
@example("9" * 4301)
@example("٣")
@example("１２")
def test_replicas(raw: str) -> None:
    n = expect(parse_replicas, InputError, raw)
    if n is not None:
        assert 0 <= n <= MAX_REPLICAS
        assert raw.strip().isascii() and _int(raw) == n


def _int(text: str) -> int:
    t = text.strip()
    return int(("-" if t.startswith("-") else "") + (t.lstrip("+-").lstrip("0") or "0"))


@FAST
@given(typed, st.integers(-10, 10), st.one_of(st.none(), st.integers(0, 10**6)))
def test_whole_numbers(raw: str, minimum: int, maximum: int | None) -> None:
    n = expect(parse_int, UnitError, raw, "x", minimum=minimum, maximum=maximum)
    if n is not None:
        assert n >= minimum and (maximum is None or n <= maximum)
        assert raw.strip().isascii() and _int(raw) == n


@FAST
@given(typed)
def test_sizes_round_trip(raw: str) -> None:
    n = expect(parse_size, UnitError, raw)
    if n is not None:
        assert 0 <= n < 2**63 and parse_size(format_size(n)) == n


@FAST
@given(typed)
@example("1" * 30 + "h")
def test_durations_round_trip(raw: str) -> None:
    n = expect(parse_duration, UnitError, raw)
    if n is not None:
        assert 0 <= n < 2**63 and parse_duration(format_duration(n)) == n


@FAST
@given(typed)
@example("1e999999")
def test_cpus_round_trip(raw: str) -> None:
    n = expect(parse_cpus, UnitError, raw)
    if n is not None:
        assert n > 0 and parse_cpus(format_cpus(n)) == n


# ----------------------------------------------------------------------------- words


@FAST
@given(typed)
def test_labels_and_images(raw: str) -> None:
    pair = expect(parse_label, InputError, raw)
    if pair is not None:
        key, value = pair
        assert key and "=" not in key and not any(c in value for c in "\n\r\t\0")
    image = expect(validate_image, InputError, raw)
    assert image is None or image == raw.strip()


@FAST
@given(st.one_of(typed, st.text(alphabet="~/abcz.-", max_size=20).map(lambda s: "~" + s)))
@example("~z")
def test_user_paths(raw: str) -> None:
    path = expect(user_path, InputError, raw)
    assert path is None or isinstance(path, Path)


@FAST
@given(typed)
def test_constraints_hostnames_subnets(raw: str) -> None:
    assert constraint_problem(raw) is None or isinstance(constraint_problem(raw), str)
    assert hostname_problem(raw) is None or isinstance(hostname_problem(raw), str)
    expect(parse_subnet, ValueError, raw)


@FAST
@given(st.one_of(typed, st.from_regex(
    r"(tcp|ssh|unix|http|npipe|ftp)://[a-z0-9@:.\[\]/%-]{0,30}", fullmatch=True)))
def test_endpoints(raw: str) -> None:
    expect(parse_endpoint, EndpointError, raw)


# ----------------------------------------------------------------------------- forms

fields = st.one_of(typed, st.sampled_from(["", "1", "0", "80", "8080", "tcp", "udp", "host",
                                           "ingress", "/data", "vol", "tmpfs", "bind"]))
ports = st.builds(PortField, target=fields, published=fields, protocol=fields, mode=fields)
mounts = st.builds(MountField, type=fields, source=fields, target=fields,
                   readonly=st.booleans())


@SLOW
@given(st.builds(
    ServiceForm, name=st.sampled_from(["web", "", "-x"]) | typed,
    image=st.sampled_from(["busybox", "nginx:1.27"]) | typed,
    mode=st.sampled_from(["replicated", "global"]) | typed, replicas=fields,
    ports=st.lists(ports, max_size=3), env=st.lists(typed, max_size=3),
    mounts=st.lists(mounts, max_size=3), constraints=st.lists(typed, max_size=2),
    limit_cpus=fields, limit_memory=fields, restart_delay=fields, health_retries=fields,
    labels=st.lists(typed, max_size=2)))
@example(ServiceForm(name="web", image="busybox", replicas="9" * 4301))
def test_the_service_form(form: ServiceForm) -> None:
    errors = validate(form)
    assert all(isinstance(e, FieldError) for e in errors)
    state = form_state(form)  # what the form shows at each keystroke, valid or not
    assert state.valid == (not errors) and state.cli.startswith("docker service create")
    if errors:
        return
    spec = build_spec(form)
    argv = create_argv(form)
    if form.mode == "replicated":
        # the CLI line says the count the spec sends
        assert argv[argv.index("--replicas") + 1] == str(spec["Mode"]["Replicated"]["Replicas"])
    ports_sent = spec.get("EndpointSpec", {}).get("Ports", [])
    assert argv.count("--publish") == len(ports_sent) == len(form.ports)


@SLOW
@given(st.builds(NetworkForm, name=fields,
                 subnet=st.sampled_from(["", "10.20.0.0/24", "fd00::/64", "10.20.0.1/24"])
                 | typed,
                 gateway=st.sampled_from(["", "10.20.0.1", "10.9.0.1"]) | typed,
                 labels=st.lists(st.sampled_from(["a=1", "b", "c= d"]) | typed, max_size=2),
                 attachable=st.booleans(), encrypted=st.booleans()))
@example(NetworkForm(name="web", subnet="10.20.0.0/24", gateway="10.20.0.1", labels=["a=1"],
                     attachable=True, encrypted=True))
def test_the_network_form(form: NetworkForm) -> None:
    errors = validate_network(form)
    assert all(isinstance(e, FieldError) for e in errors)
    if errors:
        return
    argv, sent = network_create_argv(form), network_create_kwargs(form)
    assert argv[-1] == sent["name"]
    def flag(name: str) -> str | None:
        return argv[argv.index(name) + 1] if name in argv else None

    pool = (sent.get("ipam") or {"Config": [{}]})["Config"][0]
    assert flag("--subnet") == pool.get("Subnet") and flag("--gateway") == pool.get("Gateway")
    assert ("--attachable" in argv) == sent["attachable"]
    labels = [argv[i + 1] for i, a in enumerate(argv) if a == "--label"]
    assert {split_pair(x)[0]: split_pair(x)[1] for x in labels} == sent["labels"]


# ----------------------------------------------------------------------------- compose

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    typed, st.dates())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(
        ["image", "ports", "networks", "deploy", "replicas", "resources", "limits", "cpus",
         "memory", "logging", "options", "driver", "aliases", "environment", "volumes",
         "secrets", "configs", "healthcheck", "test", "placement", "constraints", "labels",
         "update_config", "restart_policy", "external", "ipam", "config", "file", "mode",
         "target", "published", "source", "command"]), typed, st.integers()),
        inner, max_size=5)), max_leaves=25)
sections = st.dictionaries(st.sampled_from(["web", "db", "front", "pw", "data"]), values,
                           max_size=3)


@SLOW
@given(st.fixed_dictionaries({"services": sections}, optional={
    "networks": sections, "secrets": sections, "configs": sections, "volumes": sections,
    "x-any": values}))
def test_compose_documents(doc: dict[str, object]) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    plan = expect(parse_compose, ComposeError, text, "st", env={})
    if plan is not None:
        assert all(isinstance(e, str) for e in plan.errors + plan.warnings)


@FAST
@given(st.text(alphabet="services:\n -&*[]{}ab'\"!|>#%@`,?", max_size=120))
def test_compose_text(text: str) -> None:
    expect(parse_compose, ComposeError, text, "st", env={})


@SLOW
@given(values)
def test_compose_ports(value: object) -> None:
    errors: list[str] = []
    parse_ports(value, "service web", errors, [])


# ----------------------------------------------------------------------------- files


@SLOW
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(
    lambda b: b.decode("latin-1")), st.from_regex(
    r'(\[profiles\.[a-z"]{1,5}\]\n)?(read_only|theme|keymap|managers|task_poll_interval|'
    r'profiles|default_profile) = ("yes"|true|1|\[1\]|"x"|\{\}|1e9|-1)\n', fullmatch=True)))
def test_config_files(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    from swarmtui.config import load_settings

    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    settings_ = load_settings(path, env={})  # never raises: problems are listed
    assert all(isinstance(p, object) for p in settings_.problems)


@SLOW
@given(st.one_of(st.binary(max_size=120), st.text(max_size=120).map(str.encode),
                 st.from_regex(r'name = "[a-z]{0,5}"\n(primary|dark|background|variables) = '
                               r'("#[0-9a-f]{0,6}"|true|1|\[\]|\{\}|"red")\n',
                               fullmatch=True).map(str.encode)))
def test_theme_files(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    from swarmtui.ui import themes

    d = tmp_path_factory.mktemp("themes")
    (d / "t.toml").write_bytes(data)
    found, errors = themes.load_themes([d])
    assert len(found) + len(errors) == 1


@SLOW
@given(st.dictionaries(st.one_of(typed, st.sampled_from(["app.quit", "main.refresh",
                                                         "forms.stack.plan"])),
                       st.one_of(typed, st.integers(), st.none(), st.lists(typed)), max_size=4))
def test_keymaps(keymap: dict[str, object]) -> None:
    from swarmtui.ui.keymap import validate_keymap
    from swarmtui.ui.screens.main import MainScreen

    good, problems = validate_keymap(keymap, {"main screen": [MainScreen]})  # type: ignore[arg-type]
    assert set(good) <= set(keymap) and all(isinstance(k, str) for k in good.values())


@SLOW
@given(st.lists(st.one_of(typed, st.from_regex(
    r"(\|1\|[A-Za-z0-9+/=]{0,30}\|[A-Za-z0-9+/=]{0,30}|[a-z0-9.,\[\]:*?!]{1,20}) "
    r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|x) [A-Za-z0-9+/=]{0,60}", fullmatch=True),
    st.just("@cert-authority * ssh-ed25519 AAAA"), st.just("@revoked")), max_size=4))
def test_known_hosts_lines(tmp_path_factory, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    from swarmtui.connect.hostkeys import SessionTrust, known_hosts_for

    path = tmp_path_factory.mktemp("kh") / "known_hosts"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
    warnings: list[str] = []
    known_hosts_for([path], SessionTrust(), warnings)  # a bad line is a warning, never fatal


# ----------------------------------------------------------------------------- host output


@FAST
@given(st.text(max_size=300), st.text(alphabet="abc {}#;\n$()", max_size=120))
def test_host_probe_output(text: str, chain: str) -> None:
    parse_os_release(text)
    ruleset = ("### nft\ntable inet filter {\n\tchain " + chain +
               " {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n")
    for fw in (parse_firewall(text), parse_firewall(ruleset)):
        if fw.nft_chain is not None:
            assert nft_names_ok(*fw.nft_chain)  # nothing else reaches a command


@FAST
@given(st.text(alphabet="SWMTKN-1-abc x!\n", max_size=200), st.integers(1, 50),
       st.text(alphabet="abc x!-", min_size=1, max_size=8))
def test_output_redaction_across_chunks(text: str, size: int, password: str) -> None:
    """In chunks of any size, the output is what redacting the whole text gives."""
    red = StreamRedactor(password)
    out = "".join(red.feed(text[i:i + size]) for i in range(0, len(text), size)) + red.flush()
    assert out == redact_text(text, password)
    assert "SWMTKN-1-" not in out


# ----------------------------------------------------------------------------- swarm settings

json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), typed),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                               st.sampled_from(["ifname", "flags", "addr_info", "scope",
                                                "local", "x"]), inner, max_size=4),
                           max_leaves=15)


@FAST
@given(typed)
@example("9" * 400 + "h")
@example("٣s")
def test_swarm_setting_durations(raw: str) -> None:
    from swarmtui.swarm.swarmsettings import go_duration

    def setting_duration(text: str) -> int:  # the one parser, with days (swarm settings)
        return parse_duration(text, days=True)

    d = expect(setting_duration, ValueError, raw)
    if d is not None:
        assert setting_duration(go_duration(d)) == d


@FAST
@given(st.one_of(typed, json_values.map(__import__("json").dumps)))
def test_interface_addresses_and_timestamps_from_hosts(text: str) -> None:
    from swarmtui.swarm.certs import not_after, parse_pem
    from swarmtui.swarm.format import parse_ts
    from swarmtui.swarm.swarminit import parse_ip_addr_json

    parse_ip_addr_json(text)
    parse_ts(text)
    parse_pem(text)
    not_after(text)
    not_after(f"-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----")

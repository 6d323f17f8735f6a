"""``security group rule create|delete|list|show`` against the local store.

Expected values and messages were taken from python-openstackclient 10.5 run against Neutron 29.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any

import pytest

from ostack_cli.commands.security_group_rule import CreateSecurityGroupRule
from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
RULE_FIELDS = [
    "belongs_to_default_sg", "created_at", "description", "direction", "ether_type", "id",
    "normalized_cidr", "port_range_max", "port_range_min", "project_id", "protocol",
    "remote_address_group_id", "remote_group_id", "remote_ip_prefix", "revision_number",
    "security_group_id", "updated_at",
]
LIST_HEADERS = ["ID", "IP Protocol", "Ethertype", "IP Range", "Port Range", "Direction",
                "Remote Security Group", "Remote Address Group"]
PROTOCOLS = ("(None, 'any', 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', 'ip', "
             "'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', "
             "'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', "
             "'udplite', 'vrrp')")


@pytest.fixture
def web(cli: Runner) -> str:
    """A group named web; returns its ID."""
    result = cli("security", "group", "create", "web", "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


def create(cli: Runner, *args: str) -> dict[str, Any]:
    result = cli("security", "group", "rule", "create", *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def revision(cli: Runner, group: str) -> int:
    out = cli("security", "group", "show", group, "-f", "value", "-c", "revision_number").out
    return int(out)


# -- create --------------------------------------------------------------------------------------


def test_the_articles_command_golden(cli: Runner, web: str) -> None:
    # The article's spelling: --src-ip (dropped by today's client) and an upper-case protocol.
    data = create(cli, "--src-ip", "0.0.0.0/0", "--protocol", "ICMP", web)
    assert list(data) == RULE_FIELDS
    assert STAMP.match(data.pop("created_at")) and STAMP.match(data.pop("updated_at"))
    rule_id = data.pop("id")
    admin = cli("project", "show", "admin", "-f", "value", "-c", "id").out.strip()
    assert data == {
        "belongs_to_default_sg": False,
        "description": "",
        "direction": "ingress",
        "ether_type": "IPv4",
        "normalized_cidr": "0.0.0.0/0",
        "port_range_max": None,
        "port_range_min": None,
        "project_id": admin,
        "protocol": "icmp",
        "remote_address_group_id": None,
        "remote_group_id": None,
        "remote_ip_prefix": "0.0.0.0/0",
        "revision_number": 0,
        "security_group_id": web,
    }
    rows = cli("security", "group", "rule", "list", web, "-f", "json").json()
    assert {"ID": rule_id, "IP Protocol": "icmp", "Ethertype": "IPv4", "IP Range": "0.0.0.0/0",
            "Port Range": "", "Direction": "ingress", "Remote Security Group": None,
            "Remote Address Group": None} in rows
    # A rule is a new revision of its group.
    assert revision(cli, "web") == 2


def test_create_table_form(cli: Runner, web: str) -> None:
    out = cli("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
              web).out
    lines = out.splitlines()
    assert lines[1] == "| Field                   | Value                                |"
    assert "| port_range_max          | 22                                   |" in lines
    assert "| remote_address_group_id | None                                 |" in lines
    assert "| description             |                                      |" in lines


@pytest.mark.parametrize(("args", "expected"), [
    (["--protocol", "tcp", "--dst-port", "22"],
     {"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "ether_type": "IPv4"}),
    (["--protocol", "udp", "--dst-port", "137:139", "--egress"],
     {"port_range_min": 137, "port_range_max": 139, "direction": "egress"}),
    # The whole range is no range to Neutron.
    (["--protocol", "tcp", "--dst-port", "1:65535"],
     {"port_range_min": None, "port_range_max": None}),
    (["--protocol", "6", "--dst-port", "80"], {"protocol": "6", "port_range_min": 80}),
    (["--protocol", "any"], {"protocol": None, "remote_ip_prefix": "0.0.0.0/0"}),
    (["--protocol", "ipv6-icmp"],
     {"ether_type": "IPv6", "remote_ip_prefix": "::/0", "normalized_cidr": "::/0"}),
    # IPv6 spells ICMP one way: Neutron rewrites the legacy names and number.
    (["--protocol", "icmp", "--ethertype", "ipv6"], {"protocol": "ipv6-icmp"}),
    (["--protocol", "1", "--ethertype", "IPv6"], {"protocol": "58", "ether_type": "IPv6"}),
    # ICMP type and code travel as the port range; --dst-port is ignored for ICMP.
    (["--protocol", "icmp", "--icmp-type", "3", "--icmp-code", "1"],
     {"port_range_min": 3, "port_range_max": 1}),
    (["--protocol", "icmp", "--dst-port", "22"],
     {"port_range_min": None, "port_range_max": None}),
    (["--protocol", "icmp", "--icmp-type", "-1"], {"port_range_min": None}),
    # Host bits are kept as given; normalized_cidr has them cleared.
    (["--remote-ip", "10.0.0.1/24", "--protocol", "tcp"],
     {"remote_ip_prefix": "10.0.0.1/24", "normalized_cidr": "10.0.0.0/24"}),
    (["--remote-ip", "10.0.0.7"], {"remote_ip_prefix": "10.0.0.7/32"}),
    (["--remote-ip", "2001:DB8::1/64", "--ethertype", "IPv6"],
     {"remote_ip_prefix": "2001:db8::1/64", "normalized_cidr": "2001:db8::/64"}),
    (["--remote-ip", "10.1.0.0/255.255.0.0"], {"remote_ip_prefix": "10.1.0.0/16"}),
    (["--description", "ssh from anywhere", "--protocol", "tcp", "--dst-port", "22"],
     {"description": "ssh from anywhere"}),
])
def test_create_values(cli: Runner, web: str, args: list[str],
                       expected: dict[str, Any]) -> None:
    data = create(cli, *args, web)
    assert {k: data[k] for k in expected} == expected


def test_remote_group_by_name_and_old_alias(cli: Runner, web: str) -> None:
    default = cli("security", "group", "show", "default", "-f", "value", "-c", "id").out.strip()
    data = create(cli, "--remote-group", "default", "--protocol", "tcp", web)
    assert (data["remote_group_id"], data["remote_ip_prefix"], data["normalized_cidr"]) == (
        default, None, None)
    # show (not create) fills in the family's any-address prefix, as the real client does.
    shown = cli("security", "group", "rule", "show", data["id"], "-f", "json").json()
    assert (shown["remote_ip_prefix"], shown["remote_group_id"]) == ("0.0.0.0/0", default)
    aliased = create(cli, "--src-group", default, "--protocol", "udp", web)
    assert aliased["remote_group_id"] == default


def test_old_aliases_are_out_of_help() -> None:
    # get_parser never needs the app (help and completion build every parser).
    parser = CreateSecurityGroupRule(None, argparse.Namespace()).get_parser(  # type: ignore[arg-type]
        "ostack x")
    text = parser.format_help()
    assert "--remote-ip <ip-address>" in text
    assert "--src-ip" not in text and "--src-group" not in text
    parsed = parser.parse_args(["--src-ip", "1.2.3.4/32", "--dst-port", "22:23", "g"])
    assert (parsed.remote_ip, parsed.dst_port, parsed.group) == ("1.2.3.4/32", (22, 23), "g")
    parsed = parser.parse_args(["--protocol", "ICMP", "--ethertype", "ipv6", "--egress", "g"])
    assert (parsed.protocol, parsed.ethertype, parsed.egress, parsed.ingress) == (
        "icmp", "IPv6", True, False)


@pytest.mark.parametrize("args", [
    ["--remote-ip", "1.2.3.4", "--src-ip", "1.2.3.4"],
    ["--remote-ip", "1.2.3.4", "--remote-group", "web"],
    ["--src-group", "web", "--remote-address-group", "x"],
    ["--ingress", "--egress"],
    ["--ethertype", "foo"],
    ["--dst-port", "80:22", "--protocol", "tcp"],
    ["--dst-port", "1:2:3", "--protocol", "tcp"],
    ["--icmp-type", "x", "--protocol", "icmp"],
])
def test_parser_errors_exit_2(cli: Runner, web: str, store_snapshot: Snapshot,
                              capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    before = store_snapshot()
    capsys.readouterr()
    result = cli("security", "group", "rule", "create", *args, "web")
    assert result.rc == 2
    assert "security group rule create: error: " in capsys.readouterr().err
    assert store_snapshot() == before


def test_reversed_port_range_message(cli: Runner, web: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    # The real client refuses 80:22 itself, before Neutron would.
    capsys.readouterr()
    cli("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "80:22", web)
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: argument --dst-port: Invalid range, 80 is not less than 22")


@pytest.mark.parametrize(("args", "message"), [
    (["--remote-ip", "10.0.0.300/24"], "Invalid CIDR 10.0.0.300/24 given as IP prefix."),
    (["--remote-ip", "fe80::1%eth0"], "Invalid CIDR fe80::1%eth0 given as IP prefix."),
    (["--remote-ip", "10.0.0.0/33"], "Invalid CIDR 10.0.0.0/33 given as IP prefix."),
    (["--protocol", "foo"], f"Security group rule protocol foo not supported. Only protocol "
     f"values {PROTOCOLS} and integer representations [0 to 255] are supported."),
    (["--protocol", "256"], f"Security group rule protocol 256 not supported. Only protocol "
     f"values {PROTOCOLS} and integer representations [0 to 255] are supported."),
    (["--protocol", "gre", "--dst-port", "22"], "Ports cannot be specified for protocol 47. "
     "Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE."),
    (["--protocol", "tcp", "--dst-port", "0"], "Invalid value for port 0"),
    (["--protocol", "tcp", "--dst-port", "70000"], "Invalid value for port 70000"),
    (["--protocol", "tcp", "--dst-port", "0:80"], "Invalid value for port 0"),
    (["--dst-port", "22"], "Must also specify protocol if port range is given."),
    (["--protocol", "icmp", "--icmp-type", "300"],
     "Invalid value for ICMP type (port_range_min) 300. It must be 0 to 255."),
    (["--protocol", "icmp", "--icmp-type", "3", "--icmp-code", "256"],
     "Invalid value for ICMP code (port_range_max) 256. It must be 0 to 255."),
    (["--remote-ip", "10.0.0.1", "--ethertype", "IPv6"],
     "Conflicting value ethertype IPv6 for CIDR 10.0.0.1/32"),
    (["--remote-ip", "::/0"], "Conflicting value ethertype IPv4 for CIDR ::/0"),
    (["--protocol", "ipv6-icmp", "--ethertype", "IPv4"],
     "Invalid ethertype IPv4 for protocol ipv6-icmp."),
    (["--protocol", "icmp", "--icmp-code", "3"],
     "Argument --icmp-type required with argument --icmp-code"),
    (["--protocol", "tcp", "--icmp-type", "3"],
     "ICMP IP protocol required with arguments --icmp-type and --icmp-code"),
    (["--protocol", "icmp", "--dst-port", "22", "--icmp-type", "3"],
     "Argument --dst-port not allowed with arguments --icmp-type and --icmp-code"),
    (["--protocol", "tcp", "--dst-port", "abc"], "invalid literal for int() with base 10: 'abc'"),
    (["--remote-address-group", "x"], "No AddressGroup found for x"),
    (["--remote-group", "nope"], "No SecurityGroup found for nope"),
    (["--src-group", "nope"], "No SecurityGroup found for nope"),
    (["--project", "nope"], "No Project found for nope"),
    (["--description", "d" * 256],
     "Invalid input for description. Reason: '" + "d" * 256 + "' exceeds maximum length of 255."),
])
def test_bad_rules_change_nothing(cli: Runner, web: str, store_snapshot: Snapshot,
                                  args: list[str], message: str) -> None:
    before = store_snapshot()
    result = cli("security", "group", "rule", "create", *args, "web")
    assert (result.rc, result.out, result.err.strip()) == (1, "", message)
    assert store_snapshot() == before


def test_unknown_group(cli: Runner, store_snapshot: Snapshot) -> None:
    cli("security", "group", "list")
    before = store_snapshot()
    result = cli("security", "group", "rule", "create", "--protocol", "tcp", "nope")
    assert (result.rc, result.err.strip()) == (1, "No SecurityGroup found for nope")
    assert store_snapshot() == before


@pytest.mark.parametrize(("first", "second"), [
    (["--protocol", "tcp", "--dst-port", "22"], ["--protocol", "TCP", "--dst-port", "22:22"]),
    # A protocol's name and number are one protocol.
    (["--protocol", "tcp", "--dst-port", "22"], ["--protocol", "6", "--dst-port", "22"]),
    (["--protocol", "icmp"], ["--protocol", "1"]),
    (["--remote-ip", "10.0.0.1/24"], ["--remote-ip", "10.0.0.1/24"]),
])
def test_duplicate_rule_is_refused(cli: Runner, web: str, store_snapshot: Snapshot,
                                   first: list[str], second: list[str]) -> None:
    rule_id = create(cli, *first, web)["id"]
    before = store_snapshot()
    result = cli("security", "group", "rule", "create", *second, "web")
    assert (result.rc, result.out, result.err.strip()) == (
        1, "", f"Security group rule already exists. Rule id is {rule_id}.")
    assert store_snapshot() == before


def test_any_address_equals_the_template_rules_no_prefix(cli: Runner, web: str) -> None:
    # The template's egress rule has no prefix; the client sends 0.0.0.0/0: the same rule.
    egress = [r["ID"] for r in cli("security", "group", "rule", "list", web, "--egress",
                                   "-f", "json").json()
              if r["Ethertype"] == "IPv4"]
    result = cli("security", "group", "rule", "create", "--egress", web)
    assert result.err.strip() == f"Security group rule already exists. Rule id is {egress[0]}."
    # Host bits make a different prefix to Neutron, so this is a new rule.
    create(cli, "--remote-ip", "10.0.0.1/24", web)
    create(cli, "--remote-ip", "10.0.0.0/24", web)


# -- list, show, delete --------------------------------------------------------------------------


def test_list_columns_and_filters(cli: Runner, web: str) -> None:
    create(cli, "--protocol", "tcp", "--dst-port", "22", web)
    create(cli, "--protocol", "icmp", "--icmp-type", "3", "--icmp-code", "1", web)
    create(cli, "--protocol", "icmp", "--icmp-type", "8", "--icmp-code", "0", web)
    create(cli, "--protocol", "udp", "--dst-port", "53", "--egress", "--ethertype", "IPv6", web)
    rows = cli("security", "group", "rule", "list", web, "-f", "json").json()
    assert all(list(r) == LIST_HEADERS for r in rows)
    assert [r["ID"] for r in rows] == sorted(r["ID"] for r in rows)
    assert sorted((r["IP Protocol"] or "", r["Ethertype"], r["IP Range"], r["Port Range"],
                   r["Direction"]) for r in rows) == [
        ("", "IPv4", "0.0.0.0/0", "", "egress"),
        ("", "IPv6", "::/0", "", "egress"),
        ("icmp", "IPv4", "0.0.0.0/0", "type=3:code=1", "ingress"),
        ("icmp", "IPv4", "0.0.0.0/0", "type=8", "ingress"),
        ("tcp", "IPv4", "0.0.0.0/0", "22:22", "ingress"),
        ("udp", "IPv6", "::/0", "53:53", "egress"),
    ]

    def protocols(*args: str) -> list[str]:
        out = cli("security", "group", "rule", "list", web, *args, "-f", "json").json()
        return sorted(str(r["IP Protocol"]) for r in out)

    assert protocols("--ingress") == ["icmp", "icmp", "tcp"]
    assert protocols("--egress") == ["None", "None", "udp"]
    assert protocols("--protocol", "ICMP") == ["icmp", "icmp"]
    # The real client parses --ethertype but never sends it.
    assert len(protocols("--ethertype", "IPv6")) == 6
    assert len(protocols("--limit", "2")) == 2


def test_list_all_adds_security_group_column(cli: Runner, web: str) -> None:
    rows = cli("security", "group", "rule", "list", "-f", "json").json()
    assert list(rows[0]) == [*LIST_HEADERS, "Security Group"]
    default = cli("security", "group", "show", "default", "-f", "value", "-c", "id").out.strip()
    assert sorted(r["Security Group"] for r in rows) == sorted([web] * 2 + [default] * 4)
    by_default = [r for r in rows if r["Security Group"] == default]
    assert sorted(str(r["Remote Security Group"]) for r in by_default) == sorted(
        ["None", "None", default, default])
    # The default group's rules have no prefix; the list shows the family's any-address.
    assert sorted(r["IP Range"] for r in by_default) == ["0.0.0.0/0", "0.0.0.0/0", "::/0",
                                                        "::/0"]
    # Only the acting project's rules show; demo's default group is demo's own.
    assert cli("security", "group", "rule", "list", "--project", "demo", "-f", "value").out == ""
    demo_rules = cli("--os-project-name", "demo", "security", "group", "rule", "list",
                     "-f", "json").json()
    assert len(demo_rules) == 4
    assert not {r["ID"] for r in demo_rules} & {r["ID"] for r in rows}
    hidden = cli("security", "group", "rule", "show", demo_rules[0]["ID"])
    assert hidden.err.strip() == f"No SecurityGroupRule found for {demo_rules[0]['ID']}"
    table = cli("security", "group", "rule", "list", "web").out.splitlines()
    assert re.fullmatch(r"\| ID +\| IP Protocol \| Ethertype \| IP Range  \| Port Range \| "
                        r"Direction \| Remote Security Group \| Remote Address Group \|",
                        table[1])
    assert re.fullmatch(r"\| [0-9a-f-]{36} \| None +\| IPv[46] +\| [0-9./:]+ +\| +\| egress +"
                        r"\| None +\| None +\|", table[3])


def test_list_long_is_deprecated(cli: Runner, web: str) -> None:
    result = cli("security", "group", "rule", "list", "--long", web, "-f", "value")
    assert result.rc == 0
    assert result.out.count("\n") == 2
    assert result.err == "The --long option has been deprecated and is no longer needed\n"


def test_show_fields_for_a_template_rule(cli: Runner, web: str) -> None:
    rows = cli("security", "group", "rule", "list", "default", "--ingress", "-f", "json").json()
    shown = cli("security", "group", "rule", "show", rows[0]["ID"], "-f", "json").json()
    assert list(shown) == RULE_FIELDS
    default = rows[0]["Remote Security Group"]
    assert {k: shown[k] for k in ("belongs_to_default_sg", "description", "remote_group_id",
                                  "remote_ip_prefix", "normalized_cidr", "revision_number",
                                  "security_group_id")} == {
        "belongs_to_default_sg": True, "description": None, "remote_group_id": default,
        "remote_ip_prefix": "::/0" if shown["ether_type"] == "IPv6" else "0.0.0.0/0",
        "normalized_cidr": None, "revision_number": 0, "security_group_id": default,
    }
    result = cli("security", "group", "rule", "show", "nope")
    assert (result.rc, result.err.strip()) == (1, "No SecurityGroupRule found for nope")


def test_delete_several_goes_on_past_failure(cli: Runner, web: str) -> None:
    a = create(cli, "--protocol", "tcp", "--dst-port", "22", web)["id"]
    b = create(cli, "--protocol", "tcp", "--dst-port", "80", web)["id"]
    assert revision(cli, "web") == 3
    result = cli("security", "group", "rule", "delete", a, "nope", b)
    assert (result.rc, result.out) == (1, "")
    assert result.err.splitlines() == [
        "Failed to delete security group rule with name or ID 'nope': "
        "No SecurityGroupRule found for nope",
        "1 of 3 rules failed to delete.",
    ]
    assert cli("security", "group", "rule", "show", a).err.strip() == (
        f"No SecurityGroupRule found for {a}")
    assert cli("security", "group", "rule", "list", web, "-f", "value").out.count("\n") == 2
    assert revision(cli, "web") == 5
    assert cli("security", "group", "rule", "delete", "web").rc == 1  # IDs only, not names


def test_group_show_lists_its_rules_in_full(cli: Runner, web: str) -> None:
    rule = create(cli, "--protocol", "tcp", "--dst-port", "22:23", "--remote-ip", "10.0.0.1/24",
                  "--description", "ssh", web)
    table = cli("security", "group", "show", "web", "-c", "rules").out
    line = next(x for x in table.splitlines() if rule["id"] in x).split("|")[2].strip()
    assert re.fullmatch(
        rf"created_at='[^']+', description='ssh', direction='ingress', ethertype='IPv4', "
        rf"id='{rule['id']}', normalized_cidr='10.0.0.0/24', port_range_max='23', "
        rf"port_range_min='22', protocol='tcp', remote_ip_prefix='10.0.0.1/24', "
        rf"standard_attr_id='\d+', updated_at='[^']+'", line)


# -- the backend on its own: requests the real client would never send --------------------------


@pytest.mark.parametrize(("changes", "message"), [
    ({"protocol": "tcp", "port_range_min": 80, "port_range_max": 22},
     "For TCP/UDP protocols, port_range_min must be <= port_range_max"),
    ({"protocol": "tcp", "port_range_min": 80},
     "For TCP/UDP protocols, port_range_min must be <= port_range_max"),
    ({"protocol": "icmp", "port_range_max": 3},
     "ICMP code (port-range-max) 3 is provided but ICMP type (port-range-min) is missing."),
    ({"direction": "sideways"},
     "Invalid input for direction. Reason: 'sideways' is not in ['ingress', 'egress']."),
    ({"ethertype": "IPv5"},
     "Security group rule for ethertype 'IPv5' not supported. Allowed values are "
     "['IPv4', 'IPv6']."),
    ({"remote_ip_prefix": "10.0.0.0/8", "remote_group_id": "x"},
     "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be "
     "provided."),
    ({"remote_group_id": "nope"}, "Security group nope does not exist"),
])
def test_backend_refuses_what_neutron_refuses(
    cli: Runner, web: str, store_snapshot: Snapshot, changes: dict[str, Any], message: str
) -> None:
    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models.security_group import SecurityGroupRuleSpec
    from ostack_cli.errors import OstackError

    before = store_snapshot()
    backend = LocalBackend.open()
    try:
        with pytest.raises(OstackError) as info:
            backend.create_security_group_rule(
                SecurityGroupRuleSpec(security_group_id=web, **changes))
    finally:
        backend.close()
    assert str(info.value) == message
    assert store_snapshot() == before

"""The table of which argument takes which kind covers every command that is registered."""

from __future__ import annotations

import argparse

import pytest

from ostack_cli.completion import spec, values
from ostack_cli.completion.spec import ARGUMENT_KINDS, KEY_VALUE_KINDS

SPECIAL_KINDS = {"file", "command", "cloud"}
# Kinds no backend stores yet: completion offers nothing for them until one does.
NOT_STORED = {"volume", "volume_type", "volume_snapshot", "domain", "qos_policy",
              "server_group", "network_segment", "network_agent",
              "address_group"}


@pytest.fixture(scope="module")
def commands() -> list[spec.CommandArguments]:
    return list(spec.iter_commands(spec.make_app()))


def test_every_resource_looking_argument_is_in_the_table(
    commands: list[spec.CommandArguments],
) -> None:
    missing = [
        f"{c.name}: {'/'.join(a.option_strings) or a.dest} {a.metavar}"
        for c in commands
        for a in c.actions
        if spec.looks_like_resource(a) and not spec.is_covered(c.name, a)
    ]
    app = spec.make_app()
    missing += [f"(global) {'/'.join(a.option_strings)} {a.metavar}"
                for a in app.parser._actions
                if spec.looks_like_resource(a) and not spec.is_covered("", a)]
    assert missing == [], "add these to ostack_cli/completion/spec.py ARGUMENT_KINDS"


def test_the_coverage_check_notices_a_new_resource_argument() -> None:
    parser = argparse.ArgumentParser()
    action = parser.add_argument("--volume-backup", metavar="<volume-backup>")
    assert spec.looks_like_resource(action)
    assert not spec.is_covered("server create", action)
    flag = parser.add_argument("--port-security", action="store_true")
    assert not spec.looks_like_resource(flag)


def test_every_kind_is_listed_or_special_or_knowingly_absent() -> None:
    kinds = {k for k in ARGUMENT_KINDS.values() if k is not None}
    kinds |= {k for keys, _ in KEY_VALUE_KINDS.values() for k in keys.values() if k}
    kv = {k for k in kinds if k.startswith("kv:")}
    assert {k[3:] for k in kv} <= set(KEY_VALUE_KINDS)
    unknown = kinds - kv - SPECIAL_KINDS - NOT_STORED - set(values.LOCAL_QUERIES)
    assert unknown == set()


@pytest.mark.parametrize(
    ("command", "option", "metavar", "expected"),
    [
        ("server show", None, "<server>", "server"),
        ("keypair delete", None, "<key>", "keypair"),
        ("flavor unset", "--property", "<key>", None),
        ("floating ip create", None, "<network>", "external_network"),
        ("floating ip list", "--network", "<network>", "network"),
        ("router create", "--external-gateway", "<network>", "external_network"),
        ("router create", "--flavor", "<flavor-id>", None),
        ("server create", "--flavor", "<flavor>", "flavor"),
        ("server add floating ip", None, "<ip-address>", "floating_ip_free"),
        ("server add floating ip", "--fixed-ip-address", "<ip-address>", None),
        ("server remove floating ip", None, "<ip-address>", "floating_ip_associated"),
        ("server create", "--nic", "<net-id=net-uuid,port-id=port-uuid>", "kv:nic"),
        ("image create", "--file", "<file>", "file"),
    ],
)
def test_most_specific_entry_wins(
    command: str, option: str | None, metavar: str, expected: str | None
) -> None:
    parser = argparse.ArgumentParser()
    action = parser.add_argument(option or "positional", metavar=metavar)
    assert spec.kind_of(command, action) == expected


def test_tree_records_choices_kinds_and_flags(commands: list[spec.CommandArguments]) -> None:
    by_name = {c.name: spec.describe_command(c.name, c.parser) for c in commands}
    create = by_name["security group rule create"]
    assert create["options"]["--ethertype"] == ("IPv4", "IPv6")
    assert "tcp" in create["options"]["--protocol"]
    assert create["options"]["--ingress"] == 0
    assert create["options"]["--description"] == 1
    assert create["positionals"] == [(None, "security_group")]
    assert by_name["flavor delete"]["positionals"] == [("+", "flavor")]
    assert by_name["help"]["positionals"] == [("*", "command")]

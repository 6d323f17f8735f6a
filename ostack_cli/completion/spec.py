"""Which argument of which command takes which kind of value: the one table completion reads.

``ARGUMENT_KINDS`` and ``ARGUMENT_CHOICES`` are keyed by ``(scope, argument)``:

- scope: a full command name (``"floating ip create"``), a command group ending in ``" *"``
  (``"keypair *"``: every command starting with ``keypair``), or ``"*"`` (every command, and
  the global options);
- argument: an option string (``"--nic"``) or a metavar (``"<server>"``); a positional without
  a metavar is keyed by its dest.

The most specific scope wins, and within a scope an option string wins over a metavar. A kind
is a store kind (``server``, ``flavor``, ...), a narrower list (``external_network``,
``floating_ip_free``, ``floating_ip_associated``), a kind the local backend does not store
(``qos_policy``, ``volume_type``: completes from a cloud's cache only), or a special value:
``file`` (a path), ``command`` (command words, for ``help``), ``cloud`` (clouds.yaml
entries), ``kv:<name>`` (comma-separated ``key=value`` pairs, see ``KEY_VALUE_KINDS``).
``None`` says "a free value, not a resource": metavars that look like resources are listed
with ``None`` so that the coverage test (tests/completion/test_spec.py) can tell a considered
argument from a forgotten one.

This module imports the command classes (through cliff); it runs when the completion scripts
are generated, never on TAB.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cliff.app import App

ANY = "*"

ARGUMENT_KINDS: dict[tuple[str, str], str | None] = {
    # -- resources, wherever these metavars appear
    (ANY, "<server>"): "server",
    (ANY, "<flavor>"): "flavor",
    (ANY, "<flavor-id>"): "flavor",
    (ANY, "<image>"): "image",
    (ANY, "<network>"): "network",
    (ANY, "<subnet>"): "subnet",
    (ANY, "<port>"): "port",
    (ANY, "<router>"): "router",
    (ANY, "<security-group>"): "security_group",
    (ANY, "<group>"): "security_group",
    (ANY, "<rule>"): "security_group_rule",
    (ANY, "<key-name>"): "keypair",
    (ANY, "KEY_NAME"): "keypair",
    (ANY, "<project>"): "project",
    (ANY, "<project/class>"): "project",
    (ANY, "<volume-type>"): "volume_type",
    (ANY, "<floating-ip>"): "floating_ip",
    (ANY, "<volume>"): "volume",
    (ANY, "<snapshot>"): "volume_snapshot",
    (ANY, "<backup>"): "volume_backup",
    (ANY, "<transfer-request>"): "volume_transfer",
    (ANY, "<transfer-request-id>"): "volume_transfer",
    (ANY, "<replicated-volume>"): "volume",
    ("volume attachment list", "<volume-id>"): "volume",
    ("volume attachment list", "<server-id>"): "server",
    ("usage show", "--project"): "project",
    (ANY, "<user>"): "user",
    (ANY, "<domain>"): "domain",
    (ANY, "<project-domain>"): "domain",
    (ANY, "<user-domain>"): "domain",
    (ANY, "<role-domain>"): "domain",
    (ANY, "<group-domain>"): "domain",
    (ANY, "<role>"): "role",
    (ANY, "<application-credential>"): "application_credential",
    (ANY, "<trust>"): "trust",
    (ANY, "<access-rule>"): "access_rule",
    (ANY, "<trustor-user>"): "user",
    (ANY, "<trustee-user>"): "user",
    (ANY, "<trustor-domain>"): "domain",
    (ANY, "<trustee-domain>"): "domain",
    # A JSON list of rules, inline or in a file.
    ("application credential create", "<access-rules>"): "file",
    (ANY, "<qos-policy>"): "qos_policy",
    (ANY, "<server-group>"): "server_group",
    (ANY, "<subnet-pool>"): "subnet_pool",
    (ANY, "<address-scope>"): "address_scope",
    (ANY, "<rbac-policy>"): "rbac_policy",
    (ANY, "<target-project>"): "project",
    (ANY, "<target-project-domain>"): "domain",
    ("network rbac *", "<rbac-object>"): None,  # a network, group, scope or pool, by --type
    (ANY, "<aggregate>"): "aggregate",
    (ANY, "<network-segment>"): "network_segment",
    (ANY, "<agent-id>"): "network_agent",
    (ANY, "<network-agent>"): "network_agent",
    (ANY, "<agent-type>"): None,
    (ANY, "subnet=<subnet>,ip-address=<ip-address>"): "kv:fixed_ip",
    (ANY, "subnet=<subnet>,ip-address=<ip-address>,ip-substring=<ip-substring>"): "kv:fixed_ip",
    # -- paths
    (ANY, "<file>"): "file",
    (ANY, "<filename>"): "file",
    (ANY, "<user-data>"): "file",
    (ANY, "<sign-key-path>"): "file",
    (ANY, "<dest-filename=source-filename>"): "file",
    (ANY, "--os-cacert"): "file",
    (ANY, "--log-file"): "file",
    # -- global options
    (ANY, "--os-cloud"): "cloud",
    (ANY, "--os-project-name"): "project",
    (ANY, "--os-project-id"): "project",
    # -- look like resources, are free values
    (ANY, "<key>"): None,  # a property key, except in keypair commands (below)
    (ANY, "<property-key>"): None,
    (ANY, "<server-name>"): None,
    (ANY, "<snapshot-name>"): None,
    (ANY, "consistency-group>"): None,  # (sic, the real client's metavar) no groups here
    (ANY, "<flavor-name>"): None,
    (ANY, "<image-name>"): None,
    (ANY, "<project-name>"): None,
    (ANY, "<ip-address>"): None,
    (ANY, "<ip-address-regex>"): None,
    (ANY, "<port-range>"): None,
    (ANY, "<subnet-range>"): None,
    (ANY, "<volume-size>"): None,
    (ANY, "<config-drive-volume>|True"): None,
    (ANY, "<trusted-cert-id>"): None,
    (ANY, "<sign-cert-id>"): None,
    (ANY, "<block-device>"): None,
    (ANY, "<hostname>"): None,
    (ANY, "<hypervisor-hostname>"): None,
    (ANY, "<host>"): None,
    ("server migration *", "<migration>"): None,  # an integer ID or a UUID: nothing to list
    (ANY, "<command_name>"): None,
    (ANY, "destination=<subnet>,gateway=<ip-address>"): None,
    (ANY, "start=<ip-address>,end=<ip-address>"): None,
    (ANY, "<dns-domain>"): None,
    (ANY, "dns-domain"): None,
    (ANY, "<provider-network-type>"): None,
    (ANY, "<provider-physical-network>"): None,
    (ANY, "<provider-segment>"): None,
    (ANY, "--os-project-domain-name"): None,
    (ANY, "--os-network-api-version"): None,
    (ANY, "--os-image-api-version"): None,
    (ANY, "--os-user-domain-name"): None,
    # -- per command group and command
    ("keypair *", "<key>"): "keypair",
    ("floating ip create", "<network>"): "external_network",
    ("router *", "--external-gateway"): "external_network",
    ("router *", "<flavor-id>"): None,  # a Neutron flavor, not a Nova one
    ("server add floating ip", "<ip-address>"): "floating_ip_free",
    ("server add floating ip", "--fixed-ip-address"): None,
    ("server remove floating ip", "<ip-address>"): "floating_ip_associated",
    ("server create", "--nic"): "kv:nic",
    ("server ssh", "--port"): None,  # ssh's port number, not a Neutron port
    ("api serve", "--bind"): None,  # an address and TCP port to listen on
    ("dashboard serve", "--bind"): None,  # an address and TCP port to listen on
    ("dashboard serve", "--api"): None,  # where `ostack api serve` listens
    ("image import", "--remote-image"): None,  # an image of another region's Glance
    ("server ssh", "--identity"): "file",
    ("security group rule create", "--src-group"): "security_group",
    # Keystone groups, not security groups.
    ("role *", "<group>"): "keystone_group",
    ("user list", "<group>"): "keystone_group",
    ("group *", "<group>"): "keystone_group",
    ("group create", "<group-name>"): None,  # a new group's name
    ("security group rule create", "--remote-address-group"): "address_group",
    ("help", "cmd"): "command",
    ("command list", "<group-keyword>"): None,  # a word of a command group's name
    # quota set: counts, named after what they count
    ("quota *", "<floating-ips>"): None,
    ("quota *", "<injected-file-size>"): None,
    ("quota *", "<server-groups>"): None,
    ("quota *", "<server-group-members>"): None,
    ("quota *", "<subnetpools>"): None,
    ("quota *", "<router-routes>"): None,
    ("quota *", "<per-volume-gigabytes>"): None,
    # floating IP port forwardings: their IDs (they have no names), and port numbers
    ("floating ip port forwarding *", "<port-forwarding-id>"): "port_forwarding",
    ("floating ip port forwarding *", "<port-number>"): None,
    ("subnet pool *", "<pool-prefix>"): None,  # a CIDR
}

# Fixed values of options whose parsers take any text (argparse choices come on their own).
ARGUMENT_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    # neutron-lib's protocol names, then Neutron's "any"; numbers are accepted as well.
    ("security group rule *", "--protocol"): (
        "ah", "any", "dccp", "egp", "esp", "gre", "icmp", "icmpv6", "igmp", "ipip",
        "ipv6-encap", "ipv6-frag", "ipv6-icmp", "ipv6-nonxt", "ipv6-opts", "ipv6-route",
        "ospf", "pgm", "rsvp", "sctp", "tcp", "udp", "udplite", "vrrp",
    ),
    ("security group rule *", "--ethertype"): ("IPv4", "IPv6"),
    ("image *", "--visibility"): ("community", "private", "public", "shared"),
    ("image list", "--status"): (
        "active", "deactivated", "deleted", "importing", "killed", "pending_delete", "queued",
        "saving", "uploading",
    ),
    ("network *", "--provider-network-type"): ("flat", "geneve", "gre", "local", "vlan", "vxlan"),
    ("server list", "--status"): (
        "ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD", "PAUSED",
        "REBOOT", "REBUILD", "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED",
        "SHELVED_OFFLOADED", "SHUTOFF", "SOFT_DELETED", "SUSPENDED", "UNKNOWN", "VERIFY_RESIZE",
    ),
    ("port list", "--status"): ("ACTIVE", "BUILD", "DOWN", "ERROR"),
    ("floating ip list", "--status"): ("ACTIVE", "DOWN", "ERROR"),
    (ANY, "--os-interface"): ("admin", "internal", "public"),
    ("versions show", "--interface"): ("admin", "internal", "public"),
    ("versions show", "--status"): ("CURRENT", "DEPRECATED", "EXPERIMENTAL", "SUPPORTED"),
}

# kv:<name>: the keys of a comma-separated key=value argument and the kind each key's value
# takes (None: free text), plus words that stand alone (``--nic auto``).
KEY_VALUE_KINDS: dict[str, tuple[dict[str, str | None], tuple[str, ...]]] = {
    "nic": (
        {"net-id": "network", "port-id": "port", "v4-fixed-ip": None, "v6-fixed-ip": None,
         "tag": None},
        ("auto", "none"),
    ),
    "fixed_ip": ({"subnet": "subnet", "ip-address": None, "ip-substring": None}, ()),
}

# Words that make a metavar look like it names a resource (for the coverage test).
RESOURCE_WORDS = frozenset({
    "server", "flavor", "image", "network", "subnet", "port", "router", "group", "keypair",
    "project", "floating", "volume", "snapshot", "user", "domain", "rule", "file", "filename",
    "qos", "pool", "segment", "agent",
})


def scopes(command: str) -> list[str]:
    """The scopes that apply to ``command``, most specific first."""
    words = command.split()
    groups = [" ".join(words[:n]) + " *" for n in range(len(words) - 1, 0, -1)]
    return [command, *groups, ANY] if command else [ANY]


def argument_keys(action: argparse.Action) -> list[str]:
    """How the tables may name this argument: its option strings, then its metavar."""
    keys = list(action.option_strings)
    if isinstance(action.metavar, str):
        keys.append(action.metavar)
    elif not action.option_strings:
        keys.append(action.dest)
    return keys


def lookup(table: dict[tuple[str, str], Any], command: str, action: argparse.Action) -> Any:
    """The table's entry for this argument, or KeyError when the table does not name it."""
    keys = argument_keys(action)
    for scope in scopes(command):
        for key in keys:
            if (scope, key) in table:
                return table[(scope, key)]
    raise KeyError((command, keys))


def kind_of(command: str, action: argparse.Action) -> str | None:
    try:
        kind: str | None = lookup(ARGUMENT_KINDS, command, action)
    except KeyError:
        return None
    return kind


def choices_of(command: str, action: argparse.Action) -> tuple[str, ...] | None:
    if action.choices is not None:
        return tuple(str(choice) for choice in action.choices)
    try:
        extra: tuple[str, ...] = lookup(ARGUMENT_CHOICES, command, action)
    except KeyError:
        return None
    return extra


def looks_like_resource(action: argparse.Action) -> bool:
    """Whether the argument's metavar (or, without one, its option name) names a resource."""
    if action.nargs == 0:
        return False
    text = action.metavar if isinstance(action.metavar, str) else " ".join(action.option_strings)
    return bool(set(re.split(r"[^a-z0-9]+", text.lower())) & RESOURCE_WORDS)


def is_covered(command: str, action: argparse.Action) -> bool:
    try:
        lookup(ARGUMENT_KINDS, command, action)
    except KeyError:
        return False
    return True


# -- reading the command tree ---------------------------------------------------------------


@dataclass(frozen=True)
class CommandArguments:
    name: str
    parser: argparse.ArgumentParser

    @property
    def actions(self) -> list[argparse.Action]:
        return list(self.parser._actions)


def iter_commands(app: App) -> Iterator[CommandArguments]:
    """Every command the app knows (as cliff lists them), with its parser, by name."""
    for name, entry in sorted(app.command_manager):
        factory = entry.load()
        command = factory(app, None)
        yield CommandArguments(name, command.get_parser(f"{app.NAME} {name}"))


def encode_value(command: str, action: argparse.Action) -> Any:
    """One argument's value in the tree: 0 (none), 1 (free), a tuple (choices), a str (kind)."""
    if action.nargs == 0:
        return 0
    choices = choices_of(command, action)
    if choices is not None:
        return choices
    kind = kind_of(command, action)
    return kind if kind is not None else 1


def describe_command(command: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    options: dict[str, Any] = {}
    hidden: list[str] = []
    positionals: list[tuple[Any, Any]] = []
    for action in parser._actions:
        value = encode_value(command, action)
        if action.option_strings:
            for option in action.option_strings:
                options[option] = value
                if action.help == argparse.SUPPRESS:
                    hidden.append(option)
        else:
            positionals.append((action.nargs, value))
    return {"options": options, "hidden": hidden, "positionals": positionals}


def global_options(app: App) -> dict[str, Any]:
    return describe_command("", app.parser)["options"]


def make_app() -> App:
    """The program as users run it (named ``ostack``, whatever runs this)."""
    from ostack_cli.main import OstackApp

    app = OstackApp()
    app.NAME = "ostack"
    return app

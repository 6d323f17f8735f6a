"""``module list`` and ``command list``: what this client is made of, as the real client shows
its own."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import sys
from typing import Any

from ostack_cli.commands.base import Lister, ShowOne

OWN_MODULE = "ostack_cli"
# The library ostack's cloud backend talks to clouds through (imported only when a command
# needs a cloud, so it is looked up rather than found among the loaded modules).
SDK_MODULE, SDK_DISTRIBUTION = "openstack", "openstacksdk"

# The real client's command groups (its entry-point namespaces, python-openstackclient 10.5
# with the API versions it loads by default: identity v3, image v2, volume v3), by a
# command's first word; ostack's commands are listed under the group the real client has
# the same command in.
GROUPS_BY_FIRST_WORD = {
    **dict.fromkeys(("accelerator",), "openstack.accelerator.v2"),
    **dict.fromkeys(("command", "module"), "openstack.cli"),
    **dict.fromkeys(("availability", "cloud", "configuration", "extension", "limits", "quota",
                     "versions"), "openstack.common"),
    **dict.fromkeys(("aggregate", "compute", "console", "flavor", "host", "hypervisor",
                     "keypair", "server", "usage"), "openstack.compute.v2"),
    **dict.fromkeys(("access", "application", "catalog", "consumer", "credential", "domain",
                     "ec2", "endpoint", "federation", "group", "identity", "implied", "limit",
                     "mapping", "policy", "project", "region", "registered", "request", "role",
                     "service", "token", "trust", "user"), "openstack.identity.v3"),
    **dict.fromkeys(("cached", "image"), "openstack.image.v2"),
    **dict.fromkeys(("address", "default", "floating", "ip", "local", "network", "port",
                     "router", "security", "subnet"), "openstack.network.v2"),
    **dict.fromkeys(("bgp",), "openstack.network.v2.dynamic_routing"),
    **dict.fromkeys(("bgpvpn",), "openstack.network.v2.bgpvpn"),
    **dict.fromkeys(("firewall",), "openstack.network.v2.fwaas"),
    **dict.fromkeys(("tap",), "openstack.network.v2.taas"),
    **dict.fromkeys(("vpn",), "openstack.network.v2.vpnaas"),
    **dict.fromkeys(("container", "object"), "openstack.object_store.v1"),
    **dict.fromkeys(("share",), "openstack.share.v2"),
    **dict.fromkeys(("block", "consistency", "volume"), "openstack.volume.v3"),
}
# Where a command's first word does not tell (the real client's `project cleanup` is common).
GROUPS_BY_COMMAND = {"project cleanup": "openstack.common"}
# ostack's own commands, and any the table does not know: ostack's entry-point namespace.
OWN_GROUP = "ostack.cli"
OWN_COMMANDS = frozenset({"bootstrap", "host sync"})
# cliff's commands of the application itself, which the real client does not list either.
APP_COMMANDS = frozenset({"help", "complete"})


def command_group(name: str) -> str:
    if name in OWN_COMMANDS:
        return OWN_GROUP
    if name in GROUPS_BY_COMMAND:
        return GROUPS_BY_COMMAND[name]
    return GROUPS_BY_FIRST_WORD.get(name.split()[0], OWN_GROUP)


class ListCommand(Lister):
    """List recognized commands by group"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--group", metavar="<group-keyword>",
                            help="Show commands filtered by a command group, for example: "
                            "identity, volume, compute, image, network and other keywords")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        groups: dict[str, list[str]] = {}
        for name, _ in self.app.command_manager:
            if name not in APP_COMMANDS:
                groups.setdefault(command_group(name), []).append(name)
        rows = []
        for group in sorted(groups):
            if parsed_args.group and parsed_args.group not in group:
                continue
            names: Any = sorted(groups[group])
            # As the real client: one name a line in a table, the list itself otherwise.
            if parsed_args.formatter == "table":
                names = "\n".join(names)
            rows.append((group, names))
        return ("Command Group", "Commands"), rows


class ListModule(ShowOne):
    """List module versions"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--all", action="store_true", default=False,
                            help="Show all modules that have version information")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        distributions = importlib.metadata.packages_distributions()
        versions: dict[str, str] = {}
        # As the real client: the loaded top-level modules that belong to a distribution;
        # without --all, only clients (``*client``) and the SDK, here ostack's own package too.
        for name in list(sys.modules):
            module = name.split(".")[0]
            if module.startswith("_") or module in versions:
                continue
            if parsed_args.all or module.endswith("client") or module in (OWN_MODULE,
                                                                           SDK_MODULE):
                version = _version(distributions, module)
                if version is not None:
                    versions[module] = version
        if SDK_MODULE not in versions:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                versions[SDK_MODULE] = importlib.metadata.version(SDK_DISTRIBUTION)
        names = sorted(versions)
        return tuple(names), tuple(versions[n] for n in names)


def _version(distributions: Any, module: str) -> str | None:
    try:
        return str(importlib.metadata.version(distributions[module][0]))
    except (KeyError, IndexError, importlib.metadata.PackageNotFoundError):
        return None

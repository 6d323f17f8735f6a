"""``ostack bootstrap``: the external network, a private network and a router between them.

Idempotent: what exists (by name) is reused as it is; a second run creates nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.network import BootstrapSpec
from ostack_cli.commands.base import Lister


class Bootstrap(Lister):
    """Create the external network, a private network and a router joining them"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--external-network", metavar="<name>", default="External",
                            help="Name of the external (floating IP) network (default: "
                            "External)")
        parser.add_argument("--external-cidr", metavar="<cidr>", default=None,
                            help="Subnet range of the external network; its first address is "
                            "the gateway (default: the first of 192.168.61.0/24 ... "
                            "192.168.99.0/24 that no interface of this host routes)")
        parser.add_argument("--external-pool-start", metavar="<ip-address>",
                            help="First floating IP address (default: the address after the "
                            "gateway)")
        parser.add_argument("--external-pool-end", metavar="<ip-address>",
                            help="Last floating IP address (default: the last usable address)")
        parser.add_argument("--private-network", metavar="<name>", default="private",
                            help="Name of the private network (default: private)")
        parser.add_argument("--private-cidr", metavar="<cidr>", default="10.0.0.0/24",
                            help="Subnet range of the private network (default: 10.0.0.0/24)")
        parser.add_argument("--router", metavar="<name>", default="router1",
                            help="Name of the router (default: router1)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        items = self.backend.bootstrap_network(BootstrapSpec(
            external_network=parsed_args.external_network,
            external_cidr=parsed_args.external_cidr,
            external_pool_start=parsed_args.external_pool_start,
            external_pool_end=parsed_args.external_pool_end,
            private_network=parsed_args.private_network,
            private_cidr=parsed_args.private_cidr,
            router=parsed_args.router,
        ))
        items += self.backend.register_test_image()
        rows = [(item.resource, item.name, item.id, "created" if item.created else "exists")
                for item in items]
        return ("Resource", "Name", "ID", "Status"), rows + self._api_access()

    def _api_access(self) -> list[tuple[str, str, str, str]]:
        """The local backend's users for ``ostack api`` and the clouds.yaml entries that
        reach it. A generated password is shown once, on stderr (stdout stays the table,
        valid JSON with -f json); it is also kept in the state directory, mode 0600."""
        access = getattr(self.backend, "bootstrap_api_access", None)
        if access is None:
            return []
        users, clouds = access()
        for user in users:
            if user.new_password:
                self.app.stderr.write(f"Password of user {user.name} for 'ostack api': "
                                      f"{user.new_password}\n")
        rows = [("User", u.name, u.id, "created" if u.created else "exists") for u in users]
        rows.append(("Cloud", "ostack", str(clouds.path), clouds.status))
        return rows

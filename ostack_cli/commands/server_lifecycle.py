"""``server shelve|unshelve|rescue|unrescue|resize`` and ``server resize confirm|revert``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.api.server_lifecycle import UNSET
from ostack_cli.backend.models.server import Server
from ostack_cli.commands.base import LOG, Command
from ostack_cli.commands.server_format import progress_printer
from ostack_cli.errors import CommandError

SHELVED = ("SHELVED", "SHELVED_OFFLOADED")


class ShelveServer(Command):
    """Shelve and optionally offload server(s).

    Shelving a server creates a snapshot of the server and stores this snapshot before
    shutting down the server. This shelved server can then be offloaded or deleted from the
    host, freeing up remaining resources on the host, such as network interfaces. Shelved
    servers can be unshelved, restoring the server from the snapshot. Shelving is therefore
    useful where users wish to retain the UUID and IP of a server, without utilizing other
    resources or disks.

    Most clouds are configured to automatically offload shelved servers immediately or after
    a small delay. For clouds where this is not configured, or where the delay is larger,
    offloading can be manually specified. This is an admin-only operation by default.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("servers", metavar="<server>", nargs="+",
                            help="Server(s) to shelve (name or ID)")
        parser.add_argument("--offload", action="store_true", default=False,
                            help="Remove the shelved server(s) from the host (admin only). "
                            "Invoking this option on an unshelved server(s) will result in "
                            "the server being shelved first")
        parser.add_argument("--wait", action="store_true", default=False,
                            help="Wait for shelve and/or offload operation to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        shelving: list[Server] = []
        for name in parsed_args.servers:
            server = self.backend.find_server(name)
            if server.status.upper() in SHELVED:
                continue  # the real client leaves shelved servers alone
            shelving.append(server)
            self.backend.shelve_server(server)
        if not parsed_args.wait and not parsed_args.offload:
            return
        for server in shelving:
            self._wait(server, SHELVED, f"Error shelving server: {server.id}")
        if not parsed_args.offload:
            return
        for server in shelving:
            current = self.backend.get_server(server.id)
            if current.status.upper() != "SHELVED_OFFLOADED":
                self.backend.shelve_offload_server(current)
        if not parsed_args.wait:
            return
        for server in shelving:
            self._wait(server, ("SHELVED_OFFLOADED",),
                       f"Error offloading shelved server: {server.id}")

    def _wait(self, server: Server, statuses: tuple[str, ...], error: str) -> None:
        done = self.backend.wait_for_server(server, statuses=statuses, failures=("ERROR",),
                                            callback=progress_printer())
        if done.status == "ERROR":
            raise CommandError(error)


class UnshelveServer(Command):
    """Unshelve server(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", nargs="+",
                            help="Server(s) to unshelve (name or ID)")
        zone = parser.add_mutually_exclusive_group()
        zone.add_argument("--availability-zone", default=None,
                          help="Name of the availability zone in which to unshelve a "
                          "SHELVED_OFFLOADED server (supported by --os-compute-api-version "
                          "2.77 or above)")
        zone.add_argument("--no-availability-zone", action="store_true", default=False,
                          help="Unpin the availability zone of a SHELVED_OFFLOADED server. "
                          "Server will be unshelved on a host without availability zone "
                          "constraint (supported by --os-compute-api-version 2.91 or above)")
        parser.add_argument("--host", default=None,
                            help="Name of the destination host in which to unshelve a "
                            "SHELVED_OFFLOADED server (supported by --os-compute-api-version "
                            "2.91 or above)")
        parser.add_argument("--wait", action="store_true", default=False,
                            help="Wait for unshelve operation to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        kwargs: dict[str, Any] = {"availability_zone": UNSET, "host": parsed_args.host or None}
        if parsed_args.availability_zone:
            kwargs["availability_zone"] = parsed_args.availability_zone
        if parsed_args.no_availability_zone:
            kwargs["availability_zone"] = None
        for name in parsed_args.server:
            server = self.backend.find_server(name)
            if server.status.upper() not in SHELVED:
                continue  # as the real client: nothing to unshelve, no error
            self.backend.unshelve_server(server, **kwargs)
            if parsed_args.wait:
                done = self.backend.wait_for_server(
                    server, statuses=("ACTIVE", "SHUTOFF"), failures=("ERROR",),
                    callback=progress_printer())
                if done.status == "ERROR":
                    raise CommandError(f"Error unshelving server: {server.id}")


class RescueServer(Command):
    """Put server in rescue mode.

    Specify ``--os-compute-api-version 2.87`` or higher to rescue a server booted from a
    volume.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("--image", metavar="<image>",
                            help="Image (name or ID) to use for the rescue mode (defaults to "
                            "the currently used one)")
        parser.add_argument("--password", metavar="<password>",
                            help="Set the password on the rescued instance (requires cloud "
                            "support)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        image_id = None
        if parsed_args.image:
            image_id = self.backend.find_image(parsed_args.image).id
        server = self.backend.find_server(parsed_args.server)
        self.backend.rescue_server(server, image_id=image_id, password=parsed_args.password)


class UnrescueServer(Command):
    """Restore server from rescue mode"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.backend.unrescue_server(self.backend.find_server(parsed_args.server))


class ResizeServer(Command):
    """Scale server to a new flavor.

    A resize operation is implemented by creating a new server and copying the contents of
    the original disk into a new one. It is a two-step process for the user: the first step
    is to perform the resize, and the second step is to either confirm (verify) success and
    release the old server or to declare a revert to release the new server and restart the
    old one.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        phase = parser.add_mutually_exclusive_group(required=True)
        phase.add_argument("--flavor", metavar="<flavor>",
                           help="Resize server to specified flavor")
        phase.add_argument("--confirm", action="store_true",
                           help="**Deprecated** Confirm server resize is complete. Replaced "
                           "by the 'openstack server resize confirm' and 'openstack server "
                           "migration confirm' commands")
        phase.add_argument("--revert", action="store_true",
                           help="**Deprecated** Restore server state before resize. Replaced "
                           "by the 'openstack server resize revert' and 'openstack server "
                           "migration revert' commands")
        parser.add_argument("--wait", action="store_true", help="Wait for resize to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        if parsed_args.flavor:
            if not server.image_id:
                LOG.warning("The root disk size in flavor will not be applied while booting "
                            "from a persistent volume.")
            flavor = self.backend.find_flavor(parsed_args.flavor)
            self.backend.resize_server(server, flavor.id)
            if parsed_args.wait:
                done = self.backend.wait_for_server(
                    server, statuses=("ACTIVE", "VERIFY_RESIZE"), failures=("ERROR",),
                    callback=progress_printer())
                if done.status == "ERROR":
                    raise CommandError(f"Error resizing server: {server.id}")
                self.app.stdout.write("Complete\n")
        elif parsed_args.confirm:
            LOG.warning("The --confirm option has been deprecated. Please use the 'openstack "
                        "server resize confirm' command instead.")
            self.backend.confirm_server_resize(server)
        elif parsed_args.revert:
            LOG.warning("The --revert option has been deprecated. Please use the 'openstack "
                        "server resize revert' command instead.")
            self.backend.revert_server_resize(server)


class ResizeConfirm(Command):
    """Confirm server resize.

    Confirm (verify) success of resize operation and release the old server.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.backend.confirm_server_resize(self.backend.find_server(parsed_args.server))


class ResizeRevert(Command):
    """Revert server resize.

    Revert the resize operation. Release the new server and restart the old one.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.backend.revert_server_resize(self.backend.find_server(parsed_args.server))

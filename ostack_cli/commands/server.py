"""``server create|show|delete`` (``server list``: server_list.py)."""

from __future__ import annotations

import argparse
from typing import Any

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.server import NicRequest, ServerSpec
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    ShowOne,
    delete_each,
    show_fields,
)
from ostack_cli.commands.server_block_devices import (
    add_block_device_options,
    block_device_mappings,
    check_sources,
    uses_block_devices,
)
from ostack_cli.commands.server_format import (
    PowerStateColumn,
    image_label,
    progress_printer,
    server_fields,
)
from ostack_cli.errors import CommandError

NIC_KEYS = ("net-id", "port-id", "v4-fixed-ip", "v6-fixed-ip", "tag")
NIC_FORM = ("argument must be of form 'net-id=net-uuid,port-id=port-uuid,v4-fixed-ip=ip-addr,"
            "v6-fixed-ip=ip-addr,tag=tag'")


class KeyValueAppendAction(argparse.Action):
    """osc-lib's: repeated ``key=value`` options into a dict of lists."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        current = {k: list(v) for k, v in (getattr(namespace, self.dest, None) or {}).items()}
        text = str(values)
        if "=" not in text:
            raise argparse.ArgumentError(self, f"Expected 'key=value' type, but got: {text}")
        key, value = text.split("=", 1)
        if not key:
            raise argparse.ArgumentError(self, f"Property key must be specified: {text}")
        current.setdefault(key, []).append(value)
        setattr(namespace, self.dest, current)


class NicAction(argparse.Action):
    """``--nic`` (and ``--network``, ``--port``: ``key``) as the real client parses them, into
    one list in the order given (``auto`` and ``none`` stand alone)."""

    def __init__(self, option_strings: list[str], dest: str, key: str | None = None,
                 **kwargs: Any) -> None:
        self.key = key
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        nics = list(getattr(namespace, self.dest, None) or [])
        text = str(values)
        if self.key:
            if "," in text or "=" in text:
                raise argparse.ArgumentError(
                    self, f"Invalid argument {text}; characters ',' and '=' are not allowed")
            nics.append({self.key: text})
        elif text in ("auto", "none"):
            nics.append(text)
        else:
            nic: dict[str, str] = {}
            for part in text.split(","):
                key, _, value = part.partition("=")
                if key not in NIC_KEYS or not value:
                    raise argparse.ArgumentError(self, f"Invalid argument {text}; {NIC_FORM}")
                nic[key] = value
            if "net-id" in nic and "port-id" in nic:
                raise argparse.ArgumentError(
                    self, f"Invalid argument {text}; either 'network' or 'port' should be "
                    "specified but not both")
            if "v4-fixed-ip" in nic and "v6-fixed-ip" in nic:
                raise argparse.ArgumentError(
                    self, f"Invalid argument {text}; either 'v4-fixed-ip' or 'v6-fixed-ip' "
                    "should be specified but not both")
            nics.append(nic)
        setattr(namespace, self.dest, nics)


class ConstNicAction(argparse.Action):
    """``--no-network`` and ``--auto-network``: ``--nic none`` and ``--nic auto``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []),
                                       self.const])


def _read_user_data(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"Can't open '{path}': {exc}") from None


class CreateServer(ShowOne):
    """Create a new server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server_name", metavar="<server-name>", help="New server name")
        parser.add_argument("--flavor", metavar="<flavor>", required=True,
                            help="Create server with this flavor (name or ID)")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--image", metavar="<image>",
                            help="Create server boot disk from this image (name or ID)")
        source.add_argument("--image-property", metavar="<key=value>", action=KeyValueAction,
                            help="Create server using the image that matches the specified "
                            "property")
        source.add_argument("--volume", metavar="<volume>",
                            help="Create server using this volume as the boot disk")
        source.add_argument("--snapshot", metavar="<snapshot>",
                            help="Create server using this snapshot as the boot disk")
        add_block_device_options(parser)
        parser.add_argument("--network", metavar="<network>", action=NicAction, key="net-id",
                            dest="nics", default=[], help="Create a NIC on the server and "
                            "connect it to network (repeat for multiple)")
        parser.add_argument("--port", metavar="<port>", action=NicAction, key="port-id",
                            dest="nics", default=[],
                            help="Create a NIC on the server and connect it to port")
        parser.add_argument("--no-network", action=ConstNicAction, nargs=0, const="none",
                            dest="nics", default=[],
                            help="Do not attach a network to the server")
        parser.add_argument("--auto-network", action=ConstNicAction, nargs=0, const="auto",
                            dest="nics", default=[],
                            help="Automatically allocate a network to the server")
        parser.add_argument("--nic", metavar="<net-id=net-uuid,port-id=port-uuid,v4-fixed-ip="
                            "ip-addr,v6-fixed-ip=ip-addr,tag=tag,auto,none>", action=NicAction,
                            dest="nics", default=[], help="Create a NIC on the server.")
        parser.add_argument("--password", metavar="<password>",
                            help="Set the password to this server")
        groups = parser.add_mutually_exclusive_group()
        groups.add_argument("--security-group", metavar="<security-group>", action="append",
                            dest="security_groups", default=[],
                            help="Security group to assign to this server (name or ID)")
        groups.add_argument("--no-security-group", action="store_true",
                            help="Do not associate a security group with this server")
        parser.add_argument("--key-name", metavar="<key-name>",
                            help="Keypair to inject into this server")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties", help="Set a property on this server")
        parser.add_argument("--user-data", metavar="<user-data>",
                            help="User data file to serve from the metadata server")
        parser.add_argument("--description", metavar="<description>",
                            help="Set description for the server")
        parser.add_argument("--availability-zone", metavar="<zone-name>",
                            help="Select an availability zone for the server")
        parser.add_argument("--server-group", metavar="<server-group>",
                            help="Server group to create the server within (this is an alias "
                            "for '--hint group=<server-group-id>')")
        parser.add_argument("--hint", metavar="<key=value>", action=KeyValueAppendAction,
                            dest="hints", default={}, help="Hints for the scheduler")
        drive = parser.add_mutually_exclusive_group()
        drive.add_argument("--use-config-drive", action="store_true", dest="config_drive",
                           default=None, help="Enable config drive.")
        drive.add_argument("--no-config-drive", action="store_false", dest="config_drive",
                           help="Disable config drive.")
        drive.add_argument("--config-drive", metavar="<config-drive-volume>|True",
                           dest="config_drive_value",
                           help="Use specified volume as the config drive, or 'True' to use "
                           "an ephemeral drive.")
        parser.add_argument("--min", metavar="<count>", type=int, default=1,
                            help="Minimum number of servers to launch (default=1)")
        parser.add_argument("--max", metavar="<count>", type=int, default=1,
                            help="Maximum number of servers to launch (default=1)")
        parser.add_argument("--tag", metavar="<tag>", action="append", dest="tags", default=[],
                            help="Tags for the server")
        parser.add_argument("--hostname", metavar="<hostname>",
                            help="Hostname configured for the server in the metadata service")
        parser.add_argument("--wait", action="store_true",
                            help="Wait for build to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        volume_id, snapshot_id = check_sources(self.backend, parsed_args)
        image = parsed_args.image or (self._image_by_property(parsed_args.image_property)
                                      if parsed_args.image_property else None)
        if parsed_args.min > parsed_args.max:
            raise CommandError("min instances should be <= max instances")
        if parsed_args.min < 1:
            raise CommandError("min instances should be > 0")
        if parsed_args.max < 1:
            raise CommandError("max instances should be > 0")
        block_devices = []
        if uses_block_devices(parsed_args):
            # Nova's block devices, as the real client sends them; a server booted from a
            # volume names no image.
            image_id = self.backend.find_image(image).id if image else None
            block_devices = block_device_mappings(self.backend, parsed_args, image_id,
                                                  volume_id, snapshot_id)
            if parsed_args.boot_from_volume:
                image = None
        elif not image:
            raise CommandError("An image (--image, --image-property) or bootable volume "
                               "(--volume, --snapshot, --block-device) is required")
        nics = self._client_lookups(parsed_args, image)
        spec = ServerSpec(
            name=parsed_args.server_name,
            flavor=parsed_args.flavor,
            image=image or "",
            block_devices=block_devices,
            nics=nics,
            no_network=_no_network(parsed_args),
            security_groups=list(parsed_args.security_groups),
            key_name=parsed_args.key_name,
            user_data=_read_user_data(parsed_args.user_data) if parsed_args.user_data else None,
            metadata=parsed_args.properties or {},
            hostname=parsed_args.hostname,
            description=parsed_args.description,
            config_drive=_config_drive(parsed_args),
            min_count=parsed_args.min,
            max_count=parsed_args.max,
            tags=list(parsed_args.tags),
            password=parsed_args.password,
            scheduler_hints=self._hints(parsed_args),
            availability_zone=parsed_args.availability_zone,
        )
        servers = self.backend.create_servers(spec)
        server = servers[0]
        if parsed_args.wait:
            server = self.backend.wait_for_server(server, callback=progress_printer())
            if server.status == "ERROR":
                raise CommandError(f"Error creating server: {parsed_args.server_name}")
        admin_pass = servers[0].admin_pass
        fields = server_fields(server, image_label(self.backend, server.image_id),
                               admin_pass=admin_pass)
        return show_fields(as_created(fields))

    def _client_lookups(self, parsed_args: argparse.Namespace, image: str | None
                        ) -> list[NicRequest] | None:
        """What the real client finds itself before it asks Nova (its "No <Resource> found
        for ..." errors, not Nova's), in its order: the image, the flavor, the NICs asked for
        (returned) with each one's network or port, and each security group."""
        if image:
            self.backend.find_image(image)
        self.backend.find_flavor(parsed_args.flavor)
        nics = _nic_requests(parsed_args)
        for nic in parsed_args.nics:
            if isinstance(nic, dict) and nic.get("net-id"):
                self.backend.find_network(nic["net-id"])
            if isinstance(nic, dict) and nic.get("port-id"):
                self.backend.find_port(nic["port-id"])
        for group in parsed_args.security_groups:
            self.backend.find_security_group(group)
        return nics

    def _hints(self, parsed_args: argparse.Namespace) -> dict[str, str | list[str]]:
        """As the real client sends them: one value as a string, several as a list."""
        hints: dict[str, str | list[str]] = {
            key: values[0] if len(values) == 1 else list(values)
            for key, values in parsed_args.hints.items()
        }
        if parsed_args.server_group:
            hints["group"] = self.backend.find_server_group(parsed_args.server_group).id
        return hints

    def _image_by_property(self, properties: dict[str, str]) -> str:
        matches = [
            image for image in self.backend.images()
            if all(image.properties.get(k) == v or str(getattr(image, k, None)) == v
                   for k, v in properties.items())
        ]
        if not matches:
            raise CommandError("No images match the property expected by --image-property")
        if len(matches) > 1:
            raise CommandError("More than one image matches the property expected by "
                               "--image-property")
        return matches[0].id


# What Nova's answer to a create carries (besides what the request itself set).
CREATE_ANSWER_FIELDS = frozenset({"id", "OS-DCF:diskConfig", "security_groups", "adminPass"})


def as_created(fields: dict[str, Any]) -> dict[str, Any]:
    """A new server as the real client shows it: the create request and Nova's answer to it,
    updated with only the non-empty values Nova shows next (python-openstackclient's refresh),
    so an empty value Nova showed ("", 0, False, []) prints null. Formatted lists and dicts
    print empty either way."""
    shown = dict(fields)
    for key, value in fields.items():
        if key in CREATE_ANSWER_FIELDS:
            continue
        if isinstance(value, PowerStateColumn):
            if not value.machine_readable():
                shown[key] = PowerStateColumn(None)
        elif not isinstance(value, FormattableColumn) and not value:
            shown[key] = None
    return shown


def _nic_requests(parsed_args: argparse.Namespace) -> list[NicRequest] | None:
    """The NICs asked for, in the order given; None for Nova's default (or ``auto``)."""
    nics = parsed_args.nics
    if ("auto" in nics or "none" in nics) and len(nics) > 1:
        raise CommandError("Specifying a --nic of auto or none cannot be used with any "
                           "other --nic, --network or --port value.")
    requests = [
        NicRequest(network=nic.get("net-id"), port=nic.get("port-id"),
                   fixed_ip=nic.get("v4-fixed-ip") or nic.get("v6-fixed-ip"))
        for nic in nics if nic not in ("auto", "none")
    ]
    return requests or None


def _no_network(parsed_args: argparse.Namespace) -> bool:
    return "none" in parsed_args.nics


def _config_drive(parsed_args: argparse.Namespace) -> bool | str | None:
    """The real client's reading of ``--config-drive``: true or 1 (any case) asks for one,
    false, 0, none or nothing for none; any other value goes to Nova as it is (whose schema
    takes its own boolean spellings and refuses the rest, a volume's name included)."""
    value = parsed_args.config_drive_value
    if value is not None:
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0", "", "none"):
            return None
        return str(value)
    result: bool | None = parsed_args.config_drive or None  # the API takes no False
    return result


class ShowServer(ShowOne):
    """Show server details."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server to show (name or ID)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--diagnostics", action="store_true", default=False,
                           help="Display server diagnostics information")
        group.add_argument("--topology", action="store_true", default=False,
                           help="Include topology information in the output")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server = self.backend.find_server(parsed_args.server)
        if parsed_args.diagnostics or parsed_args.topology:
            raise CommandError("--diagnostics and --topology are not available on the local "
                               "backend.")
        return show_fields(server_fields(server, image_label(self.backend, server.image_id)))


class DeleteServer(Command):
    """Delete server(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", nargs="+",
                            help="Server(s) to delete (name or ID)")
        parser.add_argument("--force", action="store_true",
                            help="Force delete server(s)")
        parser.add_argument("--all-projects", action="store_true", default=False,
                            help="Delete server(s) in another project by name (admin only)")
        parser.add_argument("--wait", action="store_true", help="Wait for delete to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(name: str) -> None:
            server = self.backend.find_server(name, all_projects=parsed_args.all_projects)
            self.backend.delete_server(server, force=parsed_args.force)
            if parsed_args.wait:
                self.backend.wait_for_server_delete(server)

        delete_each(
            parsed_args.server,
            delete_one,
            failure=lambda name, exc: f"Failed to delete server with name or ID '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} servers failed to delete.",
        )



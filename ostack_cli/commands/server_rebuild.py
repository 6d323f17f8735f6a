"""``server rebuild``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.api.server_lifecycle import RebuildSpec
from ostack_cli.commands.base import KeyValueAction, ShowOne, show_fields
from ostack_cli.commands.server_format import image_label, progress_printer, server_fields
from ostack_cli.errors import CommandError


def _read_user_data(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"Can't open '{path}': {exc}") from None


class RebuildServer(ShowOne):
    """Rebuild server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("--image", metavar="<image>",
                            help="Recreate server from the specified image (name or ID). "
                            "Defaults to the currently used one.")
        parser.add_argument("--name", metavar="<name>",
                            help="Set the new name of the rebuilt server")
        parser.add_argument("--password", metavar="<password>",
                            help="Set the password on the rebuilt server. This option "
                            "requires cloud support.")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties", help="Set a new property on the rebuilt "
                            "server (repeat option to set multiple values)")
        parser.add_argument("--description", metavar="<description>",
                            help="Set a new description on the rebuilt server (supported by "
                            "--os-compute-api-version 2.19 or above)")
        ephemeral = parser.add_mutually_exclusive_group()
        ephemeral.add_argument("--preserve-ephemeral", action="store_true", default=None,
                               help="Preserve the default ephemeral storage partition on "
                               "rebuild.")
        ephemeral.add_argument("--no-preserve-ephemeral", action="store_false",
                               dest="preserve_ephemeral",
                               help="Do not preserve the default ephemeral storage partition "
                               "on rebuild.")
        key = parser.add_mutually_exclusive_group()
        key.add_argument("--key-name", metavar="<key-name>",
                         help="Set the key name of key pair on the rebuilt server. Cannot be "
                         "specified with the --key-unset option. (supported by "
                         "--os-compute-api-version 2.54 or above)")
        key.add_argument("--no-key-name", action="store_true", dest="no_key_name",
                         help="Unset the key name of key pair on the rebuilt server. Cannot "
                         "be specified with the --key-name option. (supported by "
                         "--os-compute-api-version 2.54 or above)")
        key.add_argument("--key-unset", action="store_true", dest="no_key_name",
                         help=argparse.SUPPRESS)
        user_data = parser.add_mutually_exclusive_group()
        user_data.add_argument("--user-data", metavar="<user-data>",
                               help="Add a new user data file to the rebuilt server. Cannot "
                               "be specified with the --no-user-data option. (supported by "
                               "--os-compute-api-version 2.57 or above)")
        user_data.add_argument("--no-user-data", action="store_true", default=False,
                               help="Remove existing user data when rebuilding server. "
                               "Cannot be specified with the --user-data option. (supported "
                               "by --os-compute-api-version 2.57 or above)")
        certs = parser.add_mutually_exclusive_group()
        certs.add_argument("--trusted-image-cert", metavar="<trusted-cert-id>",
                           action="append", dest="trusted_image_certs",
                           help="Trusted image certificate IDs used to validate certificates "
                           "during the image signature verification process. May be "
                           "specified multiple times to pass multiple trusted image "
                           "certificate IDs. Cannot be specified with the --no-trusted-certs "
                           "option. (supported by --os-compute-api-version 2.63 or above)")
        certs.add_argument("--no-trusted-image-certs", action="store_true", default=False,
                           help="Remove any existing trusted image certificates from the "
                           "server. Cannot be specified with the --trusted-certs option. "
                           "(supported by --os-compute-api-version 2.63 or above)")
        parser.add_argument("--hostname", metavar="<hostname>",
                            help="Hostname configured for the server in the metadata "
                            "service. A separate utility running in the guest is required to "
                            "propagate changes to this value to the guest OS itself "
                            "(hostnames supported by --os-compute-api-version 2.90 or "
                            "above, FQDNs supported by --os-compute-api-version 2.94 or "
                            "above)")
        parser.add_argument("--reimage-boot-volume", action="store_true",
                            dest="reimage_boot_volume", default=None,
                            help="Rebuild a volume-backed server. This will wipe the root "
                            "volume data and overwrite it with the provided image. Defaults "
                            "to False. (supported by --os-compute-api-version 2.93 or above)")
        parser.add_argument("--no-reimage-boot-volume", action="store_false",
                            dest="reimage_boot_volume", default=None,
                            help="Do not rebuild a volume-backed server. (supported by "
                            "--os-compute-api-version 2.93 or above)")
        parser.add_argument("--wait", action="store_true", help="Wait for rebuild to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        backend = self.backend
        server = backend.find_server(parsed_args.server)
        if parsed_args.image:
            image = backend.find_image(parsed_args.image)
        else:
            if not server.image_id:
                raise CommandError("The --image option is required when rebuilding a "
                                   "volume-backed server")
            image = backend.find_image(server.image_id)
        user_data: bytes | None = None
        if parsed_args.user_data:
            user_data = _read_user_data(parsed_args.user_data)
        if not parsed_args.reimage_boot_volume and not server.image_id:
            raise CommandError("--reimage-boot-volume is required to rebuild a volume-backed "
                               "server")
        status = server.status.lower()
        if status == "shutoff":
            success = ("SHUTOFF",)
        elif status in ("error", "active"):
            success = ("ACTIVE",)
        else:
            raise CommandError("The server status is not ACTIVE, SHUTOFF or ERROR.")
        certs = parsed_args.trusted_image_certs
        spec = RebuildSpec(
            image_id=image.id,
            name=parsed_args.name,
            password=parsed_args.password,
            metadata=parsed_args.properties or None,
            description=parsed_args.description or None,
            preserve_ephemeral=parsed_args.preserve_ephemeral,
            set_key_name=bool(parsed_args.key_name) or parsed_args.no_key_name,
            key_name=parsed_args.key_name or None,
            set_user_data=user_data is not None or parsed_args.no_user_data,
            user_data=user_data,
            set_trusted_image_certificates=bool(certs) or parsed_args.no_trusted_image_certs,
            trusted_image_certificates=list(certs) if certs else None,
            hostname=parsed_args.hostname or None,
        )
        rebuilt = backend.rebuild_server(server, spec)
        if parsed_args.wait:
            done = backend.wait_for_server(server, statuses=success, failures=("ERROR",),
                                           callback=progress_printer())
            if done.status == "ERROR":
                raise CommandError(f"Error rebuilding server: {server.id}")
            self.app.stdout.write("Complete\n")
        # The real client shows the rebuild's answer (REBUILD), not the server once done.
        return show_fields(server_fields(rebuilt, image_label(backend, rebuilt.image_id),
                                         admin_pass=rebuilt.admin_pass))

"""``image stage``, ``image import`` and ``image import info``: Glance's interoperable import.

The checks here are the real client's and openstacksdk's own (made before any request, in
their order and words); Glance's refusals come from the backend.
"""

from __future__ import annotations

import argparse
import io
import logging
import urllib.parse
from typing import Any

from ostack_cli.backend.models.image import ImageImportRequest
from ostack_cli.columns import ListColumn
from ostack_cli.commands.base import Command, ShowOne
from ostack_cli.commands.image import _parse_image_size, image_data, image_fields
from ostack_cli.errors import BadRequest, CommandError, Conflict, Forbidden, NotFound

LOG = logging.getLogger(__name__)

# Glance's HTTP refusals of an import request (4xx), as the backends raise them.
GLANCE_REFUSALS = (BadRequest, Conflict, Forbidden, NotFound)
IMPORT_METHOD_CHOICES = ["glance-direct", "web-download", "glance-download", "copy-image"]


class StageImage(Command):
    """Upload data for a specific image to staging.
This requires support for the interoperable image import process, which was first introduced
in Image API version 2.6 (Glance 16.0.0 (Queens))"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--file", metavar="<file>", dest="filename",
                            help="Local file that contains disk image to be uploaded. "
                            "Alternatively, images can be passed via stdin.")
        parser.add_argument("--size", metavar="<size>", type=_parse_image_size,
                            help="Size of image data in bytes. Providing this can improve "
                            "upload performance.")
        parser.add_argument("--progress", action="store_true", default=False,
                            help="Show upload progress bar (ignored if passing data via stdin)")
        parser.add_argument("image", metavar="<image>",
                            help="Image to upload data for (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        image = self.backend.find_image(parsed_args.image)
        opened, data = image_data(parsed_args.filename, self.app.stdin)
        try:
            if parsed_args.size is not None and data is None:
                raise CommandError("--size requires image data via --file or stdin")
            if image.status != "queued":
                # openstacksdk's stage_image, before any request.
                raise CommandError("Image stage is only possible for images in the queued "
                                   f"state. Current state is {image.status}")
            # No data at all (stdin closed) stages an empty body, as openstacksdk sends it.
            self.backend.stage_image(image, data if data is not None else io.BytesIO())
        finally:
            if opened is not None:
                opened.close()


class ImportImage(ShowOne):
    """Initiate the image import process.
This requires support for the interoperable image import process, which was first introduced
in Image API version 2.6 (Glance 16.0.0 (Queens))"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>",
                            help="Image to initiate import process for (name or ID)")
        parser.add_argument("--method", metavar="<method>", default="glance-direct",
                            dest="import_method", choices=IMPORT_METHOD_CHOICES,
                            help="Import method used for image import process. Not all "
                            "deployments will support all methods. The 'glance-direct' method "
                            "(default) requires images be first staged using the "
                            "'image-stage' command.")
        parser.add_argument("--uri", metavar="<uri>",
                            help="URI to download the external image (only valid with the "
                            "'web-download' import method)")
        parser.add_argument("--remote-image", metavar="<REMOTE_IMAGE>",
                            help="The image of remote glance (ID only) to be imported (only "
                            "valid with the 'glance-download' import method)")
        parser.add_argument("--remote-region", metavar="<REMOTE_GLANCE_REGION>",
                            help="The remote Glance region to download the image from (only "
                            "valid with the 'glance-download' import method)")
        parser.add_argument("--remote-service-interface", metavar="<REMOTE_SERVICE_INTERFACE>",
                            help="The remote Glance service interface to use when importing "
                            "images (only valid with the 'glance-download' import method)")
        stores = parser.add_mutually_exclusive_group()
        stores.add_argument("--store", metavar="<STORE>", dest="stores", nargs="*",
                            help="Backend store to upload image to (specify multiple times to "
                            "upload to multiple stores) (either '--store' or '--all-stores' "
                            "required with the 'copy-image' import method)")
        stores.add_argument("--all-stores", action="store_true",
                            help="Make image available to all stores (either '--store' or "
                            "'--all-stores' required with the 'copy-image' import method)")
        failure = parser.add_mutually_exclusive_group()
        failure.add_argument("--allow-failure", action="store_true", dest="allow_failure",
                             default=True,
                             help="When uploading to multiple stores, indicate that the import "
                             "should be continue should any of the uploads fail. Only usable "
                             "with --stores or --all-stores")
        failure.add_argument("--disallow-failure", action="store_false", dest="allow_failure",
                             default=True,
                             help="When uploading to multiple stores, indicate that the import "
                             "should be reverted should any of the uploads fail. Only usable "
                             "with --stores or --all-stores")
        # The real client takes --wait and does not wait; neither does this.
        parser.add_argument("--wait", action="store_true", help="Wait for operation to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        try:
            methods = self.backend.image_import_methods()
        except NotFound:
            raise CommandError(
                "The Image Import feature is not supported by this deployment") from None
        method = parsed_args.import_method
        if method not in methods:
            raise CommandError(f"The '{method}' import method is not supported by this "
                               f"deployment. Supported: {', '.join(methods)}")
        _check_options(parsed_args)
        image = self.backend.find_image(parsed_args.image)
        if not image.container_format and not image.disk_format:
            raise CommandError("The 'container_format' and 'disk_format' properties must be "
                               "set on an image before it can be imported")
        required = {"glance-direct": "uploading", "web-download": "queued",
                    "copy-image": "active"}.get(method)
        if required is not None and image.status != required:
            raise CommandError(f"The '{method}' import method can only be used with an image "
                               f"in status '{required}'")
        if not (image.container_format and image.disk_format):
            # openstacksdk's import_image, before the request.
            raise CommandError("Both container_format and disk_format are required for "
                               "importing an image")
        request = ImageImportRequest(
            method=method, uri=parsed_args.uri, remote_region=parsed_args.remote_region,
            remote_image_id=parsed_args.remote_image,
            remote_service_interface=parsed_args.remote_service_interface,
            stores=parsed_args.stores, all_stores=parsed_args.all_stores,
            all_stores_must_succeed=not parsed_args.allow_failure)
        try:
            self.backend.import_image(image, request)
        except GLANCE_REFUSALS as exc:
            # openstacksdk's import_image returns Glance's answer without looking at it, so
            # the real client shows the image and succeeds even when Glance refused (a URI
            # that does not pass filtering, an unknown store): the refusal is only logged.
            LOG.debug("Glance refused the import of image %s: %s", image.id, exc)
        # The real client shows the image as it found it, before the import.
        return image_fields(image)


def _check_options(parsed_args: argparse.Namespace) -> None:
    """The real client's option checks, in its order and words."""
    method = parsed_args.import_method
    if method == "web-download":
        if not parsed_args.uri:
            raise CommandError("The '--uri' option is required when using "
                               "'--method=web-download'")
        parsed = urllib.parse.urlparse(parsed_args.uri)
        if not (parsed.scheme and parsed.netloc):
            raise CommandError(f"'{parsed_args.uri}' is not a valid url")
    elif parsed_args.uri:
        raise CommandError("The '--uri' option is only supported when using "
                           "'--method=web-download'")
    if method == "glance-download":
        if not (parsed_args.remote_region and parsed_args.remote_image):
            # Sic: the real client names web-download here.
            raise CommandError("The '--remote-region' and '--remote-image' options are "
                               "required when using '--method=web-download'")
    else:
        for option, dest in (("--remote-region", "remote_region"),
                             ("--remote-image", "remote_image"),
                             ("--remote-service-interface", "remote_service_interface")):
            if getattr(parsed_args, dest):
                raise CommandError(f"The '{option}' option is only supported when using "
                                   "'--method=glance-download'")
    if method == "copy-image" and not (parsed_args.stores or parsed_args.all_stores):
        raise CommandError("The '--stores' or '--all-stores' options are required when "
                           "using '--method=copy-image'")


class ShowImportInfo(ShowOne):
    """Show available import methods"""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return ("import-methods",), (ListColumn(self.backend.image_import_methods()),)

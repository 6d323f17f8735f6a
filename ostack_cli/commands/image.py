"""``image create|delete|list|save|set|show|unset``."""

from __future__ import annotations

import argparse
import io
import logging
from typing import IO, Any

from ostack_cli.backend.models.image import (
    SDK_PROPERTY_ATTRS,
    Image,
    ImageChanges,
    ImageSpec,
    filter_by_properties,
    glance_key,
    sdk_attributes,
    show_view,
    sort_images,
)
from ostack_cli.columns import DictColumn, ListColumn
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    Lister,
    ShowOne,
    StopDeleting,
    delete_each,
    show_fields,
)
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import CommandError, NotFound

LOG = logging.getLogger(__name__)

# python-openstackclient's choices (its container formats leave out Glance's "compressed").
CONTAINER_CHOICES = ["ami", "ari", "aki", "bare", "docker", "ova", "ovf"]
DISK_CHOICES = ["ami", "ari", "aki", "vhd", "vmdk", "raw", "qcow2", "vhdx", "vdi", "iso", "ploop"]
MEMBER_STATUS_CHOICES = ["accepted", "pending", "rejected", "all"]
NO_MULTI_STORE = "Multi Backend support not enabled."
FORMATTERS = {"tags": ListColumn, "properties": DictColumn}
# Glance property names that openstacksdk exposes under another attribute name.
SDK_CUSTOM_NAMES = {
    "os_hidden": "is_hidden",
    "protected": "is_protected",
    "os_hash_algo": "hash_algo",
    "os_hash_value": "hash_value",
    **{key: attr for attr, key in SDK_PROPERTY_ATTRS.items() if attr != key},
}


def image_fields(image: Image, *, human_readable: bool = False) -> tuple[Any, Any]:
    return show_fields(show_view(image, human_readable=human_readable), FORMATTERS)


def _v1_option_error(option: str) -> CommandError:
    return CommandError(
        f"ERROR: --{option} was given, which is an Image v1 option that is no longer "
        "supported in Image v2"
    )


def _add_protected(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--protected", action="store_true", dest="is_protected", default=None,
                       help="Prevent image from being deleted")
    group.add_argument("--unprotected", action="store_false", dest="is_protected",
                       default=None, help="Allow image to be deleted (default)")


def _add_visibility(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--public", action="store_const", const="public", dest="visibility",
                       help="Image is accessible and visible to all users")
    group.add_argument("--private", action="store_const", const="private", dest="visibility",
                       help="Image is only accessible by the owner "
                       "(default until --os-image-api-version 2.5)")
    group.add_argument("--community", action="store_const", const="community",
                       dest="visibility",
                       help="Image is accessible by all users but does not appear in the "
                       "default image list of any user except the owner "
                       "(requires --os-image-api-version 2.5 or later)")
    group.add_argument("--shared", action="store_const", const="shared", dest="visibility",
                       help="Image is only accessible by the owner and image members "
                       "(requires --os-image-api-version 2.5 or later) "
                       "(default since --os-image-api-version 2.5)")


def _parse_image_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a valid size (use a positive integer)"
        ) from None
    if size <= 0:
        raise argparse.ArgumentTypeError("Size must be a positive integer")
    return size


def image_data(filename: str | None, stdin: Any) -> tuple[IO[bytes] | None, IO[bytes] | None]:
    """The file opened (the caller closes it) and the data to send: the file, or what is
    piped on stdin; the real client's message for a file that is not there."""
    if not filename:
        return None, stdin_data(stdin)
    try:
        opened = open(filename, "rb")  # noqa: SIM115 (the caller closes it)
    except FileNotFoundError:
        raise CommandError(f"{filename!r} is not a valid file") from None
    except OSError as exc:
        raise CommandError(str(exc)) from None
    return opened, opened


def stdin_data(stdin: Any) -> IO[bytes] | None:
    """Image data piped on stdin, as the real client takes it (none from a terminal)."""
    if stdin is None or getattr(stdin, "closed", False):
        return None
    try:
        if stdin.isatty():
            return None
    except (ValueError, OSError):
        return None
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        return buffer
    # A text stream with no bytes underneath (embedding, tests): its text as UTF-8.
    return io.BytesIO(str(stdin.read()).encode("utf-8", "surrogateescape"))


class CreateImage(ShowOne):
    """Create/upload an image"""

    dead_options = ("location", "copy-from", "checksum", "store")

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<image-name>", help="New image name")
        parser.add_argument("--id", metavar="<id>", help="Image ID to reserve")
        parser.add_argument("--container-format", default="bare", choices=CONTAINER_CHOICES,
                            metavar="<container-format>",
                            help="Image container format. The supported options are: "
                            f"{', '.join(CONTAINER_CHOICES)}. The default format is: bare")
        parser.add_argument("--disk-format", default="raw", choices=DISK_CHOICES,
                            metavar="<disk-format>",
                            help="Image disk format. The supported options are: "
                            f"{', '.join(DISK_CHOICES)}. The default format is: raw")
        parser.add_argument("--min-disk", metavar="<disk-gb>", type=int,
                            help="Minimum disk size needed to boot image, in gigabytes")
        parser.add_argument("--min-ram", metavar="<ram-mb>", type=int,
                            help="Minimum RAM size needed to boot image, in megabytes")
        parser.add_argument("--size", metavar="<size>", type=_parse_image_size,
                            help="Size of image data in bytes. Providing this can improve "
                            "upload performance.")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--file", dest="filename", metavar="<file>",
                            help="Upload image from local file")
        source.add_argument("--volume", metavar="<volume>", help="Create image from a volume")
        parser.add_argument("--force", action="store_true", default=False,
                            help="Force image creation if volume is in use "
                            "(only meaningful with --volume)")
        parser.add_argument("--progress", action="store_true", default=False,
                            help="Show upload progress bar (ignored if passing data via stdin)")
        parser.add_argument("--sign-key-path", metavar="<sign-key-path>", default=[],
                            help="Sign the image using the specified private key. "
                            "Only use in combination with --sign-cert-id")
        parser.add_argument("--sign-cert-id", metavar="<sign-cert-id>", default=[],
                            help="The specified certificate UUID is a reference to the "
                            "certificate in the key manager that corresponds to the public "
                            "key and is used for signature validation. Only use in "
                            "combination with --sign-key-path")
        _add_protected(parser)
        _add_visibility(parser)
        parser.add_argument("--property", dest="properties", metavar="<key=value>",
                            action=KeyValueAction,
                            help="Set a property on this image "
                            "(repeat option to set multiple properties)")
        parser.add_argument("--tag", dest="tags", metavar="<tag>", action="append",
                            help="Set a tag on this image (repeat option to set multiple tags)")
        parser.add_argument("--project", metavar="<project>",
                            help="Set an alternate project on this image (name or ID)")
        parser.add_argument("--import", dest="use_import", action="store_true",
                            help="Force the use of glance image import instead of direct "
                            "upload")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be "
                            "used in case collisions between project names exist.")
        for option in self.dead_options:
            parser.add_argument(f"--{option}", metavar=f"<{option}>",
                                dest=option.replace("-", "_"), help=argparse.SUPPRESS)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        for option in self.dead_options:
            if getattr(parsed_args, option.replace("-", "_"), None):
                raise _v1_option_error(option)
        if parsed_args.volume:
            from ostack_cli.commands.image_volume import image_from_volume

            return image_from_volume(self.backend, parsed_args)
        project_id = None
        if parsed_args.project:
            project_id = self.backend.find_project(parsed_args.project).id
        spec = ImageSpec(
            name=parsed_args.name,
            id=parsed_args.id or None,
            disk_format=parsed_args.disk_format,
            container_format=parsed_args.container_format,
            min_disk=parsed_args.min_disk or None,
            min_ram=parsed_args.min_ram or None,
            visibility=parsed_args.visibility,
            is_protected=parsed_args.is_protected,
            tags=list(parsed_args.tags or []),
            properties=dict(parsed_args.properties or {}),
            project_id=project_id,
        )
        # Open the data first, so that a bad file fails before anything is created.
        opened, data = image_data(parsed_args.filename, self.app.stdin)
        try:
            if parsed_args.size is not None and data is None:
                raise CommandError("--size requires image data via --file or stdin")
            if parsed_args.sign_key_path or parsed_args.sign_cert_id:
                _refuse_signing(parsed_args)
            image = self.backend.create_image(spec, data, use_import=parsed_args.use_import)
        finally:
            if opened is not None:
                opened.close()
        return image_fields(image)


def _refuse_signing(parsed_args: argparse.Namespace) -> None:
    if not parsed_args.filename:
        raise CommandError(
            "signing an image requires the --file option, passing files via stdin when "
            "signing is not supported."
        )
    if not parsed_args.sign_key_path or not parsed_args.sign_cert_id:
        raise CommandError(
            "'sign-key-path' and 'sign-cert-id' must both be specified when attempting to "
            "sign an image."
        )
    raise CommandError(
        "Image signature verification needs the Key Manager service (Barbican), which the "
        "local backend does not have."
    )


class DeleteImage(Command):
    """Delete image(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("images", metavar="<image>", nargs="+",
                            help="Image(s) to delete (name or ID)")
        parser.add_argument("--store", metavar="<STORE>", dest="store",
                            help="Store to delete image(s) from.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.store:
            # Glance without multiple stores answers 404, which the real client reports so.
            raise StopDeleting(NO_MULTI_STORE)
        delete_each(
            parsed_args.images,
            self._delete_one,
            failure=lambda name, exc: f"Failed to delete image with name or ID '{name}': {exc}",
            summary=lambda failed, total: f"Failed to delete {failed} of {total} images.",
        )

    def _delete_one(self, name: str) -> None:
        try:
            self.backend.delete_image(self.backend.find_image(name))
        except NotFound:
            # The real client takes any 404 here, a missing image's too, for its missing
            # store, and stops at once (osc's DeleteImage).
            raise StopDeleting(NO_MULTI_STORE) from None


LONG_HEADERS = ("ID", "Name", "Disk Format", "Container Format", "Size", "Checksum", "Status",
                "Visibility", "Protected", "Project", "Hash Algorithm", "Hash Value", "Tags")


class ListImage(Lister):
    """List available images"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--public", action="store_const", const="public", dest="visibility",
                           help="List only public images")
        group.add_argument("--private", action="store_const", const="private",
                           dest="visibility", help="List only private images")
        group.add_argument("--community", action="store_const", const="community",
                           dest="visibility",
                           help="List only community images "
                           "(requires --os-image-api-version 2.5 or later)")
        group.add_argument("--shared", action="store_const", const="shared", dest="visibility",
                           help="List only shared images "
                           "(requires --os-image-api-version 2.5 or later)")
        group.add_argument("--all", action="store_const", const="all", dest="visibility",
                           help="List all images")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            help="Filter output based on property "
                            "(repeat option to filter on multiple properties)")
        parser.add_argument("--name", metavar="<name>", default=None,
                            help="Filter images based on name.")
        parser.add_argument("--status", metavar="<status>", default=None,
                            help="Filter images based on status.")
        parser.add_argument("--member-status", metavar="<member-status>", default=None,
                            type=lambda s: s.lower(), choices=MEMBER_STATUS_CHOICES,
                            help="Filter images based on member status. The supported "
                            f"options are: {', '.join(MEMBER_STATUS_CHOICES)}. ")
        parser.add_argument("--project", metavar="<project>",
                            help="Search by project (admin only) (name or ID)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be "
                            "used in case collisions between project names exist.")
        parser.add_argument("--tag", metavar="<tag>", action="append", default=[],
                            help="Filter images based on tag. "
                            "(repeat option to filter on multiple tags)")
        parser.add_argument("--hidden", action="store_true", dest="is_hidden", default=False,
                            help="List hidden images")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--page-size", metavar="<size>", help=argparse.SUPPRESS)
        parser.add_argument("--sort", metavar="<key>[:<direction>]", default="name:asc",
                            help="Sort output by selected keys and directions (asc or desc) "
                            "(default: name:asc), multiple keys and directions can be "
                            "specified separated by comma")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        owner = None
        if parsed_args.project:
            owner = self.backend.find_project(parsed_args.project).id
        images = self.backend.images(
            visibility=parsed_args.visibility,
            name=parsed_args.name or None,
            status=parsed_args.status or None,
            tags=parsed_args.tag or None,
            owner=owner,
            is_hidden=parsed_args.is_hidden,
            member_status=parsed_args.member_status,
        )
        # The real client pages on the server (newest first), then filters and sorts.
        paging = argparse.Namespace(
            marker=None,
            limit=parsed_args.limit or None,
            max_items=parsed_args.max_items,
        )
        if parsed_args.marker:
            paging.marker = self.backend.find_image(parsed_args.marker).id
        images = paginate(images, paging)
        if parsed_args.property:
            images = filter_by_properties(images, parsed_args.property)
        images = sort_images(images, parsed_args.sort)
        if not parsed_args.long:
            return ("ID", "Name", "Status"), [(i.id, i.name, i.status) for i in images]
        rows = [
            (i.id, i.name, i.disk_format, i.container_format, i.size, i.checksum, i.status,
             i.visibility, i.is_protected, i.project_id, i.hash_algo, i.hash_value,
             ListColumn(list(i.tags)))
            for i in images
        ]
        return LONG_HEADERS, rows


class SaveImage(Command):
    """Save an image locally"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--chunk-size", type=int, default=1024, metavar="<chunk-size>",
                            help="Size in bytes to read from the wire and buffer at one time "
                            "(default: 1024)")
        parser.add_argument("--file", metavar="<filename>", dest="filename",
                            help="Downloaded image save filename (default: stdout)")
        parser.add_argument("--store-preference", metavar="<store>",
                            dest="store_preferences", action="append",
                            help="Preferred store to download the image from (repeat option "
                            "to specify multiple store preferences in order)")
        parser.add_argument("image", metavar="<image>", help="Image to save (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        image = self.backend.find_image(parsed_args.image)
        if parsed_args.store_preferences:
            raise CommandError(
                "Store selection for download is not available when multiple backends are "
                "not enabled."
            )
        # Checked before the output is opened: a refused download creates no file.
        chunks = self.backend.image_data(image, parsed_args.chunk_size)
        if not (image.hash_value or image.checksum):
            # openstacksdk's warning for an image without data (Glance sends none).
            LOG.warning("Unable to verify the integrity of image %s - no hash available",
                        image.id)
        if parsed_args.filename:
            try:
                with open(parsed_args.filename, "wb") as out:
                    for chunk in chunks:
                        out.write(chunk)
            except OSError as exc:
                # openstacksdk's wording for a file it cannot write the image to.
                raise CommandError(f"Unable to download image: {exc}") from exc
            return
        stdout = self.app.stdout
        stdout.flush()
        buffer = getattr(stdout, "buffer", None)
        for chunk in chunks:
            if buffer is not None:
                buffer.write(chunk)
            else:
                stdout.write(chunk.decode("utf-8", "surrogateescape"))
        if buffer is not None:
            buffer.flush()


class SetImage(Command):
    """Set image properties"""

    dead_options = ("visibility",)

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="Image to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="New image name")
        parser.add_argument("--min-disk", type=int, metavar="<disk-gb>",
                            help="Minimum disk size needed to boot image, in gigabytes")
        parser.add_argument("--min-ram", type=int, metavar="<ram-mb>",
                            help="Minimum RAM size needed to boot image, in megabytes")
        parser.add_argument("--container-format", metavar="<container-format>",
                            choices=CONTAINER_CHOICES,
                            help="Image container format. The supported options are: "
                            f"{', '.join(CONTAINER_CHOICES)}")
        parser.add_argument("--disk-format", metavar="<disk-format>", choices=DISK_CHOICES,
                            help="Image disk format. The supported options are: "
                            f"{', '.join(DISK_CHOICES)}")
        _add_protected(parser)
        _add_visibility(parser)
        parser.add_argument("--property", dest="properties", metavar="<key=value>",
                            action=KeyValueAction,
                            help="Set a property on this image "
                            "(repeat option to set multiple properties)")
        parser.add_argument("--tag", dest="tags", metavar="<tag>", default=None,
                            action="append",
                            help="Set a tag on this image (repeat option to set multiple tags)")
        parser.add_argument("--architecture", metavar="<architecture>",
                            help="Operating system architecture")
        parser.add_argument("--instance-id", metavar="<instance-id>",
                            help="ID of server instance used to create this image")
        parser.add_argument("--instance-uuid", metavar="<instance-id>", dest="instance_id",
                            help=argparse.SUPPRESS)
        parser.add_argument("--kernel-id", metavar="<kernel-id>",
                            help="ID of kernel image used to boot this disk image")
        parser.add_argument("--os-distro", metavar="<os-distro>",
                            help="Operating system distribution name")
        parser.add_argument("--os-version", metavar="<os-version>",
                            help="Operating system distribution version")
        parser.add_argument("--ramdisk-id", metavar="<ramdisk-id>",
                            help="ID of ramdisk image used to boot this disk image")
        activation = parser.add_mutually_exclusive_group()
        activation.add_argument("--deactivate", action="store_true",
                                help="Deactivate the image")
        activation.add_argument("--activate", action="store_true", help="Activate the image")
        parser.add_argument("--project", metavar="<project>",
                            help="Set an alternate project on this image (name or ID)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be "
                            "used in case collisions between project names exist.")
        for option in self.dead_options:
            parser.add_argument(f"--{option}", metavar=f"<{option}>",
                                dest=f"dead_{option.replace('-', '_')}",
                                help=argparse.SUPPRESS)
        membership = parser.add_mutually_exclusive_group()
        membership.add_argument("--accept", action="store_const", const="accepted",
                                dest="membership", default=None,
                                help="Accept the image membership for either the project "
                                "indicated by '--project', if provided, or the current "
                                "user's project")
        membership.add_argument("--reject", action="store_const", const="rejected",
                                dest="membership", default=None,
                                help="Reject the image membership for either the project "
                                "indicated by '--project', if provided, or the current "
                                "user's project")
        membership.add_argument("--pending", action="store_const", const="pending",
                                dest="membership", default=None,
                                help="Reset the image membership to 'pending'")
        hidden = parser.add_mutually_exclusive_group()
        hidden.add_argument("--hidden", dest="is_hidden", default=None, action="store_true",
                            help="Hide the image")
        hidden.add_argument("--unhidden", dest="is_hidden", default=None, action="store_false",
                            help="Unhide the image")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        for option in self.dead_options:
            if getattr(parsed_args, f"dead_{option.replace('-', '_')}", None):
                raise _v1_option_error(option)
        image = self.backend.find_image(parsed_args.image)
        project_id = None
        if parsed_args.project:
            # find_project_id_sdk: as given when the user may not look projects up.
            project_id = self.backend.find_project_id(
                parsed_args.project, domain=parsed_args.project_domain)
        if parsed_args.membership:
            # Before the other changes, as the real client: --project names whose membership
            # changes (the acting project's without it), not a new owner.
            self.backend.update_image_member(image, project_id, parsed_args.membership)
            project_id = None
        activate = True if parsed_args.activate else (False if parsed_args.deactivate else None)
        # Named options first, then --property on top, as the real client merges them.
        properties = {
            key: value
            for key in ("architecture", "instance_id", "kernel_id", "os_distro", "os_version",
                        "ramdisk_id")
            if (value := getattr(parsed_args, key)) is not None
        }
        properties.update(parsed_args.properties or {})
        changes = ImageChanges(
            name=parsed_args.name,
            min_disk=parsed_args.min_disk,
            min_ram=parsed_args.min_ram,
            disk_format=parsed_args.disk_format,
            container_format=parsed_args.container_format,
            visibility=parsed_args.visibility,
            is_protected=parsed_args.is_protected,
            is_hidden=parsed_args.is_hidden,
            project_id=project_id,
            set_properties=properties,
            add_tags=list(parsed_args.tags or []),
            activate=activate,
        )
        # openstacksdk sends no update without a change (a member accepting another
        # project's image changes nothing else of it).
        if changes != ImageChanges():
            self.backend.update_image(image, changes)


class ShowImage(ShowOne):
    """Display image details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--human-readable", default=False, action="store_true",
                            help="Print image size in a human-friendly format.")
        parser.add_argument("image", metavar="<image>", help="Image to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        image = self.backend.find_image(parsed_args.image)
        return image_fields(image, human_readable=parsed_args.human_readable)


class UnsetImage(Command):
    """Unset image tags and properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="Image to modify (name or ID)")
        parser.add_argument("--tag", dest="tags", metavar="<tag>", default=[], action="append",
                            help="Unset a tag on this image "
                            "(repeat option to unset multiple tags)")
        parser.add_argument("--property", dest="properties", metavar="<property-key>",
                            default=[], action="append",
                            help="Unset a property on this image "
                            "(repeat option to unset multiple properties)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        image = self.backend.find_image(parsed_args.image)
        failed_tags = 0
        for tag in parsed_args.tags:
            if tag not in image.tags:
                LOG.error("tag unset failed, '%s' is a nonexistent tag ", tag)
                failed_tags += 1
        remove: list[str] = []
        failed_properties = 0
        attrs = sdk_attributes(image)
        for key in parsed_args.properties:
            stored = glance_key(SDK_PROPERTY_ATTRS.get(key, key))
            if stored in image.properties:
                remove.append(key)
            elif key in attrs or key in SDK_CUSTOM_NAMES:
                # An attribute openstacksdk knows: Glance decides (a base attribute may not be
                # removed); one that is not set is no change at all.
                if attrs.get(SDK_CUSTOM_NAMES.get(key, key)) is not None:
                    remove.append(key)
            else:
                LOG.error("property unset failed, '%s' is a nonexistent property ", key)
                failed_properties += 1
        _unset_summary(failed_tags, len(parsed_args.tags),
                       failed_properties, len(parsed_args.properties))
        if parsed_args.tags or remove:
            self.backend.update_image(
                image, ImageChanges(remove_tags=list(parsed_args.tags), unset_properties=remove)
            )


def _unset_summary(tags: int, tag_total: int, props: int, prop_total: int) -> None:
    # The real client's texts (including the missing space after the comma).
    if tags and props:
        raise CommandError(
            f"Failed to unset {tags} of {tag_total} tags,"
            f"Failed to unset {props} of {prop_total} properties."
        )
    if tags:
        raise CommandError(f"Failed to unset {tags} of {tag_total} tags.")
    if props:
        raise CommandError(f"Failed to unset {props} of {prop_total} properties.")

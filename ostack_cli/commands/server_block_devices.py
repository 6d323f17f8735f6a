"""``server create``'s block devices as the real client builds them
(``openstackclient/compute/v2/server.py``): ``--volume``, ``--snapshot``,
``--boot-from-volume``, ``--swap``, ``--ephemeral``, ``--block-device`` and the older
``--block-device-mapping``, turned into Nova's block_device_mapping_v2 in the client's order,
with its checks and messages."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from ostack_cli.backend.api.quota import block_storage_quotas
from ostack_cli.backend.models.volume import BlockDevice
from ostack_cli.commands.base import MultiKeyValueAction
from ostack_cli.errors import BadRequest, CommandError

BLOCK_DEVICE_KEYS = ("uuid", "source_type", "destination_type", "disk_bus", "device_type",
                     "device_name", "volume_size", "guest_format", "boot_index",
                     "delete_on_termination", "tag", "volume_type")
# oslo's bool_from_str, strictly (what the real client reads delete_on_termination with).
TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")


class BlockDeviceMappingAction(argparse.Action):
    """``--block-device-mapping <dev-name>=<id>[:<type>[:<size>[:<delete-on-terminate>]]]``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        mappings = list(getattr(namespace, self.dest, None) or [])
        text = str(values)
        dev_name, _, rest = text.partition("=")
        parts = rest.split(":") if rest else []
        if not dev_name or not parts or len(parts) > 4:
            raise argparse.ArgumentError(
                self, f"Invalid argument {text}; argument must be of form "
                "'dev-name=id[:type[:size[:delete-on-terminate]]]'")
        mapping = {"device_name": dev_name, "uuid": parts[0], "source_type": "volume",
                   "destination_type": "volume"}
        if len(parts) > 1 and parts[1]:
            if parts[1] not in ("volume", "snapshot", "image"):
                raise argparse.ArgumentError(
                    self, f"Invalid argument {text}; 'type' must be one of: volume, snapshot, "
                    "image")
            mapping["source_type"] = parts[1]
        if len(parts) > 2 and parts[2]:
            mapping["volume_size"] = parts[2]
        if len(parts) > 3 and parts[3]:
            mapping["delete_on_termination"] = parts[3]
        mappings.append(mapping)
        setattr(namespace, self.dest, mappings)


class BlockDeviceAction(MultiKeyValueAction):
    """``--block-device``: a JSON file's path, or ``key=value,...`` of Nova's mapping keys."""

    optional_keys = BLOCK_DEVICE_KEYS

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if not os.path.exists(str(values)):
            super().__call__(parser, namespace, values, option_string)
            return
        with open(str(values)) as handle:
            data = json.load(handle)
        invalid = [k for k in data if k not in BLOCK_DEVICE_KEYS]
        if invalid:
            raise argparse.ArgumentError(
                self, f"Invalid keys {', '.join(invalid)} specified.\n"
                f"Valid keys are: {', '.join(BLOCK_DEVICE_KEYS)}")
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), data])


class EphemeralAction(MultiKeyValueAction):
    required_keys = ("size",)
    optional_keys = ("format",)


def add_block_device_options(parser: argparse.ArgumentParser) -> None:
    """The options after ``--image/--image-property/--volume/--snapshot``, in the real
    client's order."""
    parser.add_argument("--boot-from-volume", metavar="<volume-size>", type=int,
                        help="When used in conjunction with the ``--image`` or "
                        "``--image-property`` option, this option automatically creates a "
                        "block device mapping with a boot index of 0 and tells the compute "
                        "service to create a volume of the given size (in GB) from the "
                        "specified image and use it as the root disk of the server. The root "
                        "volume will not be deleted when the server is deleted. This option "
                        "is mutually exclusive with the ``--volume`` and ``--snapshot`` "
                        "options.")
    parser.add_argument("--delete-on-termination", action="store_true", default=False,
                        help="Delete the boot volume automatically when the server is deleted "
                        "(only valid with --boot-from-volume).")
    parser.add_argument("--block-device-mapping", metavar="<dev-name=mapping>",
                        action=BlockDeviceMappingAction, default=[],
                        help="**Deprecated** Create a block device on the server.\n"
                        "Block device mapping in the format\n"
                        "<dev-name>=<id>:<type>:<size(GB)>:<delete-on-terminate>\n"
                        "Replaced by --block-device")
    parser.add_argument("--block-device", metavar="<block-device>", action=BlockDeviceAction,
                        dest="block_devices", default=[],
                        help="Create a block device on the server.\nEither a path to a JSON "
                        "file or a CSV-serialized string describing the block device "
                        "mapping.\nThe following keys are accepted for both: uuid, "
                        "source_type, destination_type, disk_bus, device_type, device_name, "
                        "volume_size, guest_format, boot_index, delete_on_termination, tag, "
                        "volume_type")
    parser.add_argument("--swap", metavar="<swap>", type=int,
                        help="Create and attach a local swap block device of <swap_size> MiB.")
    parser.add_argument("--ephemeral", metavar="<size=size[,format=format]>",
                        action=EphemeralAction, dest="ephemerals", default=[],
                        help="Create and attach a local ephemeral block device of <size> GiB "
                        "and format it to <format>.")


def needs_block_storage(parsed_args: argparse.Namespace) -> bool:
    """``_server_create_needs_volume_client``."""
    return bool(parsed_args.volume or parsed_args.snapshot or any(
        m["source_type"] in ("volume", "snapshot") for m in parsed_args.block_device_mapping))


def uses_block_devices(parsed_args: argparse.Namespace) -> bool:
    """Whether the request carries mappings beyond the image's (a plain image boot does not
    need them: Nova makes the same one from the image)."""
    return bool(parsed_args.volume or parsed_args.snapshot or parsed_args.boot_from_volume
                or parsed_args.swap or parsed_args.ephemerals
                or parsed_args.block_device_mapping or parsed_args.block_devices)


def check_sources(backend: Any, parsed_args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The checks before the flavor is looked up: the block storage service, then the volume
    and snapshot to boot from (their IDs)."""
    if needs_block_storage(parsed_args) and \
            not block_storage_quotas(backend).has_block_storage():
        raise CommandError("Volume service is not available in the current cloud")
    volume_id = snapshot_id = None
    if parsed_args.volume:
        if parsed_args.boot_from_volume:
            raise CommandError("--volume is not allowed with --boot-from-volume")
        volume_id = backend.find_volume(parsed_args.volume).id
    if parsed_args.delete_on_termination and not parsed_args.boot_from_volume:
        raise CommandError("--delete-on-termination can only be used with --boot-from-volume")
    if parsed_args.snapshot:
        if parsed_args.boot_from_volume:
            raise CommandError("--snapshot is not allowed with --boot-from-volume")
        snapshot_id = backend.find_volume_snapshot(parsed_args.snapshot).id
    return volume_id, snapshot_id


def block_device_mappings(backend: Any, parsed_args: argparse.Namespace,
                          image_id: str | None, volume_id: str | None,
                          snapshot_id: str | None) -> list[BlockDevice]:
    """Nova's block_device_mapping_v2, as the real client sends it."""
    mappings: list[BlockDevice] = []
    if parsed_args.boot_from_volume:
        if not image_id:
            raise CommandError("An image (--image or --image-property) is required to support "
                               "--boot-from-volume option")
        mappings.append(BlockDevice(
            uuid=image_id, boot_index=0, source_type="image", destination_type="volume",
            volume_size=parsed_args.boot_from_volume,
            delete_on_termination=parsed_args.delete_on_termination))
    elif image_id:
        mappings.append(BlockDevice(uuid=image_id, boot_index=0, source_type="image",
                                    destination_type="local", delete_on_termination=True))
    elif volume_id:
        mappings.append(BlockDevice(uuid=volume_id, boot_index=0, source_type="volume",
                                    destination_type="volume"))
    elif snapshot_id:
        mappings.append(BlockDevice(uuid=snapshot_id, boot_index=0, source_type="snapshot",
                                    destination_type="volume", delete_on_termination=False))
    if parsed_args.swap:
        mappings.append(BlockDevice(boot_index=-1, source_type="blank",
                                    destination_type="local", guest_format="swap",
                                    volume_size=parsed_args.swap, delete_on_termination=True))
    for ephemeral in parsed_args.ephemerals:
        mappings.append(BlockDevice(
            boot_index=-1, source_type="blank", destination_type="local",
            delete_on_termination=True, volume_size=_nova_int("volume_size", ephemeral["size"]),
            guest_format=ephemeral.get("format")))
    for legacy in parsed_args.block_device_mapping:
        mappings.append(_legacy(backend, legacy))
    for mapping in parsed_args.block_devices:
        mappings.append(_block_device(dict(mapping)))
    if not any(m.boot_index == 0 for m in mappings):
        raise CommandError("An image (--image, --image-property) or bootable volume (--volume, "
                           "--snapshot, --block-device) is required")
    return mappings


def _legacy(backend: Any, mapping: dict[str, str]) -> BlockDevice:
    """One ``--block-device-mapping``, its volume, snapshot or image looked up by name or ID."""
    source = mapping["source_type"]
    if source == "volume":
        uuid = backend.find_volume(mapping["uuid"]).id
    elif source == "snapshot":
        uuid = backend.find_volume_snapshot(mapping["uuid"]).id
    else:
        uuid = backend.find_image(mapping["uuid"]).id
    size = mapping.get("volume_size")
    delete = mapping.get("delete_on_termination")
    return BlockDevice(
        source_type=source, destination_type="volume", uuid=uuid,
        device_name=mapping["device_name"],
        volume_size=_nova_int("volume_size", size) if size is not None else None,
        delete_on_termination=_nova_bool("delete_on_termination", delete)
        if delete is not None else None)


def _block_device(mapping: dict[str, Any]) -> BlockDevice:
    """One ``--block-device``, checked and completed as the real client does."""
    boot_index = None
    if "boot_index" in mapping:
        try:
            boot_index = int(mapping["boot_index"])
        except (TypeError, ValueError):
            raise CommandError("The boot_index key of --block-device should be an "
                               "integer") from None
    source = mapping.get("source_type", "blank")
    if source not in ("volume", "image", "snapshot", "blank"):
        raise CommandError("The source_type key of --block-device should be one of: volume, "
                           "image, snapshot, blank")
    if "destination_type" in mapping:
        destination = mapping["destination_type"]
        if destination not in ("local", "volume"):
            raise CommandError("The destination_type key of --block-device should be one of: "
                               "local, volume")
    else:
        destination = "local" if source == "blank" else "volume"
    delete: bool | None = None
    if "delete_on_termination" in mapping:
        value = str(mapping["delete_on_termination"]).strip().lower()
        if value not in TRUE_STRINGS + FALSE_STRINGS:
            raise CommandError("The delete_on_termination key of --block-device should be a "
                               "boolean-like value")
        delete = value in TRUE_STRINGS
    elif destination == "local":
        delete = True
    size = mapping.get("volume_size")
    return BlockDevice(
        source_type=source, destination_type=destination, uuid=mapping.get("uuid"),
        boot_index=boot_index,
        volume_size=_nova_int("volume_size", size) if size is not None else None,
        delete_on_termination=delete, device_name=mapping.get("device_name"),
        device_type=mapping.get("device_type"), disk_bus=mapping.get("disk_bus"),
        guest_format=mapping.get("guest_format"), tag=mapping.get("tag"),
        volume_type=mapping.get("volume_type"))


def _nova_int(field: str, value: Any) -> int:
    """A count as Nova's schema takes it (an integer, or a string of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if not text.isdigit():
        raise BadRequest(f"Invalid input for field/attribute {field}. Value: {text}. "
                         f"'{text}' does not match '^[0-9]+$'")
    return int(text)


def _nova_bool(field: str, value: str) -> bool:
    """A boolean as Nova's schema takes it (``parameter_types.boolean``'s spellings)."""
    spellings_true = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")
    spellings_false = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")
    if value in spellings_true or value in spellings_false:
        return value in spellings_true
    allowed = ", ".join(["True", *map(repr, spellings_true), "False",
                         *map(repr, spellings_false)])
    raise BadRequest(f"Invalid input for field/attribute {field}. Value: {value}. "
                     f"{value!r} is not one of [{allowed}]")

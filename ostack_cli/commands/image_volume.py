"""``image create --volume``: Cinder uploads a volume to the image service
(``openstackclient/image/v2/image.py`` ``_take_action_volume``)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ostack_cli.backend.models.volume import ImageUpload
from ostack_cli.commands.base import show_fields

LOG = logging.getLogger("ostack")

# Options Cinder's upload does not take: the real client warns of each one given (its own
# order is a set's; this one is fixed).
UNSUPPORTED = (("id", "id"), ("min_disk", "min_disk"), ("min_ram", "min_ram"),
               ("force", "force"), ("progress", "progress"), ("sign_key_path", "sign_key_path"),
               ("sign_cert_id", "sign_cert_id"), ("properties", "properties"),
               ("tags", "tags"), ("project", "project"), ("use_import", "import"))


def image_from_volume(backend: Any, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
    for dest, name in UNSUPPORTED:
        if getattr(parsed_args, dest, None):
            LOG.warning("'--%s' was given, which is not supported when creating an image "
                        "from a volume. This will be an error in a future version.", name)
    volume = backend.find_volume(parsed_args.volume)
    answer = dict(backend.upload_volume_to_image(volume, ImageUpload(
        name=parsed_args.name, disk_format=parsed_args.disk_format,
        container_format=parsed_args.container_format,
        visibility=parsed_args.visibility or "private",
        protected=parsed_args.is_protected or False, force=parsed_args.force,
    )))
    volume_type = answer.get("volume_type")
    answer["volume_type"] = volume_type.get("name") if isinstance(volume_type, dict) else None
    return show_fields(answer)

"""Images through Glance (openstacksdk's image proxy), call for call as the real client."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import IO, Any

from openstack import utils as sdk_utils
from openstack.image.v2 import _proxy as image_v2
from openstack.image.v2 import image as sdk_image

from ostack_cli.backend.cloud.base import CloudBase, unavailable
from ostack_cli.backend.cloud.errors import translate_errors, translated
from ostack_cli.backend.models.image import (
    SDK_PROPERTY_FIELDS,
    Image,
    ImageChanges,
    ImageImportRequest,
    ImageSpec,
)
from ostack_cli.backend.models.network import BootstrapItem
from ostack_cli.errors import OstackError

# Glance keys openstacksdk has its own attribute names for (python-openstackclient's table).
CUSTOM_NAMES = {
    "os_hidden": "is_hidden",
    "protected": "is_protected",
    "os_hash_algo": "hash_algo",
    "os_hash_value": "hash_value",
    "img_config_drive": "needs_config_drive",
    "os_secure_boot": "needs_secure_boot",
    "hw_vif_multiqueue_enabled": "is_hw_vif_multiqueue_enabled",
    "hw_boot_menu": "is_hw_boot_menu_enabled",
    "auto_disk_config": "has_auto_disk_config",
}


def _property_text(value: Any) -> str:
    # Glance keeps properties as text; openstacksdk typed the ones it knows.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def image_from_sdk(image: sdk_image.Image) -> Image:
    properties = {str(k): v for k, v in (image.properties or {}).items()}
    for attr, key, _ in SDK_PROPERTY_FIELDS:
        value = getattr(image, attr, None)
        if value is not None:
            properties[key] = _property_text(value)
    return Image(
        id=image.id,
        name=image.name,
        project_id=image.owner,
        status=image.status,
        visibility=image.visibility,
        is_protected=image.is_protected,
        is_hidden=image.is_hidden,
        disk_format=image.disk_format,
        container_format=image.container_format,
        min_disk=image.min_disk,
        min_ram=image.min_ram,
        size=image.size,
        virtual_size=image.virtual_size,
        checksum=image.checksum,
        hash_algo=image.hash_algo,
        hash_value=image.hash_value,
        tags=list(image.tags or []),
        properties=properties,
        created_at=image.created_at,
        updated_at=image.updated_at,
    )


@translate_errors
class CloudImages(CloudBase):
    @property
    def _glance(self) -> image_v2.Proxy:
        return sdk_utils.ensure_service_version(self.conn.image, "2")

    def images(
        self,
        *,
        visibility: str | None = None,
        name: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        owner: str | None = None,
        is_hidden: bool = False,
        member_status: str | None = None,
    ) -> list[Image]:
        query: dict[str, Any] = {k: v for k, v in (
            ("visibility", visibility), ("name", name), ("status", status), ("owner", owner),
            ("member_status", member_status),
        ) if v is not None}
        if tags:
            query["tag"] = list(tags)
        if is_hidden:
            query["is_hidden"] = True
        found = [image_from_sdk(i) for i in self._glance.images(**query)]
        # "all" lists more than Glance's default (community images), never less.
        if visibility in (None, "all") and query.keys() <= {"visibility"}:
            self._cache_list("image", found)
        return found

    def find_image(self, name_or_id: str) -> Image:
        return image_from_sdk(self._glance.find_image(name_or_id, ignore_missing=False))

    def create_image(
        self, spec: ImageSpec, data: IO[bytes] | None = None, *, use_import: bool = False
    ) -> Image:
        kwargs: dict[str, Any] = {"allow_duplicates": True, "name": spec.name}
        for attr in ("id", "container_format", "disk_format", "min_disk", "min_ram"):
            if getattr(spec, attr):
                kwargs[attr] = getattr(spec, attr)
        if spec.tags:
            kwargs["tags"] = list(spec.tags)
        kwargs.update({k: str(v) for k, v in spec.properties.items()})
        if spec.is_protected is not None:
            kwargs["is_protected"] = spec.is_protected
        if spec.visibility is not None:
            kwargs["visibility"] = spec.visibility
        if spec.project_id:
            kwargs["owner_id"] = spec.project_id
        if data is not None:
            kwargs["validate_checksum"] = False
            kwargs["data"] = data
        if use_import:
            kwargs["use_import"] = True
        image = self._glance.create_image(**kwargs)
        # create_image answers with the image as it was before the upload.
        return image_from_sdk(self._glance.get_image(image))

    def stage_image(self, image: Image, data: IO[bytes]) -> Image:
        # openstacksdk checks the status of the image it is given, so give it Glance's.
        proxy = self._glance
        return image_from_sdk(proxy.stage_image(proxy.get_image(image.id), data=data))

    def import_image(self, image: Image, request: ImageImportRequest) -> None:
        proxy = self._glance
        proxy.import_image(
            proxy.get_image(image.id), method=request.method, uri=request.uri,
            remote_region=request.remote_region, remote_image_id=request.remote_image_id,
            remote_service_interface=request.remote_service_interface,
            stores=list(request.stores) if request.stores is not None else None,
            all_stores=request.all_stores,
            all_stores_must_succeed=request.all_stores_must_succeed)

    def image_import_methods(self) -> list[str]:
        methods = self._glance.get_import_info().import_methods or {}
        return [str(m) for m in methods.get("value", [])]

    def update_image(self, image: Image, changes: ImageChanges) -> Image:
        proxy = self._glance
        if changes.activate is False:
            proxy.deactivate_image(image.id)
        elif changes.activate is True:
            proxy.reactivate_image(image.id)
        for tag in changes.remove_tags:
            proxy.remove_tag(image.id, tag)
        kwargs: dict[str, Any] = {}
        for attr in ("name", "min_disk", "min_ram", "container_format", "disk_format",
                     "visibility", "is_protected", "is_hidden"):
            value = getattr(changes, attr)
            if value is not None:
                kwargs[attr] = value
        if changes.project_id is not None:
            kwargs["owner_id"] = changes.project_id
        kwargs.update({k: str(v) for k, v in changes.set_properties.items()})
        if changes.add_tags:
            kwargs["tags"] = list(set(image.tags).union(changes.add_tags))
        if changes.unset_properties:
            current = proxy.get_image(image.id)
            for key in changes.unset_properties:
                if key in current:
                    delattr(current, key)
                elif key in (current.properties or {}):
                    # The SDK sees a change of ``properties`` only as a new dict.
                    props = dict(kwargs.get("properties", current["properties"]))
                    props.pop(key, None)
                    kwargs["properties"] = props
                elif key in CUSTOM_NAMES and CUSTOM_NAMES[key] in current:
                    delattr(current, CUSTOM_NAMES[key])
            return image_from_sdk(proxy.update_image(current, **kwargs))
        if kwargs:
            return image_from_sdk(proxy.update_image(image.id, **kwargs))
        return image_from_sdk(proxy.get_image(image.id))

    def delete_image(self, image: Image) -> None:
        self._glance.delete_image(image.id, ignore_missing=False)

    def register_test_image(self) -> list[BootstrapItem]:
        # The test guest image is built on, and registered for, the local host only.
        raise unavailable("Registering the local test image")

    def image_data(self, image: Image, chunk_size: int = 65536) -> Iterator[bytes]:
        response = translated(self._glance.download_image)(image.id, stream=True)
        if image.hash_algo and image.hash_value:
            hasher, expected, algo = hashlib.new(image.hash_algo), image.hash_value, image.hash_algo
        elif image.checksum:
            hasher, expected, algo = hashlib.md5(usedforsecurity=False), image.checksum, "md5"
        else:
            hasher, expected, algo = None, None, None
        return _checked(response, chunk_size, hasher, expected, algo)


def _checked(
    response: Any, chunk_size: int, hasher: Any, expected: str | None, algo: str | None
) -> Iterator[bytes]:
    try:
        for chunk in response.iter_content(chunk_size=chunk_size):
            if hasher is not None:
                hasher.update(chunk)
            yield chunk
    finally:
        response.close()
    if hasher is not None and hasher.hexdigest() != expected:
        # openstacksdk's words, as the real client prints them.
        raise OstackError(
            f"Unable to download image: checksum mismatch ({algo}): {expected} != "
            f"{hasher.hexdigest()}"
        )

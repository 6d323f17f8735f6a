"""Images in the local store and under the state directory, as Glance keeps them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ostack_cli.backend.local import image_files
from ostack_cli.backend.local.base import LocalBase
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.image import (
    BASE,
    BASE_OPTIONS,
    CONTAINER_FORMATS,
    DISALLOWED,
    DISK_FORMATS,
    MAX_INT,
    MAX_NAME,
    MAX_PROPERTY_KEY,
    MAX_TAG,
    PROPERTY_QUOTA,
    READ_ONLY,
    SDK_PROPERTY_ATTRS,
    TAG_QUOTA,
    VISIBILITIES,
    Image,
    ImageChanges,
    ImageSpec,
    glance_key,
    is_reserved,
    sdk_upload_properties,
)
from ostack_cli.errors import BadRequest, Conflict, Forbidden, NotFound, QuotaExceeded

UUID_PATTERN = (
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
)
DEACTIVATED_DOWNLOAD = (
    "The requested image has been deactivated. Image data download is forbidden."
)


class LocalImages(LocalBase):
    # -- reading -------------------------------------------------------------------------

    def images(
        self,
        *,
        visibility: str | None = None,
        name: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        owner: str | None = None,
        is_hidden: bool = False,
    ) -> list[Image]:
        result = []
        for image in self.store.list(Image):
            if not self._listed(image, visibility):
                continue
            if image.is_hidden != is_hidden:
                continue
            if name is not None and image.name != name:
                continue
            if status is not None and image.status != status:
                continue
            if owner is not None and image.project_id != owner:
                continue
            if tags and not set(tags) <= set(image.tags):
                continue
            result.append(image)
        # Glance's default order: newest first, ID breaking ties.
        return sorted(result, key=lambda i: (i.created_at, i.id), reverse=True)

    def find_image(self, name_or_id: str) -> Image:
        return self._find(Image, name_or_id, visible=self._image_visible)

    def image_file(self, image: Image) -> Path:
        """Where the image's bytes are (local backend only: what a VM's disk is built from)."""
        return image_files.image_path(self.state_dir, image.id)

    def image_data(self, image: Image, chunk_size: int = image_files.CHUNK) -> Iterator[bytes]:
        current = self.store.get(Image, image.id) or image
        if current.status == "deactivated":
            raise Forbidden(DEACTIVATED_DOWNLOAD)
        if current.status != "active":
            # Glance answers 204 No Content: there is nothing to download yet.
            return iter(())
        path = self.image_file(current)
        if not path.is_file():
            raise NotFound(
                f"The data of image {current.id} is missing from {path}.",
                "Delete the image and upload it again.",
            )
        return image_files.read_chunks(path, max(chunk_size, 1), current.hash_value)

    def _check_owner(self, image: Image, action: str) -> None:
        # Glance's default policy: only the owning project changes an image.
        if image.project_id != self.project_id:
            raise Forbidden(f"You are not authorized to complete {action} action.")

    def _image_visible(self, image: Image) -> bool:
        # Members are not modelled: a shared image is visible to its owner only.
        return image.project_id == self.project_id or image.visibility in ("public", "community")

    def _listed(self, image: Image, visibility: str | None) -> bool:
        own = image.project_id == self.project_id
        if visibility is None:
            # Glance's default list leaves out other projects' community images.
            return own or image.visibility == "public"
        if visibility == "all":
            return self._image_visible(image)
        if visibility in ("private", "shared"):
            return own and image.visibility == visibility
        return image.visibility == visibility

    # -- writing -------------------------------------------------------------------------

    def create_image(self, spec: ImageSpec, data: IO[bytes] | None = None) -> Image:
        """Glance's create + upload in one step; the upload is checked before anything is kept.

        ``data`` None makes a ``queued`` image without data, as Glance does.
        """
        _check_spec(spec)
        properties = _normalise_properties(spec.properties)
        properties = {**sdk_upload_properties(spec.name), **properties}
        _check_properties(properties)
        image_id = spec.id or new_id()
        if self.store.get(Image, image_id) is not None:
            raise _duplicate_id(image_id)
        now = utcnow()
        image = Image(
            id=image_id,
            name=spec.name,
            project_id=spec.project_id or self.project_id,
            status="queued",
            visibility=spec.visibility or "shared",
            is_protected=bool(spec.is_protected),
            disk_format=spec.disk_format,
            container_format=spec.container_format,
            min_disk=spec.min_disk or 0,
            min_ram=spec.min_ram or 0,
            tags=_unique(spec.tags),
            properties=properties,
            created_at=now,
            updated_at=now,
        )
        if data is None:
            with self.store.transaction():
                if self.store.get(Image, image.id) is not None:
                    raise _duplicate_id(image.id)
                self.store.insert(image)
            return image
        return self._upload(image, data)

    def _upload(self, image: Image, data: IO[bytes]) -> Image:
        directory = image_files.images_dir(self.state_dir)
        image_files.sweep_stale_uploads(directory)
        final = image_files.image_path(self.state_dir, image.id)
        staged = image_files.stage(directory, data)
        published = False
        try:
            virtual_size = image_files.inspect(staged.path, image.disk_format or "raw")
            image = image.replace(
                status="active",
                size=staged.size,
                virtual_size=virtual_size,
                checksum=staged.checksum,
                hash_algo=image_files.HASH_ALGO,
                hash_value=staged.hash_value,
                updated_at=utcnow(),
            )
            with self.store.transaction():
                if self.store.get(Image, image.id) is not None:
                    raise _duplicate_id(image.id)
                self.store.insert(image)
                image_files.publish(staged.path, final)
                published = True
        except BaseException:
            staged.path.unlink(missing_ok=True)
            if published:
                # The rename happened but the record did not commit.
                final.unlink(missing_ok=True)
            raise
        return image

    def update_image(self, image: Image, changes: ImageChanges) -> Image:
        _check_changes(changes)
        set_properties = _normalise_properties(changes.set_properties)
        with self.store.transaction():
            current = self.store.get(Image, image.id)
            if current is None:
                raise NotFound(f"No image found with ID {image.id}")
            self._check_owner(current, "modify_image")
            updated = _apply(current, changes, set_properties)
            if updated == current:
                return current
            updated = updated.replace(updated_at=utcnow())
            self.store.update(updated)
        return updated

    def delete_image(self, image: Image) -> None:
        with self.store.transaction():
            current = self.store.get(Image, image.id)
            if current is None:
                raise NotFound(f"No image found with ID {image.id}")
            self._check_owner(current, "delete_image")
            if current.is_protected:
                raise Forbidden(f"Image {current.id} is protected and cannot be deleted.")
            self.store.delete(Image, current.id)
        # After the commit: a crash here leaves an orphan file, never a record without data.
        self.image_file(current).unlink(missing_ok=True)


# -- Glance's rules --------------------------------------------------------------------------

def _schema_error(detail: str) -> BadRequest:
    return BadRequest(f"Provided object does not match schema 'image': {detail}")


def _duplicate_id(image_id: str) -> Conflict:
    return Conflict(f"Image ID {image_id} already exists!")


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _check_name(name: str) -> None:
    if len(name) > MAX_NAME:
        raise _schema_error(
            f"'name' is too long ({len(name)} characters; the maximum is {MAX_NAME})"
        )


def _check_enum(value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise _schema_error(f"{value!r} is not one of {[None, *allowed]}")


def _check_size_limit(field: str, value: int | None) -> None:
    if value is None:
        return
    if value < 0:
        raise BadRequest(
            f"Invalid value '{value}' for parameter '{field}': Cannot be a negative value"
        )
    if value > MAX_INT:
        raise BadRequest(
            f"Invalid value '{value}' for parameter '{field}': must be at most {MAX_INT}"
        )


def _check_tags(tags: list[str]) -> None:
    for tag in tags:
        if len(tag) > MAX_TAG:
            raise _schema_error(
                f"tag is too long ({len(tag)} characters; the maximum is {MAX_TAG})"
            )


def _check_tag_quota(count: int) -> None:
    if count > TAG_QUOTA:
        raise QuotaExceeded(
            "The limit has been exceeded on the number of allowed image tags. "
            f"Attempted: {count}, Maximum: {TAG_QUOTA}"
        )


def _check_spec(spec: ImageSpec) -> None:
    _check_name(spec.name)
    if spec.id is not None and not re.match(UUID_PATTERN, spec.id):
        raise _schema_error(f"{spec.id!r} does not match {UUID_PATTERN!r}")
    _check_enum(spec.disk_format, DISK_FORMATS)
    _check_enum(spec.container_format, CONTAINER_FORMATS)
    _check_enum(spec.visibility, VISIBILITIES)
    _check_size_limit("min_disk", spec.min_disk)
    _check_size_limit("min_ram", spec.min_ram)
    _check_tags(spec.tags)
    _check_tag_quota(len(set(spec.tags)))


def _check_changes(changes: ImageChanges) -> None:
    if changes.name is not None:
        _check_name(changes.name)
    _check_enum(changes.disk_format, DISK_FORMATS)
    _check_enum(changes.container_format, CONTAINER_FORMATS)
    _check_enum(changes.visibility, VISIBILITIES)
    _check_size_limit("min_disk", changes.min_disk)
    _check_size_limit("min_ram", changes.min_ram)
    _check_tags(changes.add_tags)


# openstacksdk attribute names of properties Glance knows under another name.
_SDK_PROPERTY_RENAMES = {a: k for a, k in SDK_PROPERTY_ATTRS.items() if a != k}


def _normalise_properties(properties: dict[str, str]) -> dict[str, str]:
    """``--property`` keys as openstacksdk sends them; refuse what Glance refuses."""
    result: dict[str, str] = {}
    for key, value in properties.items():
        key = _SDK_PROPERTY_RENAMES.get(key, key)
        name = glance_key(key)
        if name in DISALLOWED or name in READ_ONLY:
            raise Forbidden(f"Attribute '{name}' is read-only.")
        if is_reserved(name):
            raise Forbidden(f"Attribute '{name}' is reserved.")
        if name in BASE:
            option = BASE_OPTIONS.get(name)
            hint = f"use {option} instead" if option else "it cannot be set as a property"
            raise BadRequest(f"'{key}' is an image attribute, not a property: {hint}.")
        if len(key) > MAX_PROPERTY_KEY:
            raise BadRequest("Custom property should not be greater than 255 characters.")
        result[key] = str(value)
    return result


def _check_properties(properties: dict[str, str]) -> None:
    if len(properties) > PROPERTY_QUOTA:
        raise QuotaExceeded(
            "The limit has been exceeded on the number of allowed image properties. "
            f"Attempted: {len(properties)}, Maximum: {PROPERTY_QUOTA}"
        )


def _remove_property(properties: dict[str, str], key: str) -> None:
    key = _SDK_PROPERTY_RENAMES.get(key, key)
    name = glance_key(key)
    if name in properties:
        del properties[name]
    elif name in READ_ONLY:
        raise Forbidden(f"Attribute '{name}' is read-only.")
    elif is_reserved(name):
        raise Forbidden(f"Attribute '{name}' is reserved.")
    elif name in BASE:
        raise Forbidden(f"Property {name} may not be removed.")
    else:
        raise Conflict(f"Property {name} does not exist.")


def _new_status(image: Image, activate: bool | None) -> str:
    if activate is None or image.status == ("active" if activate else "deactivated"):
        return image.status
    if activate and image.status == "deactivated":
        return "active"
    if not activate and image.status == "active":
        return "deactivated"
    verb = "reactivate" if activate else "deactivate"
    raise Forbidden(f"Not allowed to {verb} image in status '{image.status}'")


def _apply(current: Image, changes: ImageChanges, set_properties: dict[str, str]) -> Image:
    status = _new_status(current, changes.activate)
    for field, value in (
        ("disk_format", changes.disk_format),
        ("container_format", changes.container_format),
    ):
        if value is not None and value != getattr(current, field) and current.status not in (
            "queued", "importing"
        ):
            raise Forbidden(f"Attribute {field} can be only replaced for a queued image.")
    properties = dict(current.properties)
    properties.update(set_properties)
    for key in changes.unset_properties:
        _remove_property(properties, key)
    _check_properties(properties)
    tags = list(current.tags)
    for tag in changes.remove_tags:
        if tag not in tags:
            raise NotFound(f"Tag {tag} not found on image {current.id}.")
        tags.remove(tag)
    tags = _unique(tags + changes.add_tags)
    if len(tags) > len(current.tags):
        _check_tag_quota(len(tags))

    def pick(value: object, old: object) -> object:
        return old if value is None else value

    return current.replace(
        name=pick(changes.name, current.name),
        min_disk=pick(changes.min_disk, current.min_disk),
        min_ram=pick(changes.min_ram, current.min_ram),
        disk_format=pick(changes.disk_format, current.disk_format),
        container_format=pick(changes.container_format, current.container_format),
        visibility=pick(changes.visibility, current.visibility),
        is_protected=pick(changes.is_protected, current.is_protected),
        is_hidden=pick(changes.is_hidden, current.is_hidden),
        project_id=pick(changes.project_id, current.project_id),
        status=status,
        properties=properties,
        tags=tags,
    )

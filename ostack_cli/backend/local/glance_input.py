"""Glance's rules for image requests, as pure functions, with Glance's messages."""

from __future__ import annotations

import re

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
)
from ostack_cli.errors import BadRequest, Conflict, Forbidden, NotFound, QuotaExceeded

UUID_PATTERN = (
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
)


def _schema_error(detail: str) -> BadRequest:
    return BadRequest(f"Provided object does not match schema 'image': {detail}")


def duplicate_id(image_id: str) -> Conflict:
    return Conflict(f"Image ID {image_id} already exists!")


def unique(items: list[str]) -> list[str]:
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
        # Glance's words (realstack, on create and on update alike)
        raise BadRequest(f"'{field}' value out of range, must not exceed {MAX_INT}.")


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


def check_spec(spec: ImageSpec) -> None:
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


def check_changes(changes: ImageChanges) -> None:
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


def normalise_properties(properties: dict[str, str]) -> dict[str, str]:
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


def check_properties(properties: dict[str, str]) -> None:
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


def apply_changes(current: Image, changes: ImageChanges, set_properties: dict[str, str]) -> Image:
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
    check_properties(properties)
    tags = list(current.tags)
    for tag in changes.remove_tags:
        if tag not in tags:
            raise NotFound(f"Tag {tag} not found on image {current.id}.")
        tags.remove(tag)
    tags = unique(tags + changes.add_tags)
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

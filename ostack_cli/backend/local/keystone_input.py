"""Keystone's request schemas for names and project attributes, with its messages
(keystone/api/validation: ``Invalid input for field/attribute <field>. Value: <value>.
<jsonschema's message>``)."""

from __future__ import annotations

from typing import Any

from ostack_cli.errors import BadRequest

NAME_PATTERN = r"[\S]+"
USER_NAME_MAX = ROLE_NAME_MAX = 255
PROJECT_NAME_MAX = 64
# keystone.common.validation.parameter_types.boolean: what a boolean field accepts.
BOOLEAN_VALUES: tuple[Any, ...] = (
    True, "True", "TRUE", "true", False, "False", "FALSE", "false", "", "1", "0", "y", "Y",
    "n", "N", "on", "ON", "off", "OFF", "yes", "no",
)
_TRUE = frozenset({"True", "TRUE", "true", "1", "y", "Y", "on", "ON", "yes"})


def schema_error(field: str, value: Any, message: str) -> BadRequest:
    return BadRequest(f"Invalid input for field/attribute {field}. Value: {value}. {message}")


def check_name(name: str, max_length: int) -> None:
    """``name``: 1 to ``max_length`` characters, not only blanks."""
    if not name:
        raise schema_error("name", name, f"{name!r} should be non-empty")
    if len(name) > max_length:
        raise schema_error("name", name, f"{name!r} is too long")
    if not any(not c.isspace() for c in name):
        raise schema_error("name", name, f"{name!r} does not match {NAME_PATTERN!r}")


def required_name(resource: str, body: dict[str, Any]) -> BadRequest:
    """The client sends no ``name`` when it is empty: Keystone's answer then."""
    return schema_error(resource, body, "'name' is a required property")


def keystone_boolean(field: str, value: Any) -> bool:
    if value not in BOOLEAN_VALUES:
        raise schema_error(field, value, f"{value!r} is not one of {list(BOOLEAN_VALUES)!r}")
    return value is True or value in _TRUE


def check_type(field: str, value: Any, expected: str) -> None:
    """A value of the wrong JSON type, in jsonschema's words."""
    python = {"array": list, "object": dict, "string": str}[expected]
    if not isinstance(value, python):
        raise schema_error(field, value, f"{value!r} is not of type {expected!r}")

"""Request bodies checked against JSON schemas, with jsonschema's words.

Nova, Keystone and Glance validate bodies with the ``jsonschema`` package and put its message
in their 400s; this is the subset of JSON Schema their schemas use (``type``, ``properties``,
``required``, ``additionalProperties``, ``minLength``/``maxLength``, ``pattern``, ``enum``,
``minimum``/``maximum``, ``items``, ``minItems``/``maxItems``, ``uniqueItems``, ``format:
uuid``, ``anyOf``), with the same first error and the same message text, without the package
(and its compiled dependencies) in the API process.

``validate(schema, value)`` raises :class:`SchemaError`; each service words it its own way
(``keystone_message``/``nova_message`` here, Glance's ``str(error)`` form is
:meth:`SchemaError.details`). Validate before touching the store: a refused body stores
nothing.
"""

from __future__ import annotations

import pprint
import re
import textwrap
import uuid
from collections.abc import Iterator
from typing import Any

Schema = dict[str, Any]

_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


class SchemaError(ValueError):
    """The first way ``instance`` breaks the schema, as ``jsonschema.ValidationError`` has it:
    ``path`` (the keys and indexes down to the bad value), ``instance`` (that value),
    ``message``, ``validator`` (the keyword), and the schema holding the keyword."""

    def __init__(self, message: str, *, path: tuple[Any, ...], instance: Any, validator: str,
                 schema: Schema, schema_path: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.instance = instance
        self.validator = validator
        self.schema = schema
        self.schema_path = schema_path

    def details(self) -> str:
        """``str(jsonschema.ValidationError)``: the message, the failing keyword and the
        schema and instance around it (Glance's 400 and Keystone's auth body show this)."""
        def where(root: str, path: tuple[Any, ...]) -> str:
            return root + "".join(f"[{p!r}]" for p in path)

        def block(value: Any) -> str:
            return textwrap.indent(pprint.pformat(value, width=72, sort_dicts=False), "    ")

        schema_where = where("schema", self.schema_path[:-1])
        instance_where = where("instance", self.path)
        return (f"{self.message}\n\nFailed validating {self.validator!r} in {schema_where}:\n"
                f"{block(self.schema)}\n\nOn {instance_where}:\n{block(self.instance)}")


def validate(schema: Schema, instance: Any) -> None:
    """Raise :class:`SchemaError` for the first error jsonschema would report."""
    error = next(_errors(schema, instance, (), ()), None)
    if error is not None:
        raise error


def is_valid(schema: Schema, instance: Any) -> bool:
    return next(_errors(schema, instance, (), ()), None) is None


def field_message(error: SchemaError) -> str:
    """Nova's and Keystone's words for a body error: the field, its value and jsonschema's
    message (``Invalid input for field/attribute name. Value: 5. 5 is not of type
    'string'``); an error on the body itself is the bare message."""
    if not error.path:
        return error.message
    return (f"Invalid input for field/attribute {error.path[-1]}. Value: {error.instance}. "
            f"{error.message}")


def _errors(schema: Schema, value: Any, path: tuple[Any, ...],
            schema_path: tuple[Any, ...]) -> Iterator[SchemaError]:
    def error(keyword: str, message: str) -> SchemaError:
        return SchemaError(message, path=path, instance=value, validator=keyword,
                           schema=schema, schema_path=(*schema_path, keyword))

    for keyword, expected in schema.items():
        if keyword == "type":
            names = expected if isinstance(expected, list) else [expected]
            if not any(_TYPES[name](value) for name in names):
                yield error(keyword, f"{value!r} is not of type "
                                     f"{', '.join(repr(n) for n in names)}")
        elif keyword == "enum":
            if not any(_same(value, choice) for choice in expected):
                yield error(keyword, f"{value!r} is not one of {expected!r}")
        elif keyword == "anyOf":
            if not any(next(_errors(sub, value, path, (*schema_path, keyword, i)), None) is None
                       for i, sub in enumerate(expected)):
                yield error(keyword, f"{value!r} is not valid under any of the given schemas")
        elif isinstance(value, str):
            yield from _string_errors(keyword, expected, value, error)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if keyword == "minimum" and value < expected:
                yield error(keyword, f"{value!r} is less than the minimum of {expected!r}")
            elif keyword == "maximum" and value > expected:
                yield error(keyword, f"{value!r} is greater than the maximum of {expected!r}")
        elif isinstance(value, dict):
            yield from _object_errors(keyword, expected, schema, value, path, schema_path, error)
        elif isinstance(value, list):
            yield from _array_errors(keyword, expected, value, path, schema_path, error)


def _string_errors(keyword: str, expected: Any, value: str, error: Any) -> Iterator[SchemaError]:
    if keyword == "minLength" and len(value) < expected:
        yield error(keyword, f"{value!r} should be non-empty" if expected == 1
                    else f"{value!r} is too short")
    elif keyword == "maxLength" and len(value) > expected:
        yield error(keyword, f"{value!r} is too long")
    elif keyword == "pattern" and not re.search(expected, value):
        yield error(keyword, f"{value!r} does not match {expected!r}")
    elif keyword == "format" and expected == "uuid" and not _is_uuid(value):
        yield error(keyword, f"{value!r} is not a {expected!r}")


def _object_errors(keyword: str, expected: Any, schema: Schema, value: dict[str, Any],
                   path: tuple[Any, ...], schema_path: tuple[Any, ...],
                   error: Any) -> Iterator[SchemaError]:
    if keyword == "properties":
        for name, sub in expected.items():
            if name in value:
                yield from _errors(sub, value[name], (*path, name),
                                   (*schema_path, keyword, name))
    elif keyword == "required":
        for name in expected:
            if name not in value:
                yield error(keyword, f"{name!r} is a required property")
    elif keyword == "additionalProperties":
        extras = [k for k in value if k not in schema.get("properties", {})]
        if expected is False and extras:
            names = ", ".join(repr(k) for k in sorted(extras, key=str))
            verb = "was" if len(extras) == 1 else "were"
            yield error(keyword, f"Additional properties are not allowed ({names} {verb} "
                                 "unexpected)")
        elif isinstance(expected, dict):
            for name in extras:
                yield from _errors(expected, value[name], (*path, name),
                                   (*schema_path, keyword))
    elif keyword == "minProperties" and len(value) < expected:
        yield error(keyword, f"{value!r} should be non-empty" if expected == 1
                    else f"{value!r} does not have enough properties")
    elif keyword == "maxProperties" and len(value) > expected:
        yield error(keyword, f"{value!r} has too many properties")


def _array_errors(keyword: str, expected: Any, value: list[Any], path: tuple[Any, ...],
                  schema_path: tuple[Any, ...], error: Any) -> Iterator[SchemaError]:
    if keyword == "items":
        for index, item in enumerate(value):
            yield from _errors(expected, item, (*path, index), (*schema_path, keyword))
    elif keyword == "minItems" and len(value) < expected:
        yield error(keyword, f"{value!r} should be non-empty" if expected == 1
                    else f"{value!r} is too short")
    elif keyword == "maxItems" and len(value) > expected:
        yield error(keyword, f"{value!r} is too long")
    elif keyword == "uniqueItems" and expected and _has_duplicates(value):
        yield error(keyword, f"{value!r} has non-unique elements")


def _same(a: Any, b: Any) -> bool:
    # JSON Schema tells booleans from numbers: True is not one of [1].
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _has_duplicates(items: list[Any]) -> bool:
    seen: list[Any] = []
    for item in items:
        if any(_same(item, other) for other in seen):
            return True
        seen.append(item)
    return False


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True

"""Load a part of the cloud backend the first time one of its names is used (issue 13).

Importing all ~37 parts and their models costs ~90 ms; a command uses one or two. The backend
starts as its core class; asking it for a name it lacks imports the part that serves the name
(per ``part_index``) and moves the instance to a class made of the core plus every part loaded
so far, in the whole class's base order, so names resolve as ``parts.CloudParts`` resolves them,
parts call each other through ``self`` and keep their state on it as before.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.part_index import NAMES, PARTS

# (core class, parts loaded) -> the class made of them: one per combination a process uses.
_MADE: dict[tuple[type, tuple[type, ...]], type] = {}


def part_serving(name: str) -> type | None:
    """The part that serves ``name`` (imported now), or None when no part does."""
    position = NAMES.get(name)
    if position is None:
        return None
    module, qualname = PARTS[position]
    # __import__, not importlib.import_module: only the former shows in ``-X importtime``.
    part: type = getattr(__import__(module, fromlist=[qualname]), qualname)
    return part


def _position(part: type) -> int:
    return PARTS.index((part.__module__, part.__qualname__))


def with_part(current: type, part: type) -> type:
    """``current`` (a core class or one made here) with ``part`` among its parts."""
    loaded: tuple[type, ...] | None = current.__dict__.get("_loaded_parts")
    core = current if loaded is None else current.__bases__[0]
    parts = tuple(sorted({*(loaded or ()), part}, key=_position))
    made = _MADE.get((core, parts))
    if made is None:
        namespace = {"__module__": core.__module__, "__qualname__": core.__qualname__,
                     "__doc__": core.__doc__, "_loaded_parts": parts}
        made = _MADE[(core, parts)] = type(core.__name__, (core, *parts), namespace)
    return made


def resolve(backend: object, name: str) -> Any:
    """``backend``'s attribute ``name``, loading the part that serves it; AttributeError as
    usual when no part does (so ``hasattr``/``getattr(..., default)`` behave as before)."""
    part = part_serving(name)
    if part is None or isinstance(backend, part):
        raise AttributeError(f"{type(backend).__name__!r} object has no attribute {name!r}")
    backend.__class__ = with_part(type(backend), part)
    return getattr(backend, name)

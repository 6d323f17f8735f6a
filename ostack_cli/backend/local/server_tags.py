"""Server tags (Nova's server_tags API, microversion 2.26+): validated and counted as Nova
does; a tag changes no ``updated`` time (Nova saves the tag, not the server)."""

from __future__ import annotations

import re
from collections.abc import Callable

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, Conflict, NotFound, not_found

MAX_TAG_LENGTH = 60  # nova/objects/tag.py
MAX_TAG_COUNT = 50  # nova/objects/instance.py
_TAG_PATTERN = "^[^,/]*$"
# server_tags.py _check_instance_in_valid_state
_TAGGABLE = ("active", "paused", "suspended", "stopped")


class ServerTags:
    def __init__(self, context: ServiceContext) -> None:
        self.store = context.store

    def add(self, server: Server, tag: str) -> None:
        def added(current: Server) -> list[str]:
            _check_state(current, "update tag")
            _check_tag(tag)
            if len(current.tags) >= MAX_TAG_COUNT:
                raise BadRequest(
                    f"The number of tags exceeded the per-server limit {MAX_TAG_COUNT}")
            return current.tags if tag in current.tags else [*current.tags, tag]

        self._change(server, added)

    def remove(self, server: Server, tag: str) -> None:
        def removed(current: Server) -> list[str]:
            _check_state(current, "delete tag")
            if tag not in current.tags:
                raise NotFound(f"Instance {current.id} has no tag '{tag}'")
            return [t for t in current.tags if t != tag]

        self._change(server, removed)

    def clear(self, server: Server) -> None:
        def cleared(current: Server) -> list[str]:
            _check_state(current, "delete tags")
            return []

        self._change(server, cleared)

    def _change(self, server: Server, change: Callable[[Server], list[str]]) -> None:
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise not_found("Server", server.id)
            tags = change(current)
            if tags != current.tags:
                self.store.update(current.replace(tags=tags))


def _check_state(server: Server, action: str) -> None:
    if server.vm_state not in _TAGGABLE:
        raise Conflict(f"Cannot '{action}' instance {server.id} while it is in vm_state "
                       f"{server.vm_state}")


def _check_tag(tag: str) -> None:
    """Nova's JSON schema for a tag, with jsonschema's wording of what is wrong."""
    if not tag:
        error = "'' should be non-empty"
    elif len(tag) > MAX_TAG_LENGTH:
        error = f"'{tag}' is too long"
    elif not re.match(_TAG_PATTERN, tag):
        error = f"'{tag}' does not match '{_TAG_PATTERN}'"
    else:
        return
    raise BadRequest(f"Tag '{tag}' is invalid. It must be a non empty string without "
                     f"characters '/' and ','. Validation error message: {error}")

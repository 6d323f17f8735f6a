"""Which path of the metadata service holds what: Nova's ``InstanceMetadata.lookup`` and
``ec2_md_print`` (nova/api/metadata/base.py), pure.

``lookup(spec, path)`` answers an ``Item`` (the body and its content type), or ``PASSWORD``
for the password path (which the handler serves by method), or raises ``PathNotFound``
(Nova's ``InvalidMetadataPath``: a 404) or ``PathBroken`` (a path that crashes Nova's
lookup, a 500: a key below a leaf of the EC2 tree, ``openstack/<version>/content``).
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from ostack_cli.metadata import content
from ostack_cli.metadata.content import (
    EC2_VERSIONS,
    GRIZZLY,
    HAVANA,
    LATEST,
    LIBERTY,
    NEWTON_TWO,
    VERSIONS,
    InstanceMetadata,
)

TEXT_PLAIN = "text/plain"
APPLICATION_JSON = "application/json"
CONTENT_DIR = "content"


@dataclasses.dataclass(frozen=True)
class Item:
    body: bytes
    content_type: str = TEXT_PLAIN


class _Password:
    """The password path: served by method (``handler.password``), not by lookup."""


PASSWORD: Final = _Password()


class PathNotFound(Exception):
    pass


class PathBroken(Exception):
    pass


def lookup(
    spec: InstanceMetadata,
    path: str,
    *,
    address: str | None = None,
    today: str | None = None,
    seed: Callable[[], bytes] = content.random_seed,
) -> Item | _Password:
    """What Nova serves at ``path`` for ``spec`` (``address``: the requester's; ``today``:
    the date that hides future OpenStack versions from the listing, UTC's by default)."""
    if path == "" or path[0] != "/":
        path = posixpath.normpath("/" + path)
    else:
        path = posixpath.normpath(path)
    tokens = path.split("/")[1:]
    if tokens[0] not in ("ec2", "openstack"):
        tokens = ["ec2"] if tokens[0] == "" else ["ec2", *tokens]
    if len(tokens) == 1:
        if tokens[0] == "openstack":
            today = today or datetime.now(UTC).strftime("%Y-%m-%d")
            return _text(print_tree([*(v for v in VERSIONS if v <= today), LATEST]))
        return _text(print_tree([*EC2_VERSIONS, LATEST]))
    try:
        if tokens[0] == "openstack":
            return _openstack(spec, tokens[1:], seed)
        return _text(print_tree(_ec2(spec, tokens[1:], address)))
    except KeyError:
        raise PathNotFound(path) from None


def _text(text: str | bytes, content_type: str = TEXT_PLAIN) -> Item:
    return Item(text.encode("utf-8") if isinstance(text, str) else text, content_type)


def _openstack(
    spec: InstanceMetadata, tokens: list[str], seed: Callable[[], bytes]
) -> Item | _Password:
    if tokens[0] == CONTENT_DIR:
        raise KeyError(CONTENT_DIR)  # Nova's injected files: the local backend has none
    version = VERSIONS[-1] if tokens[0] == LATEST else tokens[0]
    if version not in VERSIONS:
        raise KeyError(version)
    name = "version" if len(tokens) == 1 else "/".join(tokens[1:])
    if name == "version":
        return _text(print_tree(_files(spec, version)))
    if name == "meta_data.json":
        return _text(content.dump(content.meta_data(spec, version, seed())), APPLICATION_JSON)
    if name == "user_data" and spec.user_data is not None:
        return _text(spec.user_data)
    if name == "network_data.json":  # every version, as text: as Nova's _network_data
        return _text(content.dump(content.network_metadata(spec.links)))
    if name == "password" and content.since(GRIZZLY, version):
        return PASSWORD
    if name == "vendor_data.json" and content.since(HAVANA, version):
        return _text(content.dump(content.vendor_data()), APPLICATION_JSON)
    if name == "vendor_data2.json" and content.since(NEWTON_TWO, version):
        return _text(content.dump(content.vendor_data2()), APPLICATION_JSON)
    if name == CONTENT_DIR:
        # Nova hands this name a handler that takes other arguments: a TypeError, a 500.
        raise PathBroken(name)
    raise KeyError(name)


def _files(spec: InstanceMetadata, version: str) -> list[str]:
    """Nova's ``_handle_version``: the files of one version."""
    names = ["meta_data.json"]
    if spec.user_data is not None:
        names.append("user_data")
    for first, name in ((GRIZZLY, "password"), (HAVANA, "vendor_data.json"),
                        (LIBERTY, "network_data.json"), (NEWTON_TWO, "vendor_data2.json")):
        if content.since(first, version):
            names.append(name)
    return names


def _ec2(spec: InstanceMetadata, tokens: list[str], address: str | None) -> Any:
    """Nova's ``get_ec2_item`` and ``find_path_in_tree``."""
    data: Any = content.ec2_metadata(spec, tokens[0], address)
    path = tokens[1:]
    for i, token in enumerate(path):
        if isinstance(data, dict | list):
            if token not in data:
                raise KeyError("/".join(path[:i]))
            if isinstance(data, list):
                raise PathBroken("/".join(path))  # Nova indexes the list with a string
            data = data[token]
        elif i != len(path) - 1:
            raise KeyError("/".join(path[:i]))
        else:
            raise PathBroken("/".join(path))  # Nova indexes a leaf with a string
    return data


def print_tree(data: Any) -> str | bytes:
    """Nova's ``ec2_md_print``: a dict as its sorted keys (``key/`` for a subtree, or its
    ``_name``), a list one item a line, text and bytes as they are, anything else as str."""
    if isinstance(data, dict):
        lines = []
        for key in sorted(data):
            if key == "_name":
                continue
            value = data[key]
            if isinstance(value, dict):
                lines.append(str(value["_name"]) if "_name" in value else f"{key}/")
            else:
                lines.append(key)
        return "\n".join(lines)
    if isinstance(data, list):
        return "\n".join(data)
    if isinstance(data, str | bytes):
        return data
    return str(data)

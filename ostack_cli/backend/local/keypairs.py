"""Keypairs in the local store, as Nova keeps them: per user, public key only."""

from __future__ import annotations

import base64
import hashlib
import unicodedata

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.identity import User
from ostack_cli.backend.models.keypair import (
    KEYPAIR_TYPE_SSH,
    KEYPAIR_TYPE_X509,
    KEYPAIR_TYPES,
    Keypair,
    keypair_timestamp,
)
from ostack_cli.errors import BadRequest, Conflict, NotFound, not_found
from ostack_cli.state.store import UniqueViolation

# The name rule of the microversion openstacksdk negotiates for keypairs (its Keypair
# resource stops at 2.10): parameter_types.keypair_name_special_chars. 2.92 would add '@'
# and '.', but the real client never asks for it by default.
NAME_PATTERN = r"^[_\- a-zA-Z0-9]+$"
_NAME_CHARS = frozenset("_- abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
NAME_MAX = 255


class Keypairs:
    def __init__(self, context: ServiceContext, *, quotas: Quotas) -> None:
        self.context = context
        self.store = context.store
        self.quotas = quotas

    def find_all(self, *, user: str | None = None, marker: str | None = None) -> list[Keypair]:
        user_id = self._keypair_user(user, "index")
        # Nova pages keypairs by name.
        found = sorted(
            (k for k in self.store.list(Keypair) if k.user_id == user_id),
            key=lambda k: k.name,
        )
        if marker is not None:
            names = [k.name for k in found]
            if marker not in names:
                raise BadRequest(f"Marker {marker} could not be found.")
            found = found[names.index(marker) + 1:]
        return found

    def find(self, name: str, *, user: str | None = None) -> Keypair:
        found = self._keypair(name, self._keypair_user(user, "show"))
        if found is None:
            raise not_found(Keypair.RESOURCE_NAME, name)
        return found

    def create(
        self,
        name: str,
        public_key: str,
        *,
        key_type: str = KEYPAIR_TYPE_SSH,
        user: str | None = None,
    ) -> Keypair:
        # Nova's order: request schema, owner, quota, key data, then the unique name.
        check_keypair_name(name)
        if key_type not in KEYPAIR_TYPES:
            raise BadRequest(
                f"Invalid input for field/attribute type. Value: {key_type}. "
                f"{key_type!r} is not one of {list(KEYPAIR_TYPES)!r}"
            )
        user_id = self._keypair_user(user, "create")
        with self.store.transaction():
            self.quotas.check(self.context.project_id, {"key-pairs": 1})
            keypair = Keypair(
                id=new_id(),
                name=name,
                user_id=user_id,
                public_key=public_key,
                fingerprint=keypair_fingerprint(public_key, key_type),
                type=key_type,
                created_at=keypair_timestamp(),
            )
            try:
                self.store.insert(keypair)
            except UniqueViolation:
                raise Conflict(f"Key pair '{name}' already exists.") from None
        return keypair

    def delete(self, name: str, *, user: str | None = None) -> None:
        user_id = self._keypair_user(user, "delete")
        with self.store.transaction():
            found = self._keypair(name, user_id)
            if found is None:
                raise NotFound(f"Keypair {name} not found for user {user_id}")
            self.store.delete(Keypair, found.id)

    def _keypair(self, name: str, user_id: str) -> Keypair | None:
        return next((k for k in self.store.list(Keypair, name=name) if k.user_id == user_id), None)

    def _keypair_user(self, user: str | None, action: str) -> str:
        """Whose keypairs: the acting user's; another user's for an admin only (Nova's
        ``os_compute_api:os-keypairs:<action>`` policy), named by ID or name."""
        if user is None or user == self.context.user_id:
            return self.context.user_id
        require_nova_admin(self.context, f"os_compute_api:os-keypairs:{action}")
        found = self.store.get(User, user) or next(iter(self.store.list(User, name=user)), None)
        if found is None:
            raise not_found("User", user)
        return found.id


def check_keypair_name(name: str) -> None:
    """Nova's request schema for the name, checks in its order, with its messages."""
    if not _printable_name(name):
        raise BadRequest(
            "An invalid 'name' value was provided. The name must be: printable characters. "
            "Can not start or end with whitespace."
        )
    problem = None
    if not name:
        problem = f"{name!r} should be non-empty"
    elif len(name) > NAME_MAX:
        problem = f"{name!r} is too long"
    elif not set(name) <= _NAME_CHARS:
        problem = f"{name!r} does not match {NAME_PATTERN!r}"
    if problem:
        raise BadRequest(f"Invalid input for field/attribute name. Value: {name}. {problem}")


def _printable_name(name: str) -> bool:
    # Nova's 'name' format: printable characters of the Basic Multilingual Plane (no control,
    # format or line/paragraph separator characters), not starting or ending with a space.
    def printable(char: str) -> bool:
        category = unicodedata.category(char)
        return ord(char) < 0xFFFF and category[0] != "C" and (
            category[0] != "Z" or category == "Zs"
        )

    if not all(printable(c) for c in name):
        return False
    return not name or (
        unicodedata.category(name[0]) != "Zs" and unicodedata.category(name[-1]) != "Zs"
    )


def keypair_fingerprint(public_key: str, key_type: str = KEYPAIR_TYPE_SSH) -> str:
    """The fingerprint Nova stores: MD5 of the key blob (ssh), SHA-1 of the DER (x509)."""
    if key_type == KEYPAIR_TYPE_X509:
        return _x509_fingerprint(public_key)
    return ssh_fingerprint(public_key)


def ssh_fingerprint(public_key: str) -> str:
    """nova.crypto.generate_fingerprint: the key must parse as an OpenSSH public key; the
    digest is taken of the base64 field after the first space, as Nova does."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_ssh_public_key(public_key.encode("utf-8"))
        blob = base64.b64decode(public_key.split(" ")[1])
    except (ValueError, IndexError, TypeError, UnsupportedAlgorithm):
        raise BadRequest("Keypair data is invalid: failed to generate fingerprint") from None
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).hexdigest())


def _x509_fingerprint(pem: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        cert = x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise BadRequest(
            "Keypair data is invalid: failed to generate X509 fingerprint. "
            f"Error message: {exc}"
        ) from None
    return _colon_hex(cert.fingerprint(hashes.SHA1()).hex())


def _colon_hex(digest: str) -> str:
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))

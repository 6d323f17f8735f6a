"""Users' passwords, kept only as scrypt hashes (hashlib; never in clear, never printed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

SCHEME = "scrypt"
# scrypt's interactive-login cost (RFC 7914: N=2^14, r=8, p=1): about 16 MiB and tens of
# milliseconds per check, paid only by commands that name a user.
COST, BLOCK_SIZE, PARALLELISM = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
# hashlib.scrypt's default cap (32 MiB) is below what some costs need; give it room.
MAX_MEMORY = 64 * 1024 * 1024
# Nova's DEFAULT_PASSWORD_SYMBOLS: no look-alikes (0/O, 1/l/I) and no leading "-" that a
# command line would take for an option (`--os-password -x...`).
PASSWORD_SYMBOLS = "23456789" "ABCDEFGHJKLMNPQRSTUVWXYZ" "abcdefghijkmnopqrstuvwxyz"
NOVA_PASSWORD_LENGTH = 12  # Nova's [DEFAULT] password_length


def generate_password(length: int = NOVA_PASSWORD_LENGTH) -> str:
    """Nova's ``generate_password``: ``length`` characters a user can read and type."""
    return "".join(secrets.choice(PASSWORD_SYMBOLS) for _ in range(length))


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$key``, salt and key in base64: the cost travels with the hash."""
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, COST, BLOCK_SIZE, PARALLELISM)
    return "$".join(
        (SCHEME, str(COST), str(BLOCK_SIZE), str(PARALLELISM), _b64(salt), _b64(key))
    )


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time compare)."""
    try:
        scheme, cost, block, parallel, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(key)
        derived = _derive(password, base64.b64decode(salt), int(cost), int(block),
                          int(parallel), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(derived, expected)


def _derive(password: str, salt: bytes, cost: int, block: int, parallel: int,
            length: int = KEY_BYTES) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=cost, r=block, p=parallel,
                          maxmem=MAX_MEMORY, dklen=length)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

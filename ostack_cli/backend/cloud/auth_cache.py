"""Authentication kept between commands: one private file per auth config, until it expires.

Every command of the real client authenticates from scratch (a token request, then version
discovery of each service it calls), and a fresh token also costs every service it reaches a
validation round trip to Keystone. ostack keeps keystoneauth's auth state (the token and the
token's body, which holds the service catalog) and the version documents the command
discovered, and the next command against the same cloud as the same user starts from them.

Safety rules, each enforced here:

- One file per auth config, named by a keyed hash (HMAC-SHA256 with a random key kept beside
  the files) of everything that decides which token the cloud would issue and where it is
  used: the plugin, every auth value (auth URL, user, domains, scope, the secret itself),
  region, interface and TLS settings. A token is never reused for a different config, and a
  changed or wrong password never rides on an old token. The key keeps the file names from
  being a way to test guesses of a password.
- Files and the directory are private (0600 / 0700), written atomically (a private temporary
  file renamed into place), and a file that is not a private regular file of this user is
  never read.
- A token is reused only while it has more than ``EXPIRY_MARGIN`` left; keystoneauth
  re-authenticates once and retries when a service answers 401 (revoked token), and the new
  state replaces the old one.
- Nothing here logs a token or puts one in an error message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ostack_cli.errors import OstackError
from ostack_cli.state.paths import ensure_private_dir, state_dir

LOG = logging.getLogger("ostack.cloud.auth_cache")

DIRECTORY = "auth"
KEY_FILE = ".key"
KEY_BYTES = 32
SUFFIX = ".json"
FORMAT = 1
# A token this close to its expiry is not reused: a command started with it could outlive it.
EXPIRY_MARGIN = datetime.timedelta(minutes=5)
# Version documents change only when the cloud is upgraded; re-read them at least hourly.
DISCOVERY_MAX_AGE = 3600.0

ENV_SWITCH = "OSTACK_AUTH_CACHE"
CLOUD_SWITCH = "ostack_auth_cache"
OPTION_SWITCH = "--os-auth-cache"
_ON = frozenset({"1", "on", "true", "yes"})
_OFF = frozenset({"0", "off", "false", "no"})


@dataclasses.dataclass(frozen=True)
class CachedAuth:
    """What one file holds: keystoneauth's auth state and the discovered version documents."""

    auth_state: str  # keystoneauth's get_auth_state(): JSON with the token and its body
    expires_at: datetime.datetime  # aware
    discovery: dict[str, Any]  # URL -> the version data keystoneauth read there
    discovered_at: float  # time.time() when ``discovery`` was first read

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "expires_at": self.expires_at.isoformat(),
            "auth_state": self.auth_state,
            "discovery": self.discovery,
            "discovered_at": self.discovered_at,
        }

    @classmethod
    def from_json(cls, data: Any) -> CachedAuth:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not an auth cache file of this version")
        expires_at = datetime.datetime.fromisoformat(str(data["expires_at"]))
        if expires_at.tzinfo is None:
            raise ValueError("expiry without a time zone")
        discovery = data.get("discovery") or {}
        if not isinstance(data["auth_state"], str) or not isinstance(discovery, dict):
            raise ValueError("malformed auth cache file")
        return cls(data["auth_state"], expires_at, discovery,
                   float(data.get("discovered_at") or 0.0))


def parse_switch(value: Any, source: str) -> bool | None:
    """on/off (1/0, true/false, yes/no) as a bool; None when unset."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise OstackError(f"{source} must be on or off, not {value!r}")


def enabled(option: str | None, environ: Mapping[str, str], cloud_config: Mapping[str, Any]
            ) -> bool:
    """Whether to reuse authentication: ``--os-auth-cache``, else ``$OSTACK_AUTH_CACHE``, else
    the cloud's ``ostack_auth_cache`` in clouds.yaml, else on."""
    for value, source in (
        (option, OPTION_SWITCH),
        (environ.get(ENV_SWITCH), ENV_SWITCH),
        (cloud_config.get(CLOUD_SWITCH), CLOUD_SWITCH),
    ):
        switch = parse_switch(value, source)
        if switch is not None:
            return switch
    return True


def cache_dir() -> Path:
    """``<state dir>/auth``, private; made on first use."""
    return ensure_private_dir(state_dir() / DIRECTORY)


def _is_private_file(fd: int) -> bool:
    info = os.fstat(fd)
    return (stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & 0o077)


def _read_private(path: Path) -> bytes | None:
    """The file's bytes, or None if it is missing or not a private regular file of ours."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not _is_private_file(fd):
            LOG.debug("Ignoring %s: not a private file of this user", path.name)
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: readers see the old file or the new one, never a part,
    and the bytes are never readable by anyone else (mkstemp makes the file 0600)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _hash_key(directory: Path) -> bytes:
    """The directory's HMAC key, made once. A new key is published with a hard link, so two
    commands making one at the same moment end up using the same (the first linked)."""
    path = directory / KEY_FILE
    key = _read_private(path)
    if key is not None and len(key) == KEY_BYTES:
        return key
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-key-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
        if os.path.lexists(path):
            os.replace(temporary, path)  # an unusable key is in the way
        else:
            with contextlib.suppress(FileExistsError):  # another command was first
                os.link(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    key = _read_private(path)
    if key is None or len(key) != KEY_BYTES:
        raise OSError(f"cannot read the auth cache key in {directory}")
    return key


def file_name(key: bytes, identity: Mapping[str, Any]) -> str:
    """The cache file of an auth config: HMAC-SHA256 of its canonical JSON."""
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest() + SUFFIX


class AuthCache:
    """The cache file of one auth config (``identity``: every value that decides the token)."""

    def __init__(self, identity: Mapping[str, Any], directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else cache_dir()
        self.path = self.directory / file_name(_hash_key(self.directory), identity)

    def load(self, now: datetime.datetime | None = None) -> CachedAuth | None:
        """The cached auth, unless missing, unreadable or too close to its expiry."""
        raw = _read_private(self.path)
        if raw is None:
            return None
        try:
            cached = CachedAuth.from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError):
            # Never the exception's text: it could quote the file's content.
            LOG.debug("Ignoring the unreadable auth cache file %s", self.path.name)
            self.forget()
            return None
        now = now or datetime.datetime.now(datetime.UTC)
        if cached.expires_at - now < EXPIRY_MARGIN:
            LOG.debug("Cached token expires at %s: authenticating anew",
                      cached.expires_at.isoformat())
            self.forget()
            return None
        if time.time() - cached.discovered_at > DISCOVERY_MAX_AGE:
            cached = dataclasses.replace(cached, discovery={}, discovered_at=0.0)
        return cached

    def save(self, cached: CachedAuth) -> None:
        write_atomically(self.path, json.dumps(cached.to_json()).encode())
        prune(self.directory, keep=self.path)

    def forget(self) -> None:
        """Remove this config's cached auth (e.g. after its token was revoked)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def forget(identity: Mapping[str, Any], directory: Path | None = None) -> None:
    """Remove the cached auth of one config (a cloud and user), if any; makes nothing."""
    directory = directory if directory is not None else state_dir() / DIRECTORY
    key = _read_private(directory / KEY_FILE)
    if key is None or len(key) != KEY_BYTES:
        return
    with contextlib.suppress(FileNotFoundError):
        (directory / file_name(key, identity)).unlink()


def prune(directory: Path, *, keep: Path | None = None) -> None:
    """Remove expired files and temporary files left by interrupted writes."""
    now = datetime.datetime.now(datetime.UTC)
    for path in directory.iterdir():
        if path == keep:
            continue
        try:
            if path.name.startswith(".tmp-"):
                if time.time() - path.stat().st_mtime > 3600:
                    path.unlink()
                continue
            if path.suffix != SUFFIX:
                continue
            raw = _read_private(path)
            if raw is None or CachedAuth.from_json(json.loads(raw)).expires_at < now:
                path.unlink()
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                path.unlink()

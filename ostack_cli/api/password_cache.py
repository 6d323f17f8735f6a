"""A short memory of passwords this process has already verified.

scrypt costs tens of milliseconds by design; Horizon and the real client ask for a token
before almost every call, with the same password. Keystone checks the hash every time; this
server remembers, for ``TTL`` seconds, that a (user, password) pair matched a *given* stored
hash. A hit needs the same password (compared as an HMAC under a key that lives only in this
process: the password itself is never kept) and the same stored hash (a new password makes
a new hash, so the old entry no longer matches). Failures are never remembered, so every
wrong password pays the full check.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time

from ostack_cli.backend.local.passwords import verify_password

TTL = 300.0
MAX_ENTRIES = 1024


class VerifiedPasswords:
    def __init__(self, *, ttl: float = TTL, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._key = os.urandom(32)
        self._entries: dict[bytes, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def check(self, user_id: str, password: str, stored_hash: str) -> bool:
        tag = hmac.new(self._key, f"{user_id}\0{password}".encode("utf-8", "surrogatepass"),
                       hashlib.sha256).digest()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(tag)
        if entry is not None and entry[1] > now and hmac.compare_digest(entry[0], stored_hash):
            return True
        if not verify_password(password, stored_hash):
            return False
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._evict(now)
            self._entries[tag] = (stored_hash, now + self.ttl)
        return True

    def _evict(self, now: float) -> None:
        live = {k: v for k, v in self._entries.items() if v[1] > now}
        if len(live) >= self.max_entries:
            # Oldest first: dicts keep insertion order.
            for key in list(live)[: len(live) - self.max_entries // 2]:
                del live[key]
        self._entries = live

"""The local backend's records: typed documents in SQLite, changed only in transactions."""

from __future__ import annotations

import builtins
import contextlib
import ipaddress
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ostack_cli.backend.models import Resource, ResourceT, utcnow
from ostack_cli.errors import Conflict
from ostack_cli.state import db

# Well under SQLite's limit on bound parameters (32766 since 3.32, 999 before).
_IDS_PER_QUERY = 500


class UniqueViolation(Conflict):
    """Another record of the same kind already holds this record's unique key."""

    def __init__(self, existing_id: str) -> None:
        self.existing_id = existing_id
        super().__init__(f"a record with the same key exists: {existing_id}")


class AddressInUse(Conflict):
    """The requested IP address is already allocated on its subnet."""


class Store:
    """Typed access to the records; every change happens inside :meth:`transaction`."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.conn = db.connect_read_only(path) if read_only else db.connect(path)
        self._depth = 0
        # Kinds of record written by committed transactions (and the pending one): what a
        # command changed, so the host side can follow.
        self.changed_kinds: set[str] = set()
        self._pending_kinds: set[str] = set()
        # (kind, id) of records deleted by committed transactions: what the host must drop.
        self.deleted: set[tuple[str, str]] = set()
        self._pending_deleted: set[tuple[str, str]] = set()
        # (kind, id) of every record written or deleted: whose host-side faults are the
        # command's own to report.
        self.written: set[tuple[str, str]] = set()
        self._pending_written: set[tuple[str, str]] = set()

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One atomic change; nests (inner blocks join the outer transaction)."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._pending_kinds.clear()
            self._pending_deleted.clear()
            self._pending_written.clear()
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")
        self.changed_kinds |= self._pending_kinds
        self._pending_kinds.clear()
        self.deleted |= self._pending_deleted
        self._pending_deleted.clear()
        self.written |= self._pending_written
        self._pending_written.clear()

    def take_changes(self) -> tuple[set[str], set[tuple[str, str]]]:
        """The kinds changed, and the (kind, id) deleted, since the last call."""
        changed, self.changed_kinds = self.changed_kinds, set()
        deleted, self.deleted = self.deleted, set()
        return changed, deleted

    # -- documents --------------------------------------------------------------------

    def get(self, model: type[ResourceT], resource_id: str) -> ResourceT | None:
        row = self.conn.execute(
            "SELECT body FROM resources WHERE kind = ? AND id = ?", (model.KIND, resource_id)
        ).fetchone()
        return model.from_json(json.loads(row[0])) if row else None

    def get_many(self, model: type[ResourceT], ids: Iterable[str]) -> dict[str, ResourceT]:
        """Records of one kind by ID, in few queries (absent IDs are left out)."""
        wanted = sorted(set(ids))
        found: dict[str, ResourceT] = {}
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start:start + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            for resource_id, body in self.conn.execute(
                f"SELECT id, body FROM resources WHERE kind = ? AND id IN ({marks})",
                (model.KIND, *chunk),
            ):
                found[resource_id] = model.from_json(json.loads(body))
        return found

    def list(
        self,
        model: type[ResourceT],
        *,
        name: str | None = None,
        project_id: str | None = None,
    ) -> list[ResourceT]:
        """Records of one kind, oldest first, optionally by exact name or owner."""
        sql = "SELECT body FROM resources WHERE kind = ?"
        args: list[Any] = [model.KIND]
        if name is not None:
            sql += " AND name = ?"
            args.append(name)
        if project_id is not None:
            sql += " AND project_id = ?"
            args.append(project_id)
        sql += " ORDER BY created_at, rowid"
        return [model.from_json(json.loads(r[0])) for r in self.conn.execute(sql, args)]

    def names(self, kind: str) -> builtins.list[tuple[str, str]]:
        """(id, name) pairs of one kind: cheap enough for tab completion."""
        return list(self.conn.execute("SELECT id, name FROM resources WHERE kind = ?", (kind,)))

    def take_written(self) -> set[tuple[str, str]]:
        """The (kind, id) of every record written or deleted since the last call."""
        written, self.written = self.written, set()
        return written

    def insert(self, obj: Resource) -> None:
        self._require_transaction()
        self._pending_kinds.add(obj.KIND)
        self._pending_written.add((obj.KIND, obj.id))
        try:
            self.conn.execute(
                "INSERT INTO resources (kind, id, project_id, name, unique_key, created_at, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    obj.KIND,
                    obj.id,
                    obj.owner_id,
                    obj.name,
                    obj.unique_key(),
                    obj.created,
                    json.dumps(obj.to_json()),
                ),
            )
        except sqlite3.IntegrityError:
            raise self._violation(obj) from None

    def update(self, obj: Resource) -> None:
        self._require_transaction()
        self._pending_kinds.add(obj.KIND)
        self._pending_written.add((obj.KIND, obj.id))
        try:
            cur = self.conn.execute(
                "UPDATE resources SET project_id = ?, name = ?, unique_key = ?, body = ?"
                " WHERE kind = ? AND id = ?",
                (
                    obj.owner_id,
                    obj.name,
                    obj.unique_key(),
                    json.dumps(obj.to_json()),
                    obj.KIND,
                    obj.id,
                ),
            )
        except sqlite3.IntegrityError:
            raise self._violation(obj) from None
        if cur.rowcount != 1:
            raise KeyError(f"{obj.KIND} {obj.id} vanished during an update")

    def delete(self, model: type[Resource], resource_id: str) -> bool:
        self._require_transaction()
        self._pending_kinds.add(model.KIND)
        self._pending_deleted.add((model.KIND, resource_id))
        self._pending_written.add((model.KIND, resource_id))
        cur = self.conn.execute(
            "DELETE FROM resources WHERE kind = ? AND id = ?", (model.KIND, resource_id)
        )
        return cur.rowcount == 1

    def _violation(self, obj: Resource) -> Exception:
        row = self.conn.execute(
            "SELECT id FROM resources WHERE kind = ? AND (unique_key = ? OR id = ?)",
            (obj.KIND, obj.unique_key(), obj.id),
        ).fetchone()
        return UniqueViolation(row[0] if row else "")

    def _require_transaction(self) -> None:
        if not self._depth:
            raise RuntimeError("store writes must run inside Store.transaction()")

    # -- settings ---------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_setting(self, key: str, value: str) -> None:
        self._require_transaction()
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- IP address management --------------------------------------------------------

    def allocated_ips(self, subnet_id: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT ip_address FROM ip_allocations WHERE subnet_id = ?", (subnet_id,)
        )
        return {r[0] for r in rows}

    def allocate_ip(
        self,
        *,
        network_id: str,
        subnet_id: str,
        port_id: str,
        pools: Iterable[tuple[str, str]],
        requested: str | None = None,
        reserved: Iterable[str] = (),
    ) -> str | None:
        """Claim ``requested``, or the lowest free address of ``pools``; None if none is free.

        Raises :class:`AddressInUse` when ``requested`` is taken. Must run in a transaction,
        which (being IMMEDIATE) serialises claims across processes.
        """
        self._require_transaction()
        used = self.allocated_ips(subnet_id) | set(reserved)
        if requested is not None:
            if requested in used:
                raise AddressInUse(requested)
            choice: str | None = requested
        else:
            choice = _lowest_free(pools, used)
        if choice is None:
            return None
        self.conn.execute(
            "INSERT INTO ip_allocations (subnet_id, ip_address, network_id, port_id)"
            " VALUES (?, ?, ?, ?)",
            (subnet_id, choice, network_id, port_id),
        )
        return choice

    def release_ips(self, port_id: str) -> None:
        self._require_transaction()
        self.conn.execute("DELETE FROM ip_allocations WHERE port_id = ?", (port_id,))

    def ip_owner(self, subnet_id: str, ip_address: str) -> str | None:
        row = self.conn.execute(
            "SELECT port_id FROM ip_allocations WHERE subnet_id = ? AND ip_address = ?",
            (subnet_id, ip_address),
        ).fetchone()
        return str(row[0]) if row else None


def _lowest_free(pools: Iterable[tuple[str, str]], used: set[str]) -> str | None:
    for start, end in sorted(pools, key=lambda p: ipaddress.ip_address(p[0])):
        first, last = int(ipaddress.ip_address(start)), int(ipaddress.ip_address(end))
        address_type = type(ipaddress.ip_address(start))
        for value in range(first, last + 1):
            candidate = str(address_type(value))
            if candidate not in used:
                return candidate
    return None


__all__ = ["AddressInUse", "Store", "UniqueViolation", "utcnow"]

"""Resource names and IDs for TAB, fast, and the helper program the completion scripts run.

Local backend: one read-only query on the state store (no migration, no seeding, nothing
written; a store that does not exist yet completes nothing). Cloud backend: never a login on
TAB; names come from a small per-cloud cache that ordinary list commands refresh
(:func:`write_cache`, :func:`cache_records`) and that expires after ``CACHE_TTL_SECONDS``.
Whatever happens, the helper answers within ``DEADLINE_SECONDS`` or prints nothing.

The helper (``python -m ostack_cli.completion`` or ``ostack __complete``)::

    __complete [--shell SHELL] -- PROGRAM WORD... CURRENT   what to offer at the cursor
    __complete --kind KIND [PREFIX]                         one kind's names and IDs

The first form prints the mode (``words``, ``files`` or ``none``) and then one candidate a
line; the second prints the values only. Names with a newline are never offered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

DEADLINE_SECONDS = 1.0
CACHE_TTL_SECONDS = 300
CACHE_VERSION = 1
DEFAULT_PROJECT = "admin"  # the local backend's acting project when none is named

_FLOATINGIP_OWNER = "network:floatingip"
_SHARED_OR_EXTERNAL = (
    "(json_extract(body, '$.is_shared') OR json_extract(body, '$.is_router_external'))"
)
# kind -> (store kind, the rows the acting project sees): the local backend's visibility
# rules (backend/local), as SQL. ":p" is the acting project's ID. Kinds not listed here
# (volume types: the local one is never stored, ...) complete nothing locally.
LOCAL_QUERIES: dict[str, tuple[str, str]] = {
    "server": ("server", "project_id = :p"),
    "flavor": ("flavor", "1"),
    "image": (
        "image",
        "project_id = :p OR json_extract(body, '$.visibility') IN ('public', 'community')",
    ),
    "network": ("network", f"project_id = :p OR {_SHARED_OR_EXTERNAL}"),
    "external_network": ("network", "json_extract(body, '$.is_router_external')"),
    "subnet": (
        "subnet",
        "project_id = :p OR json_extract(body, '$.network_id') IN (SELECT id FROM resources "
        f"WHERE kind = 'network' AND {_SHARED_OR_EXTERNAL})",
    ),
    "port": (
        "port",
        f"project_id = :p AND coalesce(json_extract(body, '$.device_owner'), '') "
        f"!= '{_FLOATINGIP_OWNER}'",
    ),
    "router": ("router", "project_id = :p"),
    # The local user is an admin: Neutron shows an admin every project's groups.
    "security_group": ("security_group", "1"),
    "security_group_rule": ("security_group_rule", "1"),
    "keypair": ("keypair", "1"),
    "project": ("project", "1"),
    "user": ("user", "1"),
    "role": ("role", "1"),
    "keystone_group": ("group", "1"),
    # Every user's: the query knows the acting project, not the acting user.
    "application_credential": ("application_credential", "1"),
    "trust": ("trust", "1"),
    # Every user's, as application credentials.
    "access_rule": ("access_rule", "1"),
    "floating_ip": ("floating_ip", "project_id = :p"),
    "port_forwarding": ("port_forwarding", "project_id = :p"),
    "volume": ("volume", "project_id = :p"),
    "volume_snapshot": ("volume_snapshot", "project_id = :p"),
    "volume_backup": ("volume_backup", "project_id = :p"),
    # Cinder shows the transfers of the project's volumes.
    "volume_transfer": (
        "volume_transfer",
        "json_extract(body, '$.volume_id') IN (SELECT id FROM resources WHERE kind = 'volume' "
        "AND project_id = :p)",
    ),
    "subnet_pool": ("subnet_pool", "project_id = :p OR json_extract(body, '$.is_shared')"),
    "address_scope": ("address_scope",
                      "project_id = :p OR json_extract(body, '$.is_shared')"),
    # The local user is an admin: Neutron shows an admin every policy.
    "rbac_policy": ("rbac_policy", "1"),
    # Nova's host aggregates are an admin's (the local user is one).
    "aggregate": ("aggregate", "1"),
    "floating_ip_free": (
        "floating_ip", "project_id = :p AND json_extract(body, '$.port_id') IS NULL"
    ),
    "floating_ip_associated": (
        "floating_ip", "project_id = :p AND json_extract(body, '$.port_id') IS NOT NULL"
    ),
}


def candidates(rows: Iterable[tuple[str, str]], prefix: str) -> list[str]:
    """Names; IDs when no name starts with the prefix (and for records without a name).

    ``server show <TAB>`` then lists names only, not every server twice; ``c<TAB>`` completes
    ``cirros`` even when some ID starts with ``c``; a typed or pasted ID prefix completes.
    """
    listed = list(rows)
    names = {n for _, n in listed if n and n.startswith(prefix)}
    ids = {
        i for i, n in listed
        if i and i.startswith(prefix) and (not n or (prefix and not names))
    }
    return sorted(v for v in names | ids if "\n" not in v)


class Source(Protocol):
    def rows(self, kind: str) -> list[tuple[str, str]]: ...


class NoSource:
    def rows(self, kind: str) -> list[tuple[str, str]]:
        return []


# -- the local store ---------------------------------------------------------------------


def local_state_dir() -> Path:
    """``ostack_cli.state.paths.state_dir()`` without creating it: TAB must change nothing."""
    explicit = os.environ.get("OSTACK_HOME")
    if explicit:
        return Path(explicit)
    if os.geteuid() == 0:
        return Path("/var/lib/ostack")
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "ostack"


class LocalSource:
    def __init__(self, state_dir: Path, project: str | None) -> None:
        self.path = state_dir / "state.db"
        self.project = project or DEFAULT_PROJECT

    def rows(self, kind: str) -> list[tuple[str, str]]:
        query = LOCAL_QUERIES.get(kind)
        if query is None or not self.path.is_file():
            return []
        store_kind, visible = query
        try:
            with contextlib.closing(self._connect()) as conn:
                project_id = self._project_id(conn)
                if project_id is None and ":p" in visible:
                    return []
                sql = (
                    f"SELECT id, coalesce(name, '') FROM resources WHERE kind = :k AND ({visible})"
                )
                return [
                    (str(i), str(n))
                    for i, n in conn.execute(sql, {"k": store_kind, "p": project_id})
                ]
        except sqlite3.Error:
            return []  # locked past the timeout, older schema, no JSON1: no suggestions

    def _connect(self) -> sqlite3.Connection:
        uri = f"file:{urllib.parse.quote(str(self.path))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=0.25)
        conn.execute("PRAGMA query_only = 1")
        return conn

    def _project_id(self, conn: sqlite3.Connection) -> str | None:
        row = conn.execute(
            "SELECT id FROM resources WHERE kind = 'project' AND (id = :x OR name = :x)"
            " ORDER BY id = :x DESC LIMIT 1",
            {"x": self.project},
        ).fetchone()
        return str(row[0]) if row else None


# -- the per-cloud cache -------------------------------------------------------------------


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ostack" / "completion"


def cache_path(cloud: str, kind: str) -> Path:
    """``$XDG_CACHE_HOME/ostack/completion/<cloud>/<kind>.json`` (names escaped for a path)."""

    def part(text: str) -> str:
        return urllib.parse.quote(text, safe="-_").replace(".", "%2E") or "%00"

    return cache_root() / part(cloud) / f"{part(kind)}.json"


CacheItem = str | tuple[str, str]


def write_cache(cloud: str, kind: str, names: Iterable[CacheItem]) -> None:
    """Remember what a complete, unfiltered list of ``kind`` returned on ``cloud``.

    ``cloud`` is the ``--os-cloud``/``OS_CLOUD`` name, or ``"envvars"`` for a cloud given by
    OS_* variables alone (openstacksdk's name for it). ``names`` holds names, or ``(id,
    name)`` pairs. Completion trusts the file for ``CACHE_TTL_SECONDS``. The file is private
    (0600) and replaced atomically; a failure to write is ignored, as a cache may be.

    Format (version 1): ``{"version": 1, "cloud": ..., "kind": ..., "written_at": <epoch
    seconds>, "items": [[id, name], ...]}`` (id is "" when only a name was given).
    """
    import json
    import tempfile

    items = [["", item] if isinstance(item, str) else [item[0], item[1]] for item in names]
    data = {"version": CACHE_VERSION, "cloud": cloud, "kind": kind,
            "written_at": time.time(), "items": items}
    path = cache_path(cloud, kind)
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def cache_records(cloud: str, kind: str, records: Iterable[Any]) -> None:
    """:func:`write_cache` for the records of a list (objects or dicts with ``id``/``name``).

    Also writes the narrower lists completion uses: ``external_network`` from networks
    (``is_router_external``) and ``floating_ip_free``/``floating_ip_associated`` from
    floating IPs (by ``port_id``; a floating IP's name is its address).
    """
    listed = list(records)
    if kind == "floating_ip":
        def item(r: Any) -> tuple[str, str]:
            return (str(_get(r, "id")), str(_get(r, "floating_ip_address") or _get(r, "name")))
    else:
        def item(r: Any) -> tuple[str, str]:
            return (str(_get(r, "id")), str(_get(r, "name") or ""))
    write_cache(cloud, kind, [item(r) for r in listed])
    if kind == "network":
        write_cache(cloud, "external_network",
                    [item(r) for r in listed if _get(r, "is_router_external")])
    elif kind == "floating_ip":
        write_cache(cloud, "floating_ip_free", [item(r) for r in listed if not _get(r, "port_id")])
        write_cache(cloud, "floating_ip_associated",
                    [item(r) for r in listed if _get(r, "port_id")])


def _get(record: Any, field: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(field)
    return getattr(record, field, None)


def cache_ttl() -> float:
    try:
        return float(os.environ.get("OSTACK_COMPLETION_CACHE_TTL", CACHE_TTL_SECONDS))
    except ValueError:
        return CACHE_TTL_SECONDS


class CacheSource:
    def __init__(self, cloud: str) -> None:
        self.cloud = cloud

    def rows(self, kind: str) -> list[tuple[str, str]]:
        import json

        try:
            data = json.loads(cache_path(self.cloud, kind).read_text())
            age = time.time() - float(data["written_at"])
            if data.get("version") != CACHE_VERSION or not -60 < age <= cache_ttl():
                return []
            return [(str(i), str(n)) for i, n in data["items"]]
        except (OSError, ValueError, KeyError, TypeError):
            return []


# -- choosing the source, as the CLI chooses its backend ----------------------------------


def _option(seen: Mapping[str, str], option: str, env: str) -> str | None:
    return seen.get(option) or os.environ.get(env) or None


def open_source(seen: Mapping[str, str]) -> Source:
    """The source the command line would talk to (``seen``: its global options)."""
    project = _option(seen, "--os-project-name", "OS_PROJECT_NAME") or _option(
        seen, "--os-project-id", "OS_PROJECT_ID")
    cloud = _option(seen, "--os-cloud", "OS_CLOUD")
    auth_url = _option(seen, "--os-auth-url", "OS_AUTH_URL")
    if not cloud and not auth_url:
        return LocalSource(local_state_dir(), project)
    import argparse

    from ostack_cli.config import LOCAL, select_backend

    options = argparse.Namespace(os_cloud=cloud, os_auth_url=auth_url, os_project_name=project)
    try:
        with _quiet():
            selection = select_backend(options)
    except Exception:
        return NoSource()  # no such cloud, unreadable clouds.yaml: nothing to offer
    if selection.backend == LOCAL:
        return LocalSource(local_state_dir(), selection.project_name)
    return CacheSource(selection.cloud_name or "envvars")


def cloud_names() -> list[str]:
    from ostack_cli.config import load_clouds

    try:
        with _quiet():
            return sorted(str(name) for name in load_clouds().clouds)
    except Exception:
        return []


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No log output meanwhile: a warning (an exposed clouds.yaml, say) must not land in the
    middle of a prompt. Scoped, as the interactive shell completes in the CLI's process."""
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


def list_values(kind: str, prefix: str, seen: Mapping[str, str]) -> list[str]:
    """Candidates for a value of ``kind`` starting with ``prefix``."""
    if kind == "cloud":
        return [name for name in cloud_names() if name.startswith(prefix)]
    return candidates(open_source(seen).rows(kind), prefix)


# -- the helper program --------------------------------------------------------------------


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Give up silently after ``seconds``: no suggestions beat a shell that hangs."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def give_up(signum: int, frame: Any) -> None:
        os._exit(0)

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _deadline_seconds() -> float:
    try:
        return float(os.environ.get("OSTACK_COMPLETION_TIMEOUT", DEADLINE_SECONDS))
    except ValueError:
        return DEADLINE_SECONDS


def answer(argv: list[str]) -> list[str]:
    """The helper's output lines for its arguments (see the module docstring)."""
    if argv[:1] == ["--kind"]:
        if len(argv) not in (2, 3):
            raise ValueError("usage: --kind KIND [PREFIX]")
        return list_values(argv[1], argv[2] if len(argv) == 3 else "", {})
    if argv[:1] == ["--shell"]:
        argv = argv[2:]  # every shell reads the same output today
    if argv[:1] != ["--"] or len(argv) < 3:
        raise ValueError("usage: [--shell SHELL] -- PROGRAM WORD... CURRENT")
    from ostack_cli.completion.engine import Engine, load_tree

    return Engine(load_tree(), list_values).complete(argv[1:]).lines()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        with deadline(_deadline_seconds()):
            lines = answer(args)
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except Exception:
        if os.environ.get("OSTACK_COMPLETION_DEBUG"):
            raise
        return 0
    out = "".join(f"{line}\n" for line in lines)
    sys.stdout.buffer.write(out.encode("utf-8", "surrogateescape"))
    sys.stdout.flush()
    return 0

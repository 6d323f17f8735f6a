"""Host objects of stores that are gone (orphans), found and taken away.

Every object a store makes carries its tag (``names.HostNames``), and the tag registry
(``host.TAG_REGISTRY``) says which state directory holds each tag while the host is up. A
store whose directory was deleted without a purge leaves its chains, devices, namespaces and
processes behind, and nothing of its own will ever take them away: the sweep finds every tag
on the host whose registered owner is missing or gone, and removes that tag's objects with
the reconciler (an empty desired state, as ``Reconciler.purge``).

What keeps a tag (a sweep must never take a live store's objects):

- a registry entry whose directory exists, or being the tag of the store that runs the sweep;
- a guest of the tag whose disk files still exist. The registry is on /run and a reboot
  empties it, while libvirt's guests stay defined (chains, devices, namespaces and processes
  do not survive a reboot): a guest's disks, in its store's host directory, say whether its
  store is still there. A guest whose disks are all gone goes with its tag; one with no disk
  file is kept, as its store cannot be told;
- a store registering the tag meanwhile. A converge registers its tag under the registry
  lock before it makes anything (``Reconciler.converge``); the sweep judges each tag again
  under that lock and holds it until the tag's objects are gone, so a store that registers
  meanwhile waits and then finds a clean host, never its fresh objects taken.

Files are left alone: a store's host directory carries no tag, and a dead store's is not
known (``NO_HOST_DIR`` lists nothing). Console proxies are found by their host directory,
so they are not swept either.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli.backend.local.names import (
    BRIDGE,
    DEVICE_PREFIX,
    DHCP_LEG,
    GATEWAY_LEG,
    ID_DIGITS,
    PREFIX,
    ROUTER_LEG,
    TAG_LENGTH,
    TAP,
    HostNames,
)
from ostack_cli.errors import OstackError

if TYPE_CHECKING:
    from ostack_cli.backend.local.hypervisor import Hypervisor
    from ostack_cli.backend.local.iptables import Family

_TAG = rf"[0-9a-f]{{{TAG_LENGTH}}}"
# Chains, namespaces and guests: ostack-<tag>-...; stores made before tags named theirs
# ostack-<uuid> or ostack-router-..., which never match (a tag is 3 hex digits, then "-").
_OBJECT_RE = re.compile(rf"{PREFIX}-({_TAG})-.+")
_DEVICE_RE = re.compile(
    rf"{DEVICE_PREFIX}({_TAG})[{BRIDGE}{TAP}{DHCP_LEG}{ROUTER_LEG}{GATEWAY_LEG}]"
    rf"[0-9a-f]{{{ID_DIGITS}}}")
# Where nothing is found: a dead store's host directory is not known, and files are kept.
NO_HOST_DIR = Path("/dev/null")
# Where a store's chains are (as ``Reconciler.inventory`` lists them).
CHAIN_TABLES: tuple[tuple[Family, str], ...] = ((4, "filter"), (6, "filter"), ("eb", "nat"),
                                               (4, "nat"))


@dataclass(frozen=True)
class Seen:
    """What the host holds of every store, by name."""

    chains: frozenset[str] = frozenset()  # "<family> <table> <chain>"
    links: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()
    proxies: frozenset[str] = frozenset()  # the namespaces metadata proxies are started for
    guests: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> disk files


@dataclass(frozen=True)
class Verdict:
    """One tag on the host: its objects, its registered owner, and why it is kept (empty:
    an orphan)."""

    tag: str
    objects: tuple[str, ...]
    owner: str | None = None
    kept: str = ""
    by_guest: bool = False  # kept for a guest alone (the registry would let it go)

    @property
    def orphan(self) -> bool:
        return not self.kept

    def guests(self) -> list[str]:
        return [o.removeprefix("guest ") for o in self.objects if o.startswith("guest ")]

    def summary(self) -> str:
        """``10 chains, 2 devices, 1 namespace`` and why the tag is an orphan."""
        counts: dict[str, int] = {}
        for line in self.objects:
            kind = line.split(" ", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
        what = ", ".join(f"{n} {_plural(kind, n)}" for kind, n in sorted(counts.items()))
        whose = f"store {self.owner} is gone" if self.owner else "no store registered"
        return f"{what} ({whose})"


def _plural(kind: str, count: int) -> str:
    word = kind.replace("-", " ")
    return word if count == 1 else word + "es" if word.endswith("s") else word + "s"


def tag_of(name: str) -> str | None:
    """The store tag a host object's name carries (None: not a tagged ostack name)."""
    found = _DEVICE_RE.fullmatch(name) or _OBJECT_RE.fullmatch(name)
    return found.group(1) if found else None


def objects_by_tag(seen: Seen) -> dict[str, list[str]]:
    """Each tag on the host and its objects, one line each (``chain 4 filter ...``)."""
    found: dict[str, list[str]] = {}

    def add(kind: str, name: str, line: str) -> None:
        tag = tag_of(name)
        if tag is not None:
            found.setdefault(tag, []).append(f"{kind} {line}")

    for chain in seen.chains:
        add("chain", chain.rsplit(" ", 1)[-1], chain)
    for link in seen.links:
        add("device", link, link)
    for namespace in seen.namespaces:
        add("namespace", namespace, namespace)
    for namespace in seen.proxies:
        add("metadata-proxy", namespace, namespace)
    for guest in seen.guests:
        add("guest", guest, guest)
    return {tag: sorted(lines) for tag, lines in sorted(found.items())}


def judge(
    seen: Seen,
    owners: Mapping[str, str | None],
    exists: Callable[[str], bool],
    *,
    keep: Collection[str] = (),
) -> list[Verdict]:
    """Each tag on the host, kept or an orphan (the rules are the module's docstring):
    ``owners``: each tag's registered state directory; ``exists``: whether a path exists;
    ``keep``: tags known to be live (the store running the sweep)."""
    verdicts = []
    for tag, objects in objects_by_tag(seen).items():
        owner = owners.get(tag)
        verdict = Verdict(tag, tuple(objects), owner)
        if tag in keep:
            verdict = Verdict(tag, tuple(objects), owner, "the store running the sweep")
        elif owner is not None and exists(owner):
            verdict = Verdict(tag, tuple(objects), owner, f"its store {owner} exists")
        else:
            verdict = _judge_guests(verdict, seen.guests, exists)
        verdicts.append(verdict)
    return verdicts


def _judge_guests(verdict: Verdict, guests: Mapping[str, tuple[str, ...]],
                  exists: Callable[[str], bool]) -> Verdict:
    for guest in verdict.guests():
        disks = guests.get(guest, ())
        if not disks:
            why = f"guest {guest} has no disk file to tell its store by"
        elif any(exists(d) for d in disks):
            why = f"the disks of guest {guest} exist (its store may be live after a reboot)"
        else:
            continue
        return Verdict(verdict.tag, verdict.objects, verdict.owner, why, by_guest=True)
    return verdict


def disk_files(domain_xml: str) -> tuple[str, ...]:
    """The files a guest's disks are (``<disk><source file=...>``), from its libvirt XML."""
    try:
        root = ET.fromstring(domain_xml)
    except ET.ParseError:
        return ()
    return tuple(s.get("file", "") for s in root.iterfind("./devices/disk/source")
                 if s.get("file"))


# -- the host -----------------------------------------------------------------------------


@dataclass
class Sweep:
    """What a sweep did: ``removed`` (or would remove, when dry), ``kept`` (tags that look
    abandoned but are kept for a guest), ``faults`` (one line each)."""

    removed: list[Verdict] = field(default_factory=list)
    kept: list[Verdict] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)


def look(hypervisor: Hypervisor | None) -> Seen:
    """Every tagged object on the host: chains, devices, namespaces, metadata proxies and
    (with a hypervisor) guests with their disk files."""
    from ostack_cli.backend.local import iptables

    chains = frozenset(
        f"{family} {table} {chain}" for family, table in CHAIN_TABLES
        for chain in iptables.list_chains(f"{PREFIX}-", table=table, family=family))
    return Seen(chains=chains, links=frozenset(_listdir(Path("/sys/class/net"))),
                namespaces=frozenset(_listdir(Path("/run/netns"))),
                proxies=frozenset(_proxy_namespaces()), guests=_guests(hypervisor))


def sweep(
    hypervisor: Callable[[], Hypervisor] | None,
    *,
    keep: Collection[str] = (),
    only: Collection[str] | None = None,
    dry_run: bool = False,
) -> Sweep:
    """Remove the objects of every orphaned tag (``only``: of these tags alone); root only.
    ``hypervisor``: libvirt, to see and undefine guests (None: guests are not looked at,
    and a tag is judged by the registry alone)."""
    from ostack_cli.backend.local.host import registered_owner, registry_lock, unregister_tag

    conn = _connect(hypervisor)
    seen = look(conn)
    tags = objects_by_tag(seen)
    candidates = [t for t in tags if only is None or t in only]
    owners = {t: registered_owner(t) for t in candidates}
    result = Sweep()
    for verdict in judge(seen, owners, os.path.exists, keep=keep):
        if verdict.tag not in candidates:
            continue
        if not verdict.orphan:
            if verdict.by_guest:
                result.kept.append(verdict)
            continue
        if dry_run:
            result.removed.append(verdict)
            continue
        with registry_lock():
            owner = registered_owner(verdict.tag)
            if owner is not None and os.path.exists(owner):
                continue  # registered meanwhile: a store making its objects now
            faults = _remove(verdict, conn)
            if not faults and owner is not None:
                unregister_tag(verdict.tag, Path(owner))  # the dead store's entry
        if faults:
            result.faults += [f"{verdict.tag}: {f}" for f in faults]
        else:
            result.removed.append(verdict)
    return result


def _remove(verdict: Verdict, hypervisor: Hypervisor | None) -> list[str]:
    """Take the tag's objects away as a purge does: nothing is desired of it."""
    from ostack_cli.backend.local.reconcile import apply as applying
    from ostack_cli.backend.local.reconcile import desired as wanting
    from ostack_cli.backend.local.reconcile import observe as observing
    from ostack_cli.backend.local.reconcile import plan as planning

    settings = wanting.HostSettings(names=HostNames(verdict.tag), host_dir=NO_HOST_DIR)
    observed = observing.observe(settings.names, NO_HOST_DIR, verdict.guests())
    desired = wanting.desired_host(wanting.Records(), settings)
    steps = planning.plan(desired, observed, deep=True)

    def libvirt() -> Hypervisor:
        assert hypervisor is not None  # guests are only planned away when libvirt was read
        return hypervisor

    report = applying.apply(steps, desired, libvirt)
    return [why for _, why in sorted(report.faults.items())]


def _connect(hypervisor: Callable[[], Hypervisor] | None) -> Hypervisor | None:
    if hypervisor is None:
        return None
    try:
        made = hypervisor()
        made.conn  # noqa: B018 - connect now: libvirt down means no guest is looked at
    except OstackError:
        return None
    return made


def _guests(hypervisor: Hypervisor | None) -> dict[str, tuple[str, ...]]:
    if hypervisor is None:
        return {}
    guests = {}
    try:
        for domain in hypervisor.conn.listAllDomains(0):
            name = str(domain.name())
            if tag_of(name) is not None:
                guests[name] = disk_files(str(domain.XMLDesc(0)))
    except Exception:  # libvirt gone mid-way: no guest is judged, none is touched
        return {}
    return guests


def _proxy_namespaces() -> Iterable[str]:
    """The namespaces ostack's metadata proxies run for (``--namespace=``), found by what
    they run."""
    from ostack_cli.backend.local.reconcile.observe import METADATA_MODULE, process_argvs

    for _, argv in process_argvs():
        if METADATA_MODULE not in argv:
            continue
        for arg in argv:
            if arg.startswith(b"--namespace="):
                yield arg.removeprefix(b"--namespace=").decode(errors="replace")


def _listdir(path: Path) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def report(result: Sweep, *, dry_run: bool = False) -> tuple[list[str], list[str], list[str]]:
    """What a sweep prints: one line per tag removed (or that would be), one per tag kept
    for a guest, and its faults."""
    verb = "would remove" if dry_run else "removed"
    return ([f"{v.tag}: {verb} {v.summary()}" for v in result.removed],
            [f"{v.tag}: kept, {v.kept}" for v in result.kept],
            result.faults)


def default_hypervisor() -> Callable[[], Hypervisor] | None:
    """libvirt as a store-less sweep finds it (``OSTACK_LIBVIRT_URI``, else the system's);
    None for the test driver, which holds no guest of the host."""
    from ostack_cli import settings as host_settings
    from ostack_cli.backend.local import hypervisor

    uri = os.environ.get("OSTACK_LIBVIRT_URI") or host_settings.HostSettings.libvirt_uri
    if uri.startswith("test:"):
        return None
    return lambda: hypervisor.Hypervisor(uri)

"""The host the local backend drives: settings, libvirt, networking and the files guests use.

Made lazily: listing flavors never connects to libvirt or imports pyroute2.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli import settings as host_settings
from ostack_cli.backend.local.names import HostNames, new_tag
from ostack_cli.errors import BackendUnavailable
from ostack_cli.lazy import lazy_import
from ostack_cli.state.locks import exclusive_lock
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local import accel, hypervisor
    from ostack_cli.backend.local.console_proxy_host import ConsoleProxySpec
    from ostack_cli.backend.local.domain_xml import GraphicsSpec
    from ostack_cli.backend.local.hypervisor import Hypervisor
    from ostack_cli.backend.local.reconcile.desired import HostSettings
else:
    accel = lazy_import("ostack_cli.backend.local.accel")
    hypervisor = lazy_import("ostack_cli.backend.local.hypervisor")

VIRT_TYPE_SETTING = "virt_type"
TAG_SETTING = "host_tag"
# Which store holds which tag, while the host is up: a new store never takes a tag in use.
TAG_REGISTRY = Path("/run/ostack/stores")
# Taken while a tag is registered and while an orphaned tag's objects are swept
# (``orphans``): a store never registers its tag in the middle of that tag's sweep.
REGISTRY_LOCK = Path("/run/ostack/stores.lock")


def interpreter() -> str:
    """The interpreter ostack runs on, spelt the same however ostack was started (the
    ``ostack`` script names ``python3``, ``python -m`` names ``python``): the processes it
    starts on the host are found again by their command lines, which must not depend on
    which of them started one."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    named = Path(sys.prefix) / "bin" / version
    return str(named) if named.exists() else sys.executable


class HostContext:
    def __init__(self, state_dir: Path, store: Store) -> None:
        self.state_dir = state_dir
        self.store = store
        self.settings = host_settings.load(state_dir)
        self._hypervisor: Hypervisor | None = None
        self._names: HostNames | None = None

    @property
    def hypervisor(self) -> Hypervisor:
        if self._hypervisor is None:
            self._hypervisor = hypervisor.Hypervisor(self.settings.libvirt_uri)
        return self._hypervisor

    @property
    def names(self) -> HostNames:
        """The names of this store's host objects (its tag, made on first use)."""
        if self._names is None:
            self._names = HostNames(self._tag())
        return self._names

    def host_settings(self) -> HostSettings:
        from ostack_cli.backend.local.reconcile.desired import HostSettings

        return HostSettings(
            names=self.names,
            host_dir=self.host_dir,
            uplink=self.settings.uplink_interface,
            host_access=self.settings.host_access,
            # The metadata proxies read this store, on the interpreter ostack runs on.
            store_path=self.store.path.resolve(),
            python=interpreter(),
            console_proxy=self.console_proxy(),
        )

    def console_proxy(self) -> ConsoleProxySpec:
        """The store's console proxy: where it listens (settings), on the interpreter ostack
        runs on, reading this store and asking this libvirt."""
        from ostack_cli.backend.local.console_proxy_host import proxy_spec

        return proxy_spec(
            python=interpreter(), state_dir=self.state_dir.resolve(),
            host_dir=self.host_dir.resolve(), address=self.settings.console_address,
            port=self.settings.console_port, default_ports=host_settings.CONSOLE_PORTS,
            libvirt_uri=self.settings.libvirt_uri,
        )

    def _tag(self) -> str:
        tag = self.store.get_setting(TAG_SETTING)
        if tag is None:
            with self.store.transaction():
                tag = self.store.get_setting(TAG_SETTING)
                while tag is None or _tag_taken(tag, self.state_dir):
                    tag = new_tag()
                self.store.set_setting(TAG_SETTING, tag)
        return tag

    def register_tag(self) -> None:
        """Hold the store's tag on this host while it has objects here (a converge)."""
        _register_tag(self.names.tag, self.state_dir)

    @property
    def is_test_driver(self) -> bool:
        """libvirt's in-memory test driver: no QEMU, so no bridges or DHCP either."""
        return self.settings.libvirt_uri.startswith("test:")

    @property
    def host_dir(self) -> Path:
        """Where files that QEMU and dnsmasq read live (they run as other users).

        The state directory stays private (0700); this one only lets others through (0711)
        to the files they were handed. Root writes through it, so an existing one is used
        only if it is ours, nobody else can write it or the directories above it, and it is
        not a link (``host_files.check_dir``/``check_parents``); else a one-line error says
        what to fix.
        """
        from ostack_cli.backend.local import host_files

        explicit = os.environ.get("OSTACK_HOST_DIR")
        if explicit:
            path = Path(os.path.abspath(explicit))
        elif os.environ.get("OSTACK_HOME"):
            path = self.state_dir.with_name(self.state_dir.name + "-host")
        else:
            path = Path("/var/lib/ostack-host")
        _make_parents(path)
        host_files.check_parents(path, "host directory")
        host_files.ensure_dir(path, 0o711, what="host directory")
        if not self.is_test_driver:
            _check_traversable(path)
        return path

    def virt_type(self) -> str:
        """kvm or qemu: the setting, else the cached probe, else a probe now."""
        if self.settings.virt_type:
            return self.settings.virt_type
        cached = self.store.get_setting(VIRT_TYPE_SETTING)
        if cached in host_settings.VIRT_TYPES:
            return cached
        verdict = accel.probe()
        with self.store.transaction():
            self.store.set_setting(VIRT_TYPE_SETTING, verdict)
        return verdict

    def displays(self, virt_type: str) -> tuple[GraphicsSpec, ...]:
        """A guest's remote displays, on loopback only (the console proxy's way in): VNC,
        and SPICE where this host's QEMU has it."""
        from ostack_cli.backend.local.domain_xml import GraphicsSpec

        vnc = GraphicsSpec(type="vnc")
        if self.hypervisor.has_spice(virt_type):
            return vnc, GraphicsSpec(type="spice")
        return (vnc,)

    def close(self) -> None:
        if self._hypervisor is not None:
            self._hypervisor.close()


def _tag_taken(tag: str, state_dir: Path) -> bool:
    """Whether another store on this host holds ``tag``, or objects of the tag exist."""
    owner = registered_owner(tag)
    if owner is not None and owner != str(state_dir) and Path(owner).exists():
        return True
    names = HostNames(tag)
    try:
        netns = os.listdir("/run/netns")
    except OSError:
        netns = []
    try:
        links = os.listdir("/sys/class/net")
    except OSError:
        links = []
    return any(n.startswith(names.object_prefix) for n in netns) or any(
        link.startswith(names.device_prefix) for link in links)


def registered_owner(tag: str) -> str | None:
    """The state directory the registry holds ``tag`` for (None: nobody's)."""
    try:
        return (TAG_REGISTRY / tag).read_text().strip() or None
    except OSError:
        return None


def registry_lock() -> AbstractContextManager[None]:
    """The host-wide lock over the tag registry (root only: it lives in /run)."""
    REGISTRY_LOCK.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    return exclusive_lock(REGISTRY_LOCK)


def _register_tag(tag: str, state_dir: Path) -> None:
    if os.geteuid() != 0 or registered_owner(tag) == str(state_dir):
        return
    try:
        # Under the lock: an orphan sweep of this tag ends before the store makes anything.
        with registry_lock():
            TAG_REGISTRY.mkdir(parents=True, exist_ok=True, mode=0o755)
            for entry in TAG_REGISTRY.iterdir():  # stores that are gone free their tags
                owner = registered_owner(entry.name)
                if owner is None or not Path(owner).exists():
                    entry.unlink(missing_ok=True)
            (TAG_REGISTRY / tag).write_text(f"{state_dir}\n")
    except OSError:
        pass  # a registry is a courtesy to other stores; the names carry the tag anyway


def unregister_tag(tag: str, state_dir: Path) -> None:
    """Free ``tag`` (its store has nothing left on the host)."""
    if registered_owner(tag) == str(state_dir):
        with contextlib.suppress(OSError):
            (TAG_REGISTRY / tag).unlink()


def _make_parents(path: Path) -> None:
    # Missing parents are made 0755: QEMU and dnsmasq must pass through them
    # (_check_traversable), and nobody but their creator may write them.
    missing = [p for p in path.parents if not p.exists()]
    for parent in reversed(missing):
        try:
            os.mkdir(parent, 0o755)
        except FileExistsError:
            continue
        os.chmod(parent, 0o755)  # the umask does not get a say


def _check_traversable(path: Path) -> None:
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise BackendUnavailable(
                f"QEMU and dnsmasq cannot reach {path}: {parent} is not searchable by other "
                "users.",
                "Set OSTACK_HOST_DIR (or OSTACK_HOME) to a path whose parents are "
                "searchable (o+x).",
            )

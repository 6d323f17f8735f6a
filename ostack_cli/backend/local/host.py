"""The host the local backend drives: settings, libvirt, networking and the files guests use.

Made lazily: listing flavors never connects to libvirt or imports pyroute2.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli import settings as host_settings
from ostack_cli.errors import BackendUnavailable
from ostack_cli.lazy import lazy_import
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local import accel, host_network, hypervisor
    from ostack_cli.backend.local.host_network import HostNetwork
    from ostack_cli.backend.local.hypervisor import Hypervisor
else:
    accel = lazy_import("ostack_cli.backend.local.accel")
    host_network = lazy_import("ostack_cli.backend.local.host_network")
    hypervisor = lazy_import("ostack_cli.backend.local.hypervisor")

VIRT_TYPE_SETTING = "virt_type"


class HostContext:
    def __init__(self, state_dir: Path, store: Store) -> None:
        self.state_dir = state_dir
        self.store = store
        self.settings = host_settings.load(state_dir)
        self._hypervisor: Hypervisor | None = None
        self._network: HostNetwork | None = None

    @property
    def hypervisor(self) -> Hypervisor:
        if self._hypervisor is None:
            self._hypervisor = hypervisor.Hypervisor(self.settings.libvirt_uri)
        return self._hypervisor

    @property
    def network(self) -> HostNetwork:
        if self._network is None:
            self._network = host_network.HostNetwork(self.host_dir)
        return self._network

    @property
    def is_test_driver(self) -> bool:
        """libvirt's in-memory test driver: no QEMU, so no bridges or DHCP either."""
        return self.settings.libvirt_uri.startswith("test:")

    @property
    def host_dir(self) -> Path:
        """Where files that QEMU and dnsmasq read live (they run as other users).

        The state directory stays private (0700); this one only lets others through (0711)
        to the files they were handed.
        """
        explicit = os.environ.get("OSTACK_HOST_DIR")
        if explicit:
            path = Path(explicit)
        elif os.environ.get("OSTACK_HOME"):
            path = self.state_dir.with_name(self.state_dir.name + "-host")
        else:
            path = Path("/var/lib/ostack-host")
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o711)
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

    def close(self) -> None:
        if self._hypervisor is not None:
            self._hypervisor.close()


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

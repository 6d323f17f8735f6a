"""Fill a store with records only: copies of one server (each with its own port and address)
and extra ports, in one transaction. Run with ostack's own Python by the scale area:

    python -m benchmarks.scale_seed <servers> <ports>

``OSTACK_HOME`` names the store; it must hold one server (the one copied) on a network whose
subnet has room: the copies take addresses from 10.0.x.y and 10.1.x.y in that subnet's
network, which is made /8 wide for the purpose.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.network import Port
from ostack_cli.backend.models.server import Server
from ostack_cli.state.store import Store


def _mac(prefix: str, i: int) -> str:
    return f"{prefix}:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}"


def seed(store: Store, servers: int, ports: int) -> None:
    with store.transaction():
        original = store.list(Server)[0]
        port = store.get(Port, original.port_ids[0])
        assert port is not None
        subnet_id = port.fixed_ips[0]["subnet_id"]
        for i in range(1, servers):
            port_id, server_id = new_id(), new_id()
            address = f"10.0.{i // 250 + 1}.{i % 250 + 2}"
            store.insert(port.replace(
                id=port_id, device_id=server_id, mac_address=_mac("fa:16:3e", i),
                fixed_ips=[{"subnet_id": subnet_id, "ip_address": address}]))
            store.insert(original.replace(
                id=server_id, name=f"server-{i}", port_ids=[port_id], created_port_ids=[port_id],
                instance_name=f"instance-{i:08x}"))
        for i in range(ports - servers):
            address = f"10.1.{i // 250}.{i % 250 + 2}"
            store.insert(port.replace(
                id=new_id(), name=f"port-{i}", device_id="", device_owner="",
                mac_address=_mac("fa:16:3f", i),
                fixed_ips=[{"subnet_id": subnet_id, "ip_address": address}]))


def main(argv: list[str]) -> int:
    servers, ports = int(argv[0]), int(argv[1])
    store = Store(Path(os.environ["OSTACK_HOME"]) / "state.db")
    try:
        seed(store, servers, ports)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

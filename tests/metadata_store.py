"""A store holding what the metadata service reads, written record by record (the unit and
host tiers use it without libvirt): a network ``net`` (its subnet's CIDR given), a router
with an interface on it, and servers ``alice`` and ``bob`` with a port each, ``alice`` with a
keypair, user data, properties, a floating IP and two security groups."""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
from pathlib import Path

from ostack_cli.backend.models.keypair import Keypair
from ostack_cli.backend.models.network import FloatingIP, Network, Port, Router, Subnet
from ostack_cli.backend.models.security_group import SecurityGroup
from ostack_cli.backend.models.server import Server
from ostack_cli.state.store import Store

PROJECT, USER = "0b8c6f5e4d3c4b2a9f8e7d6c5b4a3f2e", "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"
NETWORK, SUBNET = "5d6e7f80-91a2-4b3c-8d4e-5f6071829304", "a5000000-0000-4000-8000-000000000000"
ROUTER = "c0000000-0000-4000-8000-00000000000c"
ALICE, BOB = "6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11", "7c1d7d4d-3c1f-4f4f-8d66-2f1f0e8b5b22"
ALICE_PORT = "2f1d4c9e-7a1b-4c3d-8e9f-0a1b2c3d4e5f"
BOB_PORT = "9e8d7c6b-5a49-4838-a726-150f0e0d0c0b"
ROUTER_PORT = "d3000000-0000-4000-8000-000000000000"
IMAGE, KERNEL = "70000000-0000-4000-8000-000000000000", "71000000-0000-4000-8000-000000000000"
GROUPS = ("80000000-0000-4000-8000-000000000000", "81000000-0000-4000-8000-000000000000")
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOstackTestKeyA alice@example"
USER_DATA = b"#!/bin/sh\necho alice's secret\n"


@dataclasses.dataclass(frozen=True)
class Topology:
    path: Path
    cidr: str

    def address(self, index: int) -> str:
        return str(ipaddress.ip_network(self.cidr)[index])

    @property
    def alice(self) -> str:
        return self.address(5)

    @property
    def bob(self) -> str:
        return self.address(6)

    @property
    def gateway(self) -> str:
        return self.address(1)


def write_store(path: Path, cidr: str = "10.0.0.0/24", *, routed: bool = True) -> Topology:
    """The store at ``path`` with the topology above on ``cidr`` (alice .5, bob .6, the router
    .1 when ``routed``)."""
    topology = Topology(path, cidr)
    store = Store(path)
    try:
        with store.transaction():
            store.insert(Network(id=NETWORK, name="net", project_id=PROJECT,
                                 subnet_ids=[SUBNET]))
            store.insert(Subnet(id=SUBNET, name="net-subnet", project_id=PROJECT,
                                network_id=NETWORK, cidr=cidr, gateway_ip=topology.gateway))
            for group, name in zip(GROUPS, ("default", "web"), strict=True):
                store.insert(SecurityGroup(id=group, name=name, project_id=PROJECT))
            store.insert(Keypair(id="k1", name="alice-key", user_id=USER, public_key=KEY,
                                 fingerprint="x"))
            for server_id, port_id, address, groups in (
                    (ALICE, ALICE_PORT, topology.alice, list(GROUPS)),
                    (BOB, BOB_PORT, topology.bob, [GROUPS[0]])):
                _port(store, port_id, address, device=server_id, owner="compute:nova",
                      groups=groups)
            if routed:
                _port(store, ROUTER_PORT, topology.gateway, device=ROUTER,
                      owner="network:router_interface", groups=[])
                store.insert(Router(id=ROUTER, name="router", project_id=PROJECT))
            store.insert(FloatingIP(id="f1", name="192.168.61.5", project_id=PROJECT,
                                    floating_network_id="e" * 32,
                                    floating_ip_address="192.168.61.5", floating_port_id="x",
                                    port_id=ALICE_PORT, fixed_ip_address=topology.alice))
            store.insert(_server(ALICE, "alice", ALICE_PORT, key_name="alice-key",
                                 user_data=USER_DATA, metadata={"role": "web"},
                                 kernel_id=KERNEL))
            store.insert(_server(BOB, "bob", BOB_PORT))
    finally:
        store.close()
    return topology


def _port(store: Store, port_id: str, address: str, *, device: str, owner: str,
          groups: list[str]) -> None:
    store.insert(Port(id=port_id, project_id=PROJECT, network_id=NETWORK,
                      mac_address=f"fa:16:3e:00:00:{port_id[:2]}",
                      fixed_ips=[{"subnet_id": SUBNET, "ip_address": address}],
                      device_id=device, device_owner=owner, security_group_ids=groups))
    store.allocate_ip(network_id=NETWORK, subnet_id=SUBNET, port_id=port_id, pools=(),
                      requested=address)


def _server(server_id: str, name: str, port_id: str, *, key_name: str | None = None,
            user_data: bytes | None = None, metadata: dict[str, str] | None = None,
            kernel_id: str = "") -> Server:
    return Server(id=server_id, name=name, project_id=PROJECT, user_id=USER, flavor_id="1",
                  flavor={"original_name": "m1.tiny", "vcpus": 1, "ram": 512},
                  image_id=IMAGE, hostname=name, key_name=key_name,
                  metadata=metadata or {}, port_ids=[port_id],
                  user_data=base64.b64encode(user_data).decode() if user_data else None,
                  reservation_id="r-0a1b2c3d", kernel_id=kernel_id,
                  vm_state="active", task_state=None)

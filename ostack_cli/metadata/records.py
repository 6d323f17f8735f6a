"""The store's records as the metadata sees them: which instance asks, and what it is told.

``find_port`` is Neutron's metadata agent (``MetadataProxyHandler.get_port``): the one port
holding the requester's address on the network a DHCP namespace serves, or on one of the
networks a router has an interface on. ``instance_metadata`` is Nova's side: an instance's
``InstanceMetadata`` from its server record, ports, subnets, keypair, floating IPs and
security groups (what the config drive is written from too). ``save_password`` is the one
write: what a guest posts to ``openstack/<version>/password``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from typing import Literal

from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.keypair import Keypair
from ostack_cli.backend.models.network import (
    ROUTER_INTERFACE_OWNERS,
    FloatingIP,
    Network,
    Port,
    Subnet,
)
from ostack_cli.backend.models.security_group import SecurityGroup
from ostack_cli.backend.models.server import Server
from ostack_cli.metadata.content import InstanceMetadata, NetworkLinkSpec
from ostack_cli.state.store import Store

ScopeKind = Literal["network", "router"]
PASSWORD_CHUNKS, PASSWORD_CHUNK_LENGTH = 4, 255  # nova/api/metadata/password.py
MAX_PASSWORD_SIZE = PASSWORD_CHUNKS * PASSWORD_CHUNK_LENGTH
_UNSET = object()


@dataclasses.dataclass(frozen=True)
class Scope:
    """What one metadata proxy answers for: a network (a DHCP namespace's) or a router."""

    kind: ScopeKind
    resource_id: str


def scope_networks(store: Store, scope: Scope) -> list[str]:
    """The networks whose guests the proxy answers: the network itself, or those the router
    has an interface on (Neutron's ``_get_router_networks``)."""
    if scope.kind == "network":
        return [scope.resource_id]
    rows = store.conn.execute(
        "SELECT body FROM resources WHERE kind = ? AND json_extract(body, '$.device_id') = ?",
        (Port.KIND, scope.resource_id))
    ports = [Port.from_json(json.loads(row[0])) for row in rows]
    return sorted({p.network_id for p in ports if p.device_owner in ROUTER_INTERFACE_OWNERS})


def find_port(store: Store, scope: Scope, address: str) -> Port | None:
    """The one port with ``address`` on the scope's networks; None if none or several
    (Neutron answers only for exactly one)."""
    networks = scope_networks(store, scope)
    if not networks:
        return None
    marks = ",".join("?" * len(networks))
    rows = store.conn.execute(
        f"SELECT DISTINCT port_id FROM ip_allocations WHERE ip_address = ?"
        f" AND network_id IN ({marks})", (address, *networks)).fetchall()
    ports = [p for p in (store.get(Port, row[0]) for row in rows)
             if p is not None and p.network_id in networks
             and any(f["ip_address"] == address for f in p.fixed_ips)]
    return ports[0] if len(ports) == 1 else None


def instance_metadata(
    store: Store,
    server: Server,
    *,
    public_keys: dict[str, str] | None = None,
    user_data: bytes | object | None = _UNSET,
) -> InstanceMetadata:
    """Everything the server's metadata says, from its records. ``public_keys`` and
    ``user_data`` replace what the records say (a build passes what it boots with)."""
    ports = [p for p in (store.get(Port, pid) for pid in server.port_ids) if p]
    keypair = _keypair(store, server)
    if public_keys is None:
        public_keys = {keypair.name: keypair.public_key} if keypair else {}
    if user_data is _UNSET:
        user_data = _decoded(server.user_data)
    assert user_data is None or isinstance(user_data, bytes)
    port_ids = {p.id for p in ports}
    floating = [f for f in store.list(FloatingIP) if f.port_id in port_ids]
    order = {p.id: i for i, p in enumerate(ports)}
    floating.sort(key=lambda f: order[f.port_id or ""])
    groups = {g.id: g.name or g.id for g in store.list(SecurityGroup)}
    return InstanceMetadata(
        uuid=server.id,
        name=server.name,
        hostname=server.hostname,
        project_id=server.project_id,
        public_keys=public_keys,
        key_name=server.key_name,
        key_type=keypair.type if keypair else "ssh",
        user_data=user_data,
        availability_zone=server.availability_zone or "nova",
        launch_index=server.launch_index,
        links=tuple(_link(store, port) for port in ports),
        meta=dict(server.metadata),
        image_id=server.image_id,
        kernel_id=server.kernel_id or "",
        ramdisk_id=server.ramdisk_id or "",
        reservation_id=server.reservation_id,
        flavor_name=str(server.flavor.get("original_name", "")),
        security_groups=tuple(groups[g] for p in ports for g in p.security_group_ids
                              if g in groups),
        floating_ips=tuple(f.floating_ip_address for f in floating),
        root_device_name=server.root_device_name,
        password=password(server),
    )


def password(server: Server) -> str | None:
    """Nova's ``extract_password``: the ``password_N`` chunks in order, None if empty."""
    chunks = server.system_metadata
    return "".join(chunks[k] for k in sorted(chunks) if k.startswith("password_")) or None


def save_password(store: Store, server_id: str, text: str) -> bool:
    """Nova's ``convert_password`` into the server's system metadata (four chunks of 255
    characters); False if the server is gone."""
    with store.transaction():
        server = store.get(Server, server_id)
        if server is None:
            return False
        chunks = {f"password_{i}": text[i * PASSWORD_CHUNK_LENGTH:(i + 1) * PASSWORD_CHUNK_LENGTH]
                  for i in range(PASSWORD_CHUNKS)}
        store.update(server.replace(system_metadata={**server.system_metadata, **chunks},
                                    updated_at=utcnow()))
    return True


def _keypair(store: Store, server: Server) -> Keypair | None:
    """The server's keypair (its name, its user's first; none if it is gone)."""
    if not server.key_name:
        return None
    found = store.list(Keypair, name=server.key_name)
    mine = [k for k in found if k.user_id == server.user_id] or found
    return mine[0] if mine else None


def _link(store: Store, port: Port) -> NetworkLinkSpec:
    network = store.get(Network, port.network_id)
    fixed = port.fixed_ips[0] if port.fixed_ips else None
    subnet = store.get(Subnet, fixed["subnet_id"]) if fixed else None
    return NetworkLinkSpec(
        port_id=port.id,
        mac=port.mac_address,
        network_id=port.network_id,
        mtu=network.mtu if network else None,
        cidr=subnet.cidr if subnet else None,
        ip_address=fixed["ip_address"] if fixed else None,
        gateway=subnet.gateway_ip if subnet else None,
        dns_nameservers=tuple(subnet.dns_nameservers) if subnet else (),
        host_routes=tuple((r["destination"], r["nexthop"])
                          for r in (subnet.host_routes if subnet else [])),
        dhcp=subnet.is_dhcp_enabled if subnet else False,
    )


def _decoded(user_data: str | None) -> bytes | None:
    if not user_data:
        return None
    try:
        return base64.b64decode(user_data)
    except (binascii.Error, ValueError):
        return None

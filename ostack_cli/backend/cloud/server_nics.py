"""A server's network interfaces, locks and tags through Nova (openstacksdk)."""

from __future__ import annotations

from typing import Any

from openstack.compute.v2 import server_interface as sdk_server_interface

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.server_interface import ServerInterface


def interface_from_sdk(interface: sdk_server_interface.ServerInterface) -> ServerInterface:
    return ServerInterface(
        port_id=interface.port_id,
        server_id=interface.server_id,
        net_id=interface.net_id,
        mac_addr=interface.mac_addr,
        port_state=interface.port_state,
        fixed_ips=list(interface.fixed_ips or []),
        tag=interface.tag,
    )


@translate_errors
class CloudServerInterfaces(CloudBase):
    def server_interfaces(self, server: Server) -> list[ServerInterface]:
        return [interface_from_sdk(i) for i in self.conn.compute.server_interfaces(server.id)]

    def attach_server_interface(
        self,
        server: Server,
        *,
        port_id: str | None = None,
        network_id: str | None = None,
        fixed_ip: str | None = None,
        tag: str | None = None,
    ) -> ServerInterface:
        kwargs: dict[str, Any] = {}
        if port_id:
            kwargs["port_id"] = port_id
        if network_id:
            kwargs["net_id"] = network_id
        if fixed_ip:
            kwargs["fixed_ips"] = [{"ip_address": fixed_ip}]
        if tag:
            kwargs["tag"] = tag
        return interface_from_sdk(
            self.conn.compute.create_server_interface(server.id, **kwargs))

    def detach_server_interface(self, server: Server, port_id: str) -> None:
        self.conn.compute.delete_server_interface(port_id, server=server.id,
                                                  ignore_missing=False)

    def remove_fixed_ip_from_server(self, server: Server, address: str) -> None:
        self.conn.compute.remove_fixed_ip_from_server(server.id, address)


@translate_errors
class CloudServerLocks(CloudBase):
    def lock_server(self, server: Server, *, reason: str | None = None) -> None:
        kwargs = {"locked_reason": reason} if reason else {}
        self.conn.compute.lock_server(server.id, **kwargs)

    def unlock_server(self, server: Server) -> None:
        self.conn.compute.unlock_server(server.id)

    def add_server_tag(self, server: Server, tag: str) -> None:
        self.conn.compute.add_tag_to_server(server.id, tag=tag)

    def remove_server_tag(self, server: Server, tag: str) -> None:
        self.conn.compute.remove_tag_from_server(server.id, tag)

    def remove_server_tags(self, server: Server) -> None:
        self.conn.compute.remove_tags_from_server(server.id)

    def acting_user_name(self) -> str:
        # The real client's auth_ref.username: the token's user.
        session = self.conn.session
        auth: Any = session.auth
        return str(auth.get_access(session).username)

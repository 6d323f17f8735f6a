"""Nova's remote consoles on this host: ``console url show``.

The checks run in Nova's order and say what Nova says: the API's (RDP is gone), the compute
API's (the instance must be on a host), the compute manager's (which consoles the host
offers: noVNC, SPICE where QEMU has it, the serial console; no WebMKS) and the libvirt
driver's (the guest and its display, from its definition). Then a token is made
(``console_auth``), stored by its hash only, and handed out in Nova's URL, pointing at the
store's console proxy, which is started first if it does not run (``console_proxy_host``).
"""

from __future__ import annotations

import os
import time

from ostack_cli.backend.local import console_auth
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.console import ConsoleAuthToken
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, CommandError, Conflict, NotFound, OstackError

# webob's text for a bare 400, which is what Nova's API answers for an RDP console.
MALFORMED = ("The server could not comply with the request since it is either malformed or "
             "otherwise incorrect.")
# What Nova's API answers for a server in a task state its consoles reject
# (nova/api/openstack/wsgi.py expected_errors, with Nova's default support string).
UNEXPECTED_INVALID_STATE = ("Unexpected API Error. Please contact the administrator\n"
                            "<class 'nova.exception.InstanceInvalidState'>")


class Consoles:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host

    def url(self, server: Server, console_type: str) -> dict[str, str]:
        """Nova's remote console (``POST /servers/{id}/remote-consoles``): its protocol, type
        and URL."""
        protocol = console_auth.PROTOCOLS.get(console_type)
        if protocol is None or protocol == "rdp":
            raise BadRequest(MALFORMED)
        self._check_instance(server)
        self._check_offered(protocol, console_type)
        port = self._console_port(server, protocol)
        address, proxy_port = self._proxy()
        base = console_auth.url_base(console_type, address, proxy_port)
        now = time.time()
        token, record = console_auth.make_token(
            instance_uuid=server.id, console_type=console_type, port=port,
            access_url_base=base, now=now, created_at=utcnow(),
            ttl=self.host.settings.console_token_ttl)
        with self.store.transaction():
            self._forget_stale(now)
            self.store.insert(record)
        return {"protocol": protocol, "type": console_type,
                "url": console_auth.access_url(console_type, base, token)}

    # -- Nova's checks, in its order ---------------------------------------------------

    @staticmethod
    def _check_instance(server: Server) -> None:
        """nova/compute/api.py: ``check_instance_host`` and ``reject_instance_state``. The
        remote consoles API maps InstanceNotReady to a 409 but not InstanceInvalidState, so
        a deleting or migrating server is its 500."""
        if not server.host:  # shelved offloaded, or never scheduled
            raise Conflict(f"Instance {server.id} is not ready")
        if server.task_state in ("deleting", "migrating"):
            raise OstackError(UNEXPECTED_INVALID_STATE)

    def _check_offered(self, protocol: str, console_type: str) -> None:
        """nova/compute/manager.py: the consoles this host's configuration enables."""
        unavailable = BadRequest(f"Unavailable console type {console_type}.")
        if protocol == "mks":  # VMware's, never here
            raise unavailable
        if protocol == "vnc" and console_type != "novnc":
            raise BadRequest(f"Invalid console type {console_type}")
        # SPICE where this QEMU has it; spice-direct needs a native SPICE proxy (Nova's
        # spice_direct_proxy_base_url) that this host does not run.
        if protocol == "spice" and (console_type != "spice-html5" or not self._has_spice()):
            raise unavailable

    def _has_spice(self) -> bool:
        if self.host.is_test_driver:
            return False
        return self.host.hypervisor.has_spice(self.host.virt_type())

    def _console_port(self, server: Server, protocol: str) -> int | None:
        """nova/virt/libvirt/driver.py: the guest's display port from its definition (-1 for
        a guest that is not running), or its serial console (None: no port)."""
        xml = self.host.hypervisor.domain_xml(server.instance_name)
        if xml is None:
            if server.vm_state == "building":
                raise Conflict(f"Instance {server.id} is not ready")
            raise NotFound(f"Instance {server.id} could not be found.")
        if protocol == console_auth.SERIAL:
            if "<serial " not in xml:
                raise BadRequest("Unavailable console type serial.")
            return None
        ports = console_auth.display_ports(xml)
        if protocol not in ports:  # defined before guests had displays
            raise BadRequest(f"Unavailable console type {protocol}.")
        return ports[protocol]

    # -- the proxy and the tokens ------------------------------------------------------

    def _proxy(self) -> tuple[str, int]:
        """The address and port of the store's console proxy, started if it does not run.
        Without a host to drive (libvirt's test driver, not root): where it would listen."""
        spec = self.host.console_proxy()
        if self.host.is_test_driver or os.geteuid() != 0:
            return spec.address, spec.ports[0]
        from ostack_cli.backend.local import console_proxy_host
        from ostack_cli.backend.local.host_lock import host_lock

        try:
            with host_lock(self.context.state_dir):
                return spec.address, console_proxy_host.ensure(spec)
        except console_proxy_host.ConsoleProxyError as exc:
            raise CommandError(str(exc), "Run 'ostack host sync' to see what the host "
                               "lacks.") from None

    def _forget_stale(self, now: float) -> None:
        """Nova's clean-ups: expired tokens (its periodic task) and those of servers that
        are gone (it drops them with the instance)."""
        servers = {s for s, _ in self.store.names(Server.KIND)}
        for record in self.store.list(ConsoleAuthToken):
            if record.expires <= now or record.instance_uuid not in servers:
                self.store.delete(ConsoleAuthToken, record.id)

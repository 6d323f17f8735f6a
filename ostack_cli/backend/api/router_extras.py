"""A router's extra routes one by one (Neutron's ``extraroute-atomic``), and its gateways one
by one (``external-gateway-multihoming``, which only some L3 plugins have)."""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.network import Router
from ostack_cli.errors import CommandError

MULTIHOMING = "external-gateway-multihoming"


def no_multihoming() -> CommandError:
    """The real client's refusal of ``router add/remove gateway`` without the extension."""
    return CommandError(
        f"The {MULTIHOMING} extension is not enabled at the Neutron side."
    )


class RouterExtrasAPI(Protocol):
    def network_extension_enabled(self, alias: str) -> bool:
        """Whether Neutron has the API extension ``alias`` (as ``extension list --network``)."""
        ...

    def add_router_routes(self, router: Router, routes: list[dict[str, str]]) -> Router:
        """``{destination, nexthop}`` dicts, added to the router's routes (an exact duplicate
        is no error); the router as the action answers (``extra_attributes`` included)."""
        ...

    def remove_router_routes(self, router: Router, routes: list[dict[str, str]]) -> Router:
        """Routes removed (one already missing is no error)."""
        ...

    def add_router_gateways(self, router: Router, gateways: list[dict[str, Any]]) -> Router:
        """``external_gateways`` entries (``network_id``, ``external_fixed_ips``, ...)."""
        ...

    def remove_router_gateways(
        self, router: Router, gateways: list[dict[str, Any]]
    ) -> Router: ...

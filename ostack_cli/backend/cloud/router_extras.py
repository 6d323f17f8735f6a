"""A router's extra routes and gateways one by one, through openstacksdk's network proxy, as
the real client calls it."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network_map import router_from_sdk
from ostack_cli.backend.models.network import Router


@translate_errors
class CloudRouterExtras(CloudBase):
    def network_extension_enabled(self, alias: str) -> bool:
        return self.conn.network.find_extension(alias, ignore_missing=True) is not None

    def _router_object(self, router: Router) -> Any:
        # The real client acts on the router it found: the action's answer is laid over the
        # router as shown, and both are printed.
        return self.conn.network.get_router(router.id)

    def add_router_routes(self, router: Router, routes: list[dict[str, str]]) -> Router:
        found = self.conn.network.add_extra_routes_to_router(
            self._router_object(router), body={"router": {"routes": list(routes)}})
        return router_from_sdk(found)

    def remove_router_routes(self, router: Router, routes: list[dict[str, str]]) -> Router:
        found = self.conn.network.remove_extra_routes_from_router(
            self._router_object(router), body={"router": {"routes": list(routes)}})
        return router_from_sdk(found)

    def add_router_gateways(self, router: Router, gateways: list[dict[str, Any]]) -> Router:
        found = self.conn.network.add_external_gateways(
            self._router_object(router), body={"router": {"external_gateways": gateways}})
        return router_from_sdk(found)

    def remove_router_gateways(
        self, router: Router, gateways: list[dict[str, Any]]
    ) -> Router:
        found = self.conn.network.remove_external_gateways(
            self._router_object(router), body={"router": {"external_gateways": gateways}})
        return router_from_sdk(found)

"""Which route modules each service has, and their import on the first request for it.

A service's own module (``nova.py``, ``neutron.py``, ...: its mount, errors and versions) is
imported at start-up; the modules that declare its resources' routes (``app.ROUTE_MODULES``:
``nova_servers``, ``neutron_ports``, ...) only when a request for that service finds no route
yet. A server that only ever sees Keystone and Nova never holds Neutron's, Cinder's or
Placement's handlers, nor the backend modules they import (the API process's memory, issue
10).

A route module belongs to the service its name starts with (``nova_`` to the service module
``nova``; ``keystone_`` to ``keystone``, ...). Start-up checks every name: one without its
service's prefix, or no module of that name, fails ``ostack api serve`` itself, as an eager
import would. A module that fails to import answers its service's first request with a 500
(falcon logs the traceback) and is tried again on the next; ``tests/api/test_lazy_routes.py``
imports every listed module, so such a module fails the tests first. A module that
declares routes on another service still works: after each import every service's new
routes are registered. A route module's path must not be one its service module's own
routes already match (the test checks it): those answer until the route modules load.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Sequence

from ostack_cli.api.http import Route, Service
from ostack_cli.errors import CommandError

PACKAGE = "ostack_cli.api"


def service_module(route_module: str) -> str:
    """``nova_servers`` -> ``nova``: the service module a route module belongs to."""
    return route_module.split("_", 1)[0]


def modules_by_service(route_modules: Iterable[str],
                       service_modules: dict[str, Service]) -> dict[str, list[str]]:
    """The route modules of each mounted service (by service type), checked without being
    imported: a name naming no mounted service, or no module, is a start-up error."""
    pending: dict[str, list[str]] = {s.service_type: [] for s in service_modules.values()}
    for name in route_modules:
        service = service_modules.get(service_module(name))
        if service is None:
            raise CommandError(f"Route module {PACKAGE}.{name} belongs to no mounted service "
                               f"(its name must start with one of "
                               f"{', '.join(m + '_' for m in sorted(service_modules))}).")
        if importlib.util.find_spec(f"{PACKAGE}.{name}") is None:
            raise CommandError(f"No module named '{PACKAGE}.{name}'")
        pending[service.service_type].append(name)
    return pending


class LazyRoutes:
    """Registers each service's declared routes with ``register`` (the app's falcon router),
    importing a service's route modules the first time ``load`` is asked for it."""

    def __init__(self, services: Sequence[Service], pending: dict[str, list[str]],
                 register: Callable[[Service, Route], None]) -> None:
        self.services = services
        self.pending = pending
        self.register = register
        self._registered: dict[str, int] = {s.service_type: 0 for s in services}
        self.register_new()

    def register_new(self) -> None:
        """Every route declared since the last call, of every service."""
        for service in self.services:
            done = self._registered[service.service_type]
            for route in service.routes[done:]:
                self.register(service, route)
            self._registered[service.service_type] = len(service.routes)

    def load(self, service: Service) -> bool:
        """Import ``service``'s route modules if not yet done; True if it did (the request
        that asked must look for its route again)."""
        modules = self.pending.get(service.service_type)
        if not modules:
            return False
        try:
            for name in modules:
                importlib.import_module(f"{PACKAGE}.{name}")
        finally:
            # What did import is served; a module that failed is tried again (and fails
            # visibly again) on the next request.
            self.register_new()
        del self.pending[service.service_type]
        return True

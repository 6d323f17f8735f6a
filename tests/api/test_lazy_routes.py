"""Route modules imported on each service's first request (``api/routing.py``, issue 10):
what start-up checks, and that a service's first request is answered as every later one."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.api import app as api_app
from ostack_cli.api import routing
from ostack_cli.api.routing import modules_by_service, service_module
from ostack_cli.errors import CommandError
from tests.api.conftest import ApiServer, start_server, stop_server


def test_every_route_module_belongs_to_a_mounted_service() -> None:
    mounted = api_app.services()
    pending = modules_by_service(api_app.ROUTE_MODULES, mounted)
    assert sorted(m for modules in pending.values() for m in modules) == sorted(
        api_app.ROUTE_MODULES)
    assert pending["compute"][0] == "nova_flavors"
    assert service_module("keystone_application_credentials") == "keystone"


def test_a_module_without_its_service_prefix_stops_start_up() -> None:
    with pytest.raises(CommandError, match="belongs to no mounted service"):
        modules_by_service(["servers_extra"], api_app.services())


def test_a_missing_module_stops_start_up() -> None:
    with pytest.raises(CommandError, match=r"No module named 'ostack_cli\.api\.nova_nothing'"):
        modules_by_service(["nova_nothing"], api_app.services())


def test_no_route_module_path_is_taken_by_its_service_module_before_it_loads() -> None:
    """Until a service's route modules are imported only its own module's routes answer: none
    of them may match a path a route module declares (falcon would send that path to the
    service module's handler on a fresh server, and to the route module's later)."""
    from falcon.routing import CompiledRouter

    mounted = api_app.services()
    for name in api_app.ROUTE_MODULES:
        importlib.import_module(f"ostack_cli.api.{name}")
    for module, service in mounted.items():
        own = {r.template for r in service.routes
               if r.handler.__module__ == f"ostack_cli.api.{module}"}
        router = CompiledRouter()
        for template in own:
            router.add_route(template or "/", object())
        for route in service.routes:
            if route.template not in own:
                path = re.sub(r"\{[^}]+\}", "x1", route.template)
                assert router.find(path) is None, (module, route.template)


_SERVICE = """
from ostack_cli.api.faults import ErrorStyle
from ostack_cli.api.http import Service

THINGS = Service(name="things", service_type="things", mount="/things",
                 errors=ErrorStyle(), malformed_body="bad")
"""
_ROUTES = """
from lazyfake.things import THINGS

@THINGS.route("GET", "/v1/things/{thing_id}")
def show(req, thing_id):
    raise AssertionError
"""


def test_routes_are_added_when_their_service_is_first_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "lazyfake"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "things.py").write_text(_SERVICE)
    (package / "things_routes.py").write_text(_ROUTES)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(routing, "PACKAGE", "lazyfake")
    from lazyfake.things import THINGS

    added: list[str] = []
    lazy = routing.LazyRoutes([THINGS], {"things": ["things_routes"]},
                              lambda service, route: added.append(route.template))
    assert added == []
    assert lazy.load(THINGS)
    assert added == ["/things/v1/things/{thing_id}"]
    assert not lazy.load(THINGS)  # once
    assert added == ["/things/v1/things/{thing_id}"]


def test_the_app_routes_each_service_module_at_start_up(tmp_path: Path) -> None:
    runtime = api_app.ApiRuntime(tmp_path)
    try:
        server = api_app.ApiApp(runtime)
        assert "/compute/v2.1" in server._resources  # Nova's versions
        types = {s.service_type for s in server.services}
        # Every service's route modules wait for its first request (those another test in
        # this process imported are routed already, which changes nothing).
        assert set(server.routes.pending) == types
    finally:
        runtime.shutdown()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ApiServer]:
    """A server no request has reached yet (the module-wide one has served others)."""
    server = start_server(tmp_path / "home")
    try:
        yield server
    finally:
        stop_server(server)


def test_a_services_first_request_is_answered_as_the_next(fresh_server: ApiServer) -> None:
    token = fresh_server.token()
    # A method the path has not (405), a path no route has (404), a routed path (200): each
    # the first request its service sees on a fresh server, then again.
    for method, path in (("PATCH", "/network/v2.0/networks"),
                         ("GET", "/volume/v3/nothing-here"),
                         ("GET", "/compute/v2.1/flavors")):
        first = fresh_server.request(method, path, token=token)
        again = fresh_server.request(method, path, token=token)
        assert (first.status_code, first.content) == (again.status_code, again.content)
    assert first.status_code == 200

"""The ASGI application: falcon's router in front of the services' handlers.

For every request: a request ID, the route (or the service's own 404), the body read (within
the route's limit), then, in a worker thread, the token check, the service's ``prepare``,
the handler, and the closing of what the request opened (the store; the backend, whose
``close`` converges the host exactly as after a CLI command). Errors become the service's
body (``faults.py``). One line per request goes to the ``ostack.api`` log: method, path,
status, duration, request ID, user and project; never a header's value or a body.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import falcon
import falcon.asgi

from ostack_cli.api.faults import ApiFault, Rendered, fault_for
from ostack_cli.api.fernet_keys import KeyRepository
from ostack_cli.api.http import ApiRequest, Reply, Route, Service
from ostack_cli.api.password_cache import VerifiedPasswords
from ostack_cli.api.principal import Authenticator, Principal
from ostack_cli.api.tokens import TokenFormatter
from ostack_cli.errors import OstackError
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local import LocalBackend

LOG = logging.getLogger("ostack.api")
REQUEST_ID_HEADER = "x-openstack-request-id"
TOO_LARGE = "Request is too large."
METHOD_NOT_ALLOWED = "The method is not allowed for the requested URL."
WORKERS = 8
AsgiResponder = Callable[..., Awaitable[None]]


def services() -> dict[str, Service]:
    """Every service this server mounts, by the name of its module (the prefix of its route
    modules' names); Keystone last, as its mount (``/``) is the catch-all. Their route
    modules (``ROUTE_MODULES``) are imported on the first request for each
    (``routing.py``)."""
    from ostack_cli.api import cinder, glance, keystone, neutron, nova, placement

    return {"nova": nova.NOVA, "neutron": neutron.NEUTRON, "glance": glance.GLANCE,
            "cinder": cinder.CINDER, "placement": placement.PLACEMENT,
            "keystone": keystone.KEYSTONE}


# The modules that declare each service's routes, imported on the service's first request.
# A new one goes here, named after its service's module (``nova_*``, ``neutron_*``,
# ``glance_*``, ``cinder_*``, ``keystone_*``, ``placement_*``): start-up checks both.
ROUTE_MODULES = (
    "nova_flavors", "nova_servers", "nova_actions", "nova_keypairs", "nova_quotas",
    "nova_hosts", "nova_aggregates", "nova_services", "nova_migrations",
    "nova_server_groups", "nova_server_extras", "nova_consoles",
    "nova_server_security_groups", "nova_volume_attachments", "nova_usage",
    "neutron_networks", "neutron_ports", "neutron_routers", "neutron_security", "neutron_misc",
    "neutron_port_forwardings", "neutron_subnet_pools", "neutron_agents", "neutron_rbac",
    "glance_images", "glance_schemas", "glance_import",
    "keystone_application_credentials", "keystone_groups", "keystone_trusts",
    "keystone_access_rules",
    "cinder_volumes", "cinder_snapshots", "cinder_misc", "cinder_transfers", "cinder_backups",
    "cinder_attachments",
    "cinder_groups",
)


class ApiRuntime:
    """What the server keeps for its whole life: the store's location, the token keys, the
    verified-password memory and the worker threads."""

    def __init__(self, state_dir: Path, *, workers: int = WORKERS) -> None:
        from ostack_cli.backend.local import seed

        self.state_dir = state_dir
        self.db_path = state_dir / "state.db"
        self.keys = KeyRepository.for_state_dir(state_dir)
        self.keys.setup()
        self.formatter = TokenFormatter(self.keys)
        self.passwords = VerifiedPasswords()
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ostack-api")
        store = Store(self.db_path)
        try:
            seed(store)
        finally:
            store.close()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True)


class _Resources:
    """The store connection and backend of one request, opened on first use, in the
    request's worker thread (SQLite connections stay in the thread that made them)."""

    def __init__(self, runtime: ApiRuntime, *, identity: bool = False) -> None:
        self.runtime = runtime
        self.identity = identity  # a Keystone request
        self._store: Store | None = None
        self._authenticator: Authenticator | None = None
        self._backend: LocalBackend | None = None

    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.runtime.db_path)
        return self._store

    def authenticator(self) -> Authenticator:
        if self._authenticator is None:
            self._authenticator = Authenticator(self.store(), self.runtime.formatter,
                                                self.runtime.passwords)
        return self._authenticator

    def backend(self, principal: Principal) -> LocalBackend:
        if self._backend is None:
            from ostack_cli.backend.local import LocalBackend

            project_id = principal.project.id if principal.project else ""
            # A domain-scoped admin manages that domain's identity resources; to the other
            # services it is no admin (their policies want a project-scoped one).
            is_admin = principal.is_admin and (principal.project is not None
                                               or self.identity)
            self._backend = LocalBackend(self.store(), self.runtime.state_dir, project_id,
                                         principal.user.id, is_admin=is_admin)
        return self._backend

    def close(self) -> None:
        """Converge what the request wrote, then let go. A host fault after a successful
        change is logged (the record carries it, as after Neutron's agents report), not
        turned into the request's failure: the change itself was made."""
        backend, self._backend = self._backend, None
        store, self._store = self._store, None
        if backend is not None:
            try:
                backend.close()
            except OstackError as exc:
                LOG.warning("host: %s", exc.message)
        elif store is not None:
            store.close()


class _Outcome:
    def __init__(self, rendered: Rendered | None = None, reply: Reply | None = None,
                 headers: list[tuple[str, str]] | None = None) -> None:
        self.rendered = rendered
        self.reply = reply
        self.headers = headers or []


class _Dispatcher:
    def __init__(self, runtime: ApiRuntime) -> None:
        self.runtime = runtime

    def run(self, route: Route, req: ApiRequest, params: dict[str, str],
            resources: _Resources) -> _Outcome:
        """The worker thread's part of a request."""
        service = req.service
        try:
            try:
                if route.auth:
                    principal = resources.authenticator().principal(req.header("x-auth-token"))
                    if route.scoped and not principal.scoped:
                        from ostack_cli.api.principal import unauthorized

                        raise unauthorized()
                    req.principal = principal
                    if principal.application_credential is not None:
                        # keystonemiddleware's access rules, before the service sees it.
                        from ostack_cli.api.access_rule_check import check_request

                        check_request(req)
                service.prepare(req)
                answered = (service.domain_scoped(req, route)
                            if route.scoped and req.principal is not None
                            and req.principal.domain is not None else None)
                reply = answered if answered is not None else route.handler(req, **params)
            finally:
                resources.close()
        except ApiFault as fault:
            return self._failed(req, fault)
        except OstackError as exc:
            return self._failed(req, fault_for(exc, service.service_type))
        except Exception:
            LOG.error("%s %s %s failed:\n%s", req.request_id, req.method, req.path,
                      traceback.format_exc())
            return self._failed(req, fault_for(Exception(), service.service_type))
        return _Outcome(reply=reply, headers=service.response_headers(req))

    def unrouted(self, req: ApiRequest, path_known: bool, resources: _Resources) -> _Outcome:
        """A path no route has (the service's 404), or a method its path has not (405);
        behind the token check where the real service has keystonemiddleware."""
        try:
            if req.service.guards(req.path):
                try:
                    req.principal = resources.authenticator().principal(
                        req.header("x-auth-token"))
                finally:
                    resources.close()
        except ApiFault as fault:
            return self._failed(req, fault)
        if path_known:
            return self._failed(req, ApiFault(405, METHOD_NOT_ALLOWED))
        return _Outcome(rendered=req.service.unrouted(req))

    @staticmethod
    def _failed(req: ApiRequest, fault: ApiFault) -> _Outcome:
        rendered = req.service.render(req, fault)
        # The 401 comes from the token check, in front of the service (no service headers).
        headers = [] if fault.status == 401 else req.service.response_headers(req)
        return _Outcome(rendered=rendered, headers=headers)


class _ServiceResource:
    """One path template's falcon resource: each method goes to its route's handler."""

    def __init__(self, app: ApiApp, service: Service, routes: dict[str, Route]) -> None:
        self.app = app
        self.service = service
        self.routes = routes

    async def _on(self, method: str, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                  params: dict[str, Any]) -> None:
        route = self.routes.get(method)
        if route is None and method == "HEAD":
            route = self.routes.get("GET")
        await self.app.serve(self.service, route, req, resp, params, path_known=True)

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                     **params: Any) -> None:
        await self._on("GET", req, resp, params)

    async def on_head(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                      **params: Any) -> None:
        await self._on("HEAD", req, resp, params)

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                      **params: Any) -> None:
        await self._on("POST", req, resp, params)

    async def on_put(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                     **params: Any) -> None:
        await self._on("PUT", req, resp, params)

    async def on_patch(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                       **params: Any) -> None:
        await self._on("PATCH", req, resp, params)

    async def on_delete(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                        **params: Any) -> None:
        await self._on("DELETE", req, resp, params)


class _Unrouted:
    def __init__(self, app: ApiApp, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, req: falcon.asgi.Request, resp: falcon.asgi.Response | None,
                       **_: Any) -> None:
        assert resp is not None  # falcon passes None only for WebSocket requests
        await self.app.serve(self.service, None, req, resp, {})


class _SyncReader:
    """A streaming route's body, read from the worker thread."""

    def __init__(self, stream: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.stream = stream
        self.loop = loop

    def read(self, size: int = -1) -> bytes:
        future = asyncio.run_coroutine_threadsafe(
            self.stream.read(None if size < 0 else size), self.loop)
        return bytes(future.result())


class ApiApp:
    def __init__(self, runtime: ApiRuntime, mounted: dict[str, Service] | None = None) -> None:
        from falcon.routing import CompiledRouter

        from ostack_cli.api.routing import LazyRoutes, modules_by_service

        self.runtime = runtime
        self.dispatcher = _Dispatcher(runtime)
        by_module = mounted if mounted is not None else services()
        pending = modules_by_service(ROUTE_MODULES, by_module)  # before anything is served
        self.services = list(by_module.values())
        self.router = CompiledRouter()
        self.falcon = falcon.asgi.App(cors_enable=False, router=self.router)
        self.falcon.req_options.keep_blank_qs_values = True
        self.falcon.req_options.strip_url_path_trailing_slash = True
        self.falcon.add_error_handler(falcon.HTTPError, self._falcon_error)
        # Sinks: the last added is tried first, so the catch-all (Keystone's "/") goes first.
        for service in reversed(self.services):
            self.falcon.add_sink(_Unrouted(self, service), prefix=service.mount or "/")
        self._resources: dict[str, _ServiceResource] = {}
        self.routes = LazyRoutes(self.services, pending, self._add_route)

    def _add_route(self, service: Service, route: Route) -> None:
        resource = self._resources.get(route.template)
        if resource is None:
            resource = self._resources[route.template] = _ServiceResource(self, service, {})
            self.falcon.add_route(route.template or "/", resource)
        resource.routes[route.method] = route

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.falcon(scope, receive, send)

    def service_for(self, path: str) -> Service:
        for service in self.services:
            if service.mount and (path == service.mount or path.startswith(service.mount + "/")):
                return service
        return self.services[-1]

    async def _falcon_error(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                            ex: falcon.HTTPError, params: dict[str, Any]) -> None:
        service = self.service_for(req.path)
        fault = ApiFault(int(ex.status_code), ex.description or ex.title or "Error")
        api_req = self._request(service, req, b"", "req-" + str(uuid.uuid4()))
        self._write(resp, api_req, _Outcome(rendered=service.render(api_req, fault)))

    def _request(self, service: Service, req: falcon.asgi.Request, body: bytes,
                 request_id: str, **extra: Any) -> ApiRequest:
        params: dict[str, list[str]] = {}
        for name, value in req.params.items():
            params[name] = list(value) if isinstance(value, list) else [value]
        headers = {name.lower(): value for name, value in req.headers.items()}
        return ApiRequest(service=service, method=req.method, path=req.path,
                          query_string=req.query_string, params=params, headers=headers,
                          body=body, base_url=req.prefix, request_id=request_id, **extra)

    async def serve(self, service: Service, route: Route | None, req: falcon.asgi.Request,
                    resp: falcon.asgi.Response, params: dict[str, Any], *,
                    path_known: bool = False) -> None:
        """One request: ``route`` None is a path no route has (``path_known`` False) or a
        method its path has not."""
        if route is None and self.routes.load(service):
            # The service's first request: its route modules are now imported and routed
            # (on the event loop's thread, so no request sees the router half-built); route
            # this request again as falcon would have.
            found = self.router.find(req.path, req)
            if found is not None:
                _, method_map, found_params, _ = found
                responder = cast(AsgiResponder, method_map.get(
                    req.method, falcon.responders.bad_request_async))
                await responder(req, resp, **found_params)
                return
        started = time.monotonic()
        request_id = "req-" + str(uuid.uuid4())
        loop = asyncio.get_running_loop()
        resources = _Resources(self.runtime, identity=service.service_type == "identity")
        outcome: _Outcome
        api_req: ApiRequest
        if route is None:
            api_req = self._request(service, req, b"", request_id, resources=resources)
            outcome = await loop.run_in_executor(
                self.runtime.executor, self.dispatcher.unrouted, api_req, path_known,
                resources)
        else:
            body = b""
            reader = None
            too_large = False
            if route.stream_body:
                reader = _SyncReader(req.stream, loop)
            else:
                length = req.content_length or 0
                if length > route.max_body:
                    too_large = True
                else:
                    body = await req.stream.read(route.max_body + 1)
                    too_large = len(body) > route.max_body
            api_req = self._request(service, req, body, request_id, body_stream=reader,
                                    resources=resources)
            if too_large:
                outcome = _Outcome(rendered=service.render(api_req, ApiFault(413, TOO_LARGE)))
            else:
                outcome = await loop.run_in_executor(
                    self.runtime.executor, self.dispatcher.run, route, api_req, params,
                    resources)
        self._write(resp, api_req, outcome)
        status = outcome.rendered.status if outcome.rendered else (
            outcome.reply.status if outcome.reply else 500)
        principal = api_req.principal
        LOG.info("%s %s %s %s %.1fms user=%s project=%s", request_id, req.method, req.path,
                 status, (time.monotonic() - started) * 1000,
                 principal.user.id if principal else "-",
                 principal.project.id if principal and principal.project else "-")

    def _write(self, resp: falcon.asgi.Response, req: ApiRequest, outcome: _Outcome) -> None:
        for name, value in outcome.headers:
            resp.append_header(name, value)
        if outcome.rendered is not None:
            rendered = outcome.rendered
            resp.status = falcon.code_to_http_status(rendered.status)
            resp.content_type = rendered.content_type
            resp.data = rendered.body
            for name, value in rendered.headers.items():
                resp.set_header(name, value)
        elif outcome.reply is not None:
            reply = outcome.reply
            resp.status = falcon.code_to_http_status(reply.status)
            if reply.stream is not None:
                resp.content_type = reply.content_type or "application/octet-stream"
                resp.stream = self._chunks(reply.stream)
            elif reply.status == 204 or (reply.body is None and reply.raw is None):
                resp.data = b""
                if reply.content_type:
                    resp.content_type = reply.content_type
            else:
                resp.content_type = reply.content_type or "application/json"
                resp.data = reply.encoded()
            if reply.location is not None:
                resp.set_header("Location", reply.location)
            for name, value in reply.headers.items():
                resp.set_header(name, value)
        resp.set_header(REQUEST_ID_HEADER, req.request_id)

    async def _chunks(self, iterator: Iterator[bytes]) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        while True:
            chunk = await loop.run_in_executor(self.runtime.executor, next, iterator, None)
            if chunk is None:
                return
            yield chunk

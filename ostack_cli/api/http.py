"""What a handler sees: the request, the reply it returns, and the service it belongs to.

A service module (``keystone.py``, ``nova.py``, ``neutron.py``, ``glance.py``) makes one
:class:`Service` and declares its handlers on it::

    NOVA = Service(...)

    @NOVA.route("GET", "/v2.1/flavors/{flavor_id}")
    def show_flavor(req: ApiRequest, flavor_id: str) -> Reply:
        flavor = req.backend.find_flavor(flavor_id)       # the token's user and project
        return Reply(200, {"flavor": ...})

Handlers are plain functions run in a worker thread (the backend blocks on SQLite and
libvirt). Everything around them is the framework's (``app.py``): the token is checked
before the handler runs (``auth=False`` for the few public routes), ``req.json(schema)``
parses and validates the body (400 in the service's words, before anything is stored),
exceptions become the service's error body (``faults.py``), ``req.backend`` is a
``LocalBackend`` opened for this request and closed after it (so the host converges exactly
as after a CLI command), and every response carries ``x-openstack-request-id``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ostack_cli.api.faults import (
    NOT_FOUND_MESSAGE,
    ApiFault,
    ErrorStyle,
    Rendered,
)
from ostack_cli.api.schema import Schema, SchemaError, validate

if TYPE_CHECKING:
    from ostack_cli.api.principal import Authenticator, Principal
    from ostack_cli.backend.local import LocalBackend

# Bodies larger than this are refused before they are read (oslo.middleware's sizelimit,
# which Nova and Keystone run with: 114688 bytes). Routes that stream (image uploads) set
# ``stream_body`` and read as they go.
MAX_BODY = 114688


class BodyReader(Protocol):
    def read(self, size: int = -1) -> bytes: ...


class RequestResources(Protocol):
    """What the server opens for a request, on first use, and closes after it."""

    def authenticator(self) -> Authenticator: ...

    def backend(self, principal: Principal) -> LocalBackend: ...


@dataclasses.dataclass
class Reply:
    """A handler's answer. ``body`` is sent as JSON; ``raw`` (with ``content_type``) as
    bytes; ``stream`` as chunks (downloads). ``location`` sets the ``Location`` header."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    stream: Iterator[bytes] | None = None
    content_type: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    location: str | None = None

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


Handler = Callable[..., Reply]


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    template: str  # the full path template, ``/compute/v2.1/servers/{server_id}``
    handler: Handler
    auth: bool = True  # a valid token is required
    scoped: bool = True  # ... scoped to a project (Keystone's identity calls take unscoped)
    stream_body: bool = False
    max_body: int = MAX_BODY


class ApiRequest:
    """One request, as a handler reads it."""

    def __init__(self, *, service: Service, method: str, path: str, query_string: str,
                 params: dict[str, list[str]], headers: dict[str, str], body: bytes,
                 base_url: str, request_id: str,
                 body_stream: BodyReader | None = None,
                 resources: RequestResources | None = None) -> None:
        self.service = service
        self.method = method
        self.path = path
        self.query_string = query_string
        self.params = params  # every value of every query parameter, in order
        self.headers = headers  # lower-case names
        self.body = body
        self.body_stream = body_stream
        self.base_url = base_url  # scheme://host[:port] the client used
        self.request_id = request_id
        self.principal: Principal | None = None
        # Set by a service's ``prepare`` (Nova: the negotiated microversion).
        self.state: dict[str, Any] = {}
        self._resources = resources

    # -- what handlers read ---------------------------------------------------------------

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def param(self, name: str, default: str | None = None) -> str | None:
        """A query parameter's last value (``?limit=5``); ``""`` for a bare ``?name``."""
        values = self.params.get(name)
        return values[-1] if values else default

    def json(self, schema: Schema | None = None) -> Any:
        """The body as JSON, validated against ``schema``: the service's 400 otherwise."""
        try:
            data = json.loads(self.body) if self.body else None
        except ValueError:
            raise ApiFault(400, self.service.malformed_body) from None
        if data is None and self.body:
            raise ApiFault(400, self.service.malformed_body)
        if schema is not None:
            try:
                validate(schema, data)
            except SchemaError as exc:
                raise ApiFault(400, self.service.schema_message(exc)) from None
        return data

    @property
    def url(self) -> str:
        """The request's own URL, without its query."""
        return self.base_url + self.path

    def service_url(self, path: str = "") -> str:
        """An absolute URL under this service's mount (``/compute``, ``/network``, ...)."""
        return self.base_url + self.service.mount + path

    @property
    def backend(self) -> LocalBackend:
        """The local backend, acting as the token's user in the token's project (an
        unscoped token: no project, no admin); opened on first use, closed (and the host
        converged, as after a CLI command) when the request ends."""
        if self._resources is None or self.principal is None:
            raise RuntimeError("this route has no backend: it takes no token")
        return self._resources.backend(self.principal)

    @property
    def authenticator(self) -> Authenticator:
        """Keystone's token checks on this request's store connection."""
        if self._resources is None:
            raise RuntimeError("this request has no store")
        return self._resources.authenticator()


class Service:
    """One OpenStack service on this server: where it is mounted, how it words its errors,
    and its routes. Subclass to add ``prepare`` (runs after the token check, before the
    handler: Nova negotiates its microversion there) and ``response_headers`` (added to
    every response of the service, errors included)."""

    def __init__(self, *, name: str, service_type: str, mount: str, errors: ErrorStyle,
                 malformed_body: str,
                 schema_message: Callable[[SchemaError], str] | None = None) -> None:
        self.name = name
        self.service_type = service_type
        self.mount = mount  # "" for Keystone, "/compute", "/network", "/image"
        self.errors = errors
        self.malformed_body = malformed_body
        self._schema_message = schema_message
        self.routes: list[Route] = []
        # Paths (under the mount) that keystonemiddleware guards: an unknown path there is
        # the 401 without a valid token, as on the real service, before it is a 404.
        self.guarded: tuple[str, ...] = ()

    def guards(self, path: str) -> bool:
        rest = path[len(self.mount):]
        return any(rest == p or rest.startswith(p + "/") for p in self.guarded)

    def route(self, method: str, template: str, *, auth: bool = True, scoped: bool = True,
              stream_body: bool = False, max_body: int = MAX_BODY) -> Callable[[Handler],
                                                                               Handler]:
        """Declare a handler for ``method`` on ``template`` (relative to the mount; falcon's
        syntax: ``/v2.0/networks/{network_id}``)."""
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method.upper(), self.mount + template, handler, auth=auth,
                                     scoped=scoped, stream_body=stream_body,
                                     max_body=max_body))
            return handler
        return register

    def schema_message(self, error: SchemaError) -> str:
        if self._schema_message is not None:
            return self._schema_message(error)
        from ostack_cli.api.schema import field_message

        return field_message(error)

    # -- hooks ------------------------------------------------------------------------------

    def prepare(self, req: ApiRequest) -> None:
        """Runs before the handler (after the token check)."""

    def domain_scoped(self, req: ApiRequest, route: Route) -> Reply | None:
        """A domain-scoped token on this service's project-scoped routes: raise the
        service's refusal where its policy refuses the token's scope, or return the answer
        it gives without acting. None (the default) runs the handler, acting for no project
        and as no admin (Cinder then lists nothing, as it does for such a token)."""
        return None

    def response_headers(self, req: ApiRequest) -> list[tuple[str, str]]:
        """Headers every response of this service carries (besides the request ID); a name
        may come twice (Nova's two ``Vary``)."""
        return []

    def unauthorized(self, req: ApiRequest, fault: ApiFault) -> Rendered:
        """keystonemiddleware's 401 in front of Nova and Neutron: Keystone's JSON body and a
        ``WWW-Authenticate`` naming Keystone."""
        from ostack_cli.api.faults import KeystoneErrors

        rendered = KeystoneErrors().render(fault)
        rendered.headers["WWW-Authenticate"] = f'Keystone uri="{req.base_url}"'
        return rendered

    def unrouted(self, req: ApiRequest) -> Rendered:
        """A path under the mount that no route matches."""
        return self.errors.render(ApiFault(404, NOT_FOUND_MESSAGE),
                                  accept=req.header("accept") or "")

    def render(self, req: ApiRequest, fault: ApiFault) -> Rendered:
        if fault.status == 401:
            return self.unauthorized(req, fault)
        return self.errors.render(fault, accept=req.header("accept") or "")

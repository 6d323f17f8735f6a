"""The exceptions ostack raises; cliff turns each into one line on stderr and exit status 1."""

from __future__ import annotations


class OstackError(Exception):
    """Base of every error a user can cause or fix.

    ``str()`` is the whole message the user sees: it names what is wrong and, where a fix is
    not obvious, how to fix it.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}" if hint else message)


class NotFound(OstackError):
    """No resource matches a name or ID (openstacksdk: ResourceNotFound)."""


class DuplicateResource(OstackError):
    """A name matches several resources where one is needed."""


class Conflict(OstackError):
    """The request contradicts the current state (HTTP 409 in OpenStack)."""


class BadRequest(OstackError):
    """The request is malformed or invalid (HTTP 400 in OpenStack)."""


class Forbidden(OstackError):
    """The policy forbids the request (HTTP 403 in OpenStack)."""


class Unauthorized(OstackError):
    """Authentication failed (HTTP 401 in OpenStack)."""


class QuotaExceeded(OstackError):
    """A project's quota would be exceeded."""


class BackendUnavailable(OstackError):
    """A backend, or a host service it needs, cannot be used."""


class CommandError(OstackError):
    """A command-level failure, such as part of a multi-item delete failing."""


def not_found(resource: str, name_or_id: str) -> NotFound:
    """openstacksdk's wording: ``No Flavor found for x``."""
    return NotFound(f"No {resource} found for {name_or_id}")


def duplicate(resource: str, name: str) -> DuplicateResource:
    """openstacksdk's wording: ``More than one Flavor exists with the name 'x'.``"""
    return DuplicateResource(f"More than one {resource} exists with the name '{name}'.")


def service_not_in_catalog(
    service_type: str, *, interface: str = "public", region: str | None = None
) -> OstackError:
    """openstacksdk's error on first use of a service the catalog lacks (keystoneauth's
    ``EndpointNotFound`` text inside it)."""
    where = f" in {region} region" if region else ""
    return OstackError(
        f"Service '{service_type}' is disabled because its configuration could not be loaded. "
        f"The service is not present in the service catalog: {interface} endpoint for "
        f"{service_type} service{where} not found"
    )

"""What a cloud says about itself: API versions, extensions, limits, availability zones, the
projects' quota sets and the client's own configuration."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApiVersion:
    """One version of one service's API at one endpoint (keystoneauth's version data)."""

    region_name: str
    interface: str
    service_type: str
    version: str
    status: str  # CURRENT, SUPPORTED, DEPRECATED or EXPERIMENTAL
    endpoint: str
    min_microversion: str | None = None
    max_microversion: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Extension:
    """An API extension as Nova, Neutron and Cinder list them (``updated`` is shown as
    ``updated_at``, openstacksdk's name)."""

    name: str
    alias: str
    description: str
    updated_at: str | None = None
    namespace: str = ""  # Neutron sends none; the real client shows ""
    links: Any = dataclasses.field(default_factory=list)  # [{"href", "rel"}], as sent


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServiceState:
    """A service on a host of a compute availability zone (Nova's detailed zone list)."""

    active: bool
    available: bool
    updated_at: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AvailabilityZone:
    """A zone of one service. ``resource``: what a network zone hosts (``network`` for DHCP,
    ``router`` for L3); ``hosts``: a compute zone's hosts and their services (None when the
    zone was listed without details)."""

    name: str
    available: bool
    resource: str = ""
    hosts: dict[str, dict[str, ServiceState]] | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RateLimit:
    """One rate limit (Cinder with its rate-limiting middleware; Nova has none since 2.1)."""

    verb: str
    uri: str
    value: int
    remaining: int
    unit: str
    next_available: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Limits:
    """The absolute limits of compute, and of block storage where the cloud has it, by every
    name openstacksdk gives them (``instances`` and ``max_total_instances`` alike)."""

    absolute: dict[str, Any]
    rate: list[RateLimit] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProjectQuotaSet:
    """One project's quotas of one service and that service's defaults, by openstacksdk's
    attribute names (``cores``, ``floating_ips``, ``backup_gigabytes``...)."""

    project_id: str
    limits: dict[str, Any]
    defaults: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientConfiguration:
    """The configuration a command runs with (``auth`` nested, as openstacksdk keeps it) and
    the names of the values that are secrets (masked unless asked otherwise)."""

    values: dict[str, Any]
    secret_names: tuple[str, ...] = ("password", "token")

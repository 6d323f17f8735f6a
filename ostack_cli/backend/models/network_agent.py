"""Neutron's agents: the processes that carry a network role out on a host (DHCP, L3,
metadata), as ``GET /v2.0/agents`` shows them."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class NetworkAgent:
    id: str
    agent_type: str
    binary: str
    topic: str
    host: str
    availability_zone: str | None = None
    is_alive: bool = True
    is_admin_state_up: bool = True
    configurations: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Neutron's agent timestamps: "YYYY-MM-DD HH:MM:SS", no zone.
    created_at: str = ""
    started_at: str = ""
    heartbeat_timestamp: str = ""
    description: str | None = None
    resources_synced: bool | None = None
    # Only in a router's l3-agents of an HA router (never here: no HA routers).
    ha_state: str | None = None

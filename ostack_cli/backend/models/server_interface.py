"""A server's network interface as Nova's os-interface API shows it."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerInterface:
    port_id: str
    server_id: str
    net_id: str
    mac_addr: str
    port_state: str
    fixed_ips: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    tag: str | None = None

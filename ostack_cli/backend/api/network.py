"""Networks, subnets, ports, routers and floating IPs (Neutron)."""

from __future__ import annotations

from typing import Protocol


class NetworkAPI(Protocol):
    pass

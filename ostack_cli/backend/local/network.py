"""Networks, subnets, ports, routers and floating IPs as records with Neutron's semantics."""

from __future__ import annotations

from ostack_cli.backend.local.base import LocalBase


class LocalNetworking(LocalBase):
    pass

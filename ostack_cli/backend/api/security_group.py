"""Security groups and rules (Neutron)."""

from __future__ import annotations

from typing import Protocol


class SecurityGroupAPI(Protocol):
    pass

"""The compute node as Placement sees it: one resource provider with its inventories, the
servers' allocations against it and its traits."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models.server import Server


@dataclasses.dataclass(frozen=True)
class ComputeNode:
    """What nova-compute reports of the host (``ComputeHosts.compute_node``)."""

    id: str
    name: str
    vcpus: int
    memory_mb: int
    local_gb: int
    reserved_memory_mb: int
    disabled: bool
    instances: list[Server]


@dataclasses.dataclass(frozen=True)
class Inventory:
    total: int
    reserved: int
    allocation_ratio: float
    min_unit: int = 1
    step_size: int = 1

    @property
    def max_unit(self) -> int:
        return self.total


@dataclasses.dataclass(frozen=True)
class Allocation:
    """One consumer's (a server's) claim on the provider."""

    consumer_id: str
    project_id: str
    user_id: str
    resources: dict[str, int]


@dataclasses.dataclass(frozen=True)
class ResourceProvider:
    uuid: str
    name: str
    generation: int
    inventories: dict[str, Inventory]
    allocations: list[Allocation]
    traits: list[str]

    @property
    def usages(self) -> dict[str, int]:
        """Every inventory's class, with what the allocations use of it (0 if nothing)."""
        used = dict.fromkeys(self.inventories, 0)
        for allocation in self.allocations:
            for resource_class, amount in allocation.resources.items():
                used[resource_class] = used.get(resource_class, 0) + amount
        return used

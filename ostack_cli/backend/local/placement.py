"""Placement's view of the host, read only: the compute node as the one resource provider,
with the inventories nova-compute's libvirt driver reports and the servers' allocations.

The figures are the ones ``os-hypervisors`` and ``hypervisor stats show`` count
(``ComputeHosts.compute_node``): VCPU, MEMORY_MB and DISK_GB totals of the host, the memory
nova.conf reserves for the host, and Nova's allocation ratios (CPU 4.0 as Nova's
``initial_cpu_allocation_ratio``; memory 1.5, the ratio the local scheduler admits servers
with; disk 1.0). Every server on the host is a consumer allocating its flavor's vCPUs, RAM
and disk (zero amounts are not allocated, as Nova leaves them out).
"""

from __future__ import annotations

from ostack_cli.backend.local.compute_hosts import ComputeHosts
from ostack_cli.backend.local.guest_ops import RAM_ALLOCATION_RATIO
from ostack_cli.backend.models.placement import (
    Allocation,
    ComputeNode,
    Inventory,
    ResourceProvider,
)
from ostack_cli.backend.models.server import Server

CPU_ALLOCATION_RATIO = 4.0
DISK_ALLOCATION_RATIO = 1.0
# The provider's inventories are set once (nova-compute's first report) and not changed
# since: its generation as Placement counts it for that one update.
GENERATION = 1
# What the libvirt driver reports of a QEMU host (nova/virt/libvirt/driver.py
# capabilities), plus Placement's own for a compute node.
TRAITS = ("COMPUTE_NODE", "COMPUTE_DEVICE_TAGGING", "COMPUTE_NET_ATTACH_INTERFACE",
          "COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG", "COMPUTE_VOLUME_ATTACH_WITH_TAG",
          "COMPUTE_VOLUME_EXTEND", "COMPUTE_VOLUME_MULTI_ATTACH", "COMPUTE_TRUSTED_CERTS",
          "COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_IMAGE_TYPE_RAW", "COMPUTE_RESCUE_BFV")
DISABLED_TRAIT = "COMPUTE_STATUS_DISABLED"


class Placement:
    def __init__(self, compute_hosts: ComputeHosts) -> None:
        self.compute_hosts = compute_hosts

    def resource_providers(self) -> list[ResourceProvider]:
        node = self.compute_hosts.compute_node()
        return [] if node is None else [_provider(node)]


def _provider(node: ComputeNode) -> ResourceProvider:
    inventories = {
        "VCPU": Inventory(total=node.vcpus, reserved=0, allocation_ratio=CPU_ALLOCATION_RATIO),
        "MEMORY_MB": Inventory(total=node.memory_mb, reserved=node.reserved_memory_mb,
                               allocation_ratio=RAM_ALLOCATION_RATIO),
        "DISK_GB": Inventory(total=node.local_gb, reserved=0,
                             allocation_ratio=DISK_ALLOCATION_RATIO),
    }
    traits = sorted({*TRAITS, *((DISABLED_TRAIT,) if node.disabled else ())})
    return ResourceProvider(uuid=node.id, name=node.name, generation=GENERATION,
                            inventories=inventories,
                            allocations=[_allocation(s) for s in node.instances],
                            traits=traits)


def _allocation(server: Server) -> Allocation:
    flavor = server.flavor
    amounts = {"VCPU": int(flavor.get("vcpus", 0)), "MEMORY_MB": int(flavor.get("ram", 0)),
               "DISK_GB": int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0))}
    return Allocation(consumer_id=server.id, project_id=server.project_id,
                      user_id=server.user_id,
                      resources={k: v for k, v in amounts.items() if v})

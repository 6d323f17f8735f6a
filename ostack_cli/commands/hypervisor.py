"""``hypervisor list|show``: the host the local backend runs guests on."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.server import Hypervisor
from ostack_cli.columns import DictColumn, ListColumn
from ostack_cli.commands.base import Lister, ShowOne, show_fields
from ostack_cli.errors import not_found


def hypervisor_fields(h: Hypervisor) -> dict[str, Any]:
    return {
        "aggregates": ListColumn([]),
        "cpu_info": DictColumn(dict(h.cpu_info)),
        "current_workload": 0,
        "disk_available_least": max(h.local_gb - h.local_gb_used, 0),
        "free_disk_gb": h.local_gb - h.local_gb_used,
        "free_ram_mb": h.memory_mb - h.memory_mb_used,
        "host_ip": h.host_ip,
        "hypervisor_hostname": h.name,
        "hypervisor_type": h.hypervisor_type,
        "hypervisor_version": h.hypervisor_version,
        "id": h.id,
        "local_gb": h.local_gb,
        "local_gb_used": h.local_gb_used,
        "memory_mb": h.memory_mb,
        "memory_mb_used": h.memory_mb_used,
        "running_vms": h.running_vms,
        "service_host": h.name,
        "state": h.state,
        "status": h.status,
        "vcpus": h.vcpus,
        "vcpus_used": h.vcpus_used,
        # Not a Nova field: which accelerator guests get (kvm, or qemu for TCG).
        "virt_type": h.virt_type,
    }


class ListHypervisor(Lister):
    """List hypervisors"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--matching", metavar="<hostname>",
                            help="Filter hypervisors using <hostname> substring")
        parser.add_argument("--long", action="store_true", help="List additional fields in "
                            "output")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        hypervisors = [h for h in self.backend.hypervisors()
                       if not parsed_args.matching or parsed_args.matching in h.name]
        headers: tuple[str, ...] = ("ID", "Hypervisor Hostname", "Hypervisor Type", "Host IP",
                                    "State")
        if parsed_args.long:
            headers += ("vCPUs Used", "vCPUs", "Memory MB Used", "Memory MB", "Running VMs",
                        "Virt Type")
        rows = []
        for h in hypervisors:
            row: tuple[Any, ...] = (h.id, h.name, h.hypervisor_type, h.host_ip, h.state)
            if parsed_args.long:
                row += (h.vcpus_used, h.vcpus, h.memory_mb_used, h.memory_mb, h.running_vms,
                        h.virt_type)
            rows.append(row)
        return headers, rows


class ShowHypervisor(ShowOne):
    """Display hypervisor details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("hypervisor", metavar="<hypervisor>",
                            help="Hypervisor to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        for h in self.backend.hypervisors(detailed=False):
            if parsed_args.hypervisor in (h.id, h.name):
                return show_fields(hypervisor_fields(h))
        raise not_found("Hypervisor", parsed_args.hypervisor)

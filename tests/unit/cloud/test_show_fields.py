"""Show output from a cloud is what the real client prints for the same API bodies (recorded
on realstack: Nova 34, Neutron 29), and the local backend's output keeps its values."""

from __future__ import annotations

from typing import Any

import pytest
from cliff.columns import FormattableColumn
from openstack.compute.v2.quota_set import QuotaSet as SdkQuotaSet
from openstack.compute.v2.server import Server as SdkServer
from openstack.network.v2.network import Network as SdkNetwork
from openstack.network.v2.port import Port as SdkPort
from openstack.network.v2.quota import Quota as SdkQuota
from openstack.network.v2.quota import QuotaDefault as SdkQuotaDefault
from openstack.network.v2.quota import QuotaDetails as SdkQuotaDetails
from openstack.network.v2.subnet import Subnet as SdkSubnet

from ostack_cli.backend.cloud import CloudBackend
from ostack_cli.backend.cloud.network_map import network_from_sdk, port_from_sdk, subnet_from_sdk
from ostack_cli.backend.cloud.server import server_from_sdk
from ostack_cli.backend.models.network import Network, Port, Subnet
from ostack_cli.backend.models.server import Server
from ostack_cli.commands.network import network_fields
from ostack_cli.commands.port import port_fields
from ostack_cli.commands.quota import quota_rows
from ostack_cli.commands.server_format import server_fields
from ostack_cli.commands.subnet import subnet_fields
from tests.unit.cloud.test_backend import FakeConnection, Recorder
from tests.unit.commands.test_quota import REAL_DEFAULTS, REAL_USAGE_NETWORK

pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")

# GET /v2.1/servers/{id} at microversion 2.100 (Nova 34)
NOVA_SERVER: dict[str, Any] = {
    "accessIPv4": "",
    "accessIPv6": "",
    "addresses": {
        "private": [
            {
                "version": 4,
                "addr": "10.0.0.239",
                "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:3d:f8:d2",
            }
        ]
    },
    "created": "2026-11-29T02:01:33Z",
    "flavor": {
        "vcpus": 1,
        "ram": 512,
        "disk": 1,
        "ephemeral": 0,
        "swap": 0,
        "original_name": "m1.tiny",
        "extra_specs": {},
    },
    "hostId": "fb470462591a6f6561bd5623abcc3636984ae4d0bdcb0b85b922ae47",
    "id": "91eb68b3-aba5-4c0c-82a6-11832f1fd985",
    "image": {
        "id": "d5909164-bf4b-496e-8ac3-c3d0d5cb7ca8",
        "links": [
            {
                "rel": "bookmark",
                "href": "http://127.0.0.1:8774/images/d5909164-bf4b-496e-8ac3-c3d0d5cb7ca8",
            }
        ],
        "properties": {},
    },
    "links": [
        {
            "rel": "self",
            "href": "http://127.0.0.1:8774/v2.1/servers/91eb68b3-aba5-4c0c-82a6-11832f1fd985",
        },
        {
            "rel": "bookmark",
            "href": "http://127.0.0.1:8774/servers/91eb68b3-aba5-4c0c-82a6-11832f1fd985",
        },
    ],
    "metadata": {},
    "name": "qa-srv-x1",
    "status": "ACTIVE",
    "tenant_id": "4daf45caafe64a47a12ed7cb869eb788",
    "user_id": "bb79508b880946da9712fcc59bc27a8a",
    "updated": "2026-11-29T02:01:33Z",
    "OS-DCF:diskConfig": "MANUAL",
    "progress": 0,
    "OS-EXT-AZ:availability_zone": "nova",
    "config_drive": "",
    "key_name": None,
    "OS-SRV-USG:launched_at": "2026-11-29T02:01:33.000000",
    "OS-SRV-USG:terminated_at": None,
    "security_groups": [{"name": "default"}],
    "OS-EXT-SRV-ATTR:host": "realstack-compute",
    "OS-EXT-SRV-ATTR:instance_name": "instance-00000009",
    "OS-EXT-SRV-ATTR:hypervisor_hostname": "realstack-compute",
    "OS-EXT-SRV-ATTR:hostname": "qa-srv-x1",
    "OS-EXT-SRV-ATTR:kernel_id": "",
    "OS-EXT-SRV-ATTR:launch_index": 0,
    "OS-EXT-SRV-ATTR:ramdisk_id": "",
    "OS-EXT-SRV-ATTR:reservation_id": "r-dqstgvw9",
    "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
    "OS-EXT-SRV-ATTR:user_data": None,
    "OS-EXT-STS:task_state": None,
    "OS-EXT-STS:vm_state": "active",
    "OS-EXT-STS:power_state": 1,
    "os-extended-volumes:volumes_attached": [],
    "locked": False,
    "host_status": "UP",
    "description": None,
    "tags": [],
    "trusted_image_certificates": None,
    "server_groups": [],
    "locked_reason": None,
    "pinned_availability_zone": None,
    "scheduler_hints": {},
}

# GET /v2.0/networks?name=private (Neutron 29)
NEUTRON_NETWORK: dict[str, Any] = {
    "id": "3d93cafb-7af8-4a73-bb1a-fd3929ca6580",
    "name": "private",
    "tenant_id": "4daf45caafe64a47a12ed7cb869eb788",
    "project_id": "4daf45caafe64a47a12ed7cb869eb788",
    "admin_state_up": True,
    "mtu": 1450,
    "status": "ACTIVE",
    "subnets": ["392a0f90-be62-4671-a8a7-ffab23c2adc4"],
    "shared": False,
    "availability_zone_hints": [],
    "availability_zones": [],
    "ipv4_address_scope": None,
    "ipv6_address_scope": None,
    "router:external": False,
    "qinq": False,
    "vlan_transparent": False,
    "description": "",
    "port_security_enabled": True,
    "tags": [],
    "created_at": "2026-11-29T01:02:21Z",
    "updated_at": "2026-11-29T01:02:21Z",
    "revision_number": 2,
    "provider:network_type": "vxlan",
    "provider:physical_network": None,
    "provider:segmentation_id": 5237,
}

# GET /v2.0/subnets?name=private-subnet
NEUTRON_SUBNET: dict[str, Any] = {
    "id": "392a0f90-be62-4671-a8a7-ffab23c2adc4",
    "name": "private-subnet",
    "project_id": "4daf45caafe64a47a12ed7cb869eb788",
    "network_id": "3d93cafb-7af8-4a73-bb1a-fd3929ca6580",
    "ip_version": 4,
    "subnetpool_id": None,
    "enable_dhcp": True,
    "ipv6_ra_mode": None,
    "ipv6_address_mode": None,
    "gateway_ip": "10.0.0.1",
    "cidr": "10.0.0.0/24",
    "allocation_pools": [{"start": "10.0.0.2", "end": "10.0.0.254"}],
    "host_routes": [],
    "dns_nameservers": [],
    "description": "",
    "router:external": False,
    "service_types": [],
    "tags": [],
    "created_at": "2026-11-29T01:02:21Z",
    "updated_at": "2026-11-29T01:02:21Z",
    "revision_number": 0,
    "tenant_id": "4daf45caafe64a47a12ed7cb869eb788",
}

# GET /v2.0/ports?device_id={server}
NEUTRON_PORT: dict[str, Any] = {
    "id": "13732880-9a07-43d5-8ed9-a8f639919474",
    "name": "",
    "network_id": "3d93cafb-7af8-4a73-bb1a-fd3929ca6580",
    "project_id": "4daf45caafe64a47a12ed7cb869eb788",
    "mac_address": "fa:16:3e:3d:f8:d2",
    "admin_state_up": True,
    "status": "ACTIVE",
    "device_id": "91eb68b3-aba5-4c0c-82a6-11832f1fd985",
    "device_owner": "compute:nova",
    "fixed_ips": [
        {"subnet_id": "392a0f90-be62-4671-a8a7-ffab23c2adc4", "ip_address": "10.0.0.239"}
    ],
    "allowed_address_pairs": [],
    "extra_dhcp_opts": [],
    "security_groups": ["f670cb67-c46c-4e16-9de1-c5843196ca75"],
    "description": "",
    "binding:vnic_type": "normal",
    "binding:profile": {},
    "binding:host_id": "realstack-compute",
    "binding:vif_type": "ovs",
    "binding:vif_details": {
        "port_filter": True,
        "ovs_hybrid_plug": False,
        "bound_drivers": {"0": "realstack_fake"},
    },
    "port_security_enabled": True,
    "tags": [],
    "created_at": "2026-11-29T02:01:33Z",
    "updated_at": "2026-11-29T02:01:33Z",
    "revision_number": 4,
    "tenant_id": "4daf45caafe64a47a12ed7cb869eb788",
}

REAL_SERVER_SHOW: dict[str, Any] = {
    "OS-DCF:diskConfig": "MANUAL",
    "OS-EXT-AZ:availability_zone": "nova",
    "OS-EXT-SRV-ATTR:host": "realstack-compute",
    "OS-EXT-SRV-ATTR:hostname": "qa-srv-x1",
    "OS-EXT-SRV-ATTR:hypervisor_hostname": "realstack-compute",
    "OS-EXT-SRV-ATTR:instance_name": "instance-00000009",
    "OS-EXT-SRV-ATTR:kernel_id": "",
    "OS-EXT-SRV-ATTR:launch_index": 0,
    "OS-EXT-SRV-ATTR:ramdisk_id": "",
    "OS-EXT-SRV-ATTR:reservation_id": "r-dqstgvw9",
    "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
    "OS-EXT-SRV-ATTR:user_data": None,
    "OS-EXT-STS:power_state": 1,
    "OS-EXT-STS:task_state": None,
    "OS-EXT-STS:vm_state": "active",
    "OS-SRV-USG:launched_at": "2026-11-29T02:01:33.000000",
    "OS-SRV-USG:terminated_at": None,
    "accessIPv4": "",
    "accessIPv6": "",
    "addresses": {"private": ["10.0.0.239"]},
    "config_drive": "",
    "created": "2026-11-29T02:01:33Z",
    "description": None,
    "flavor": {
        "name": "m1.tiny",
        "original_name": "m1.tiny",
        "description": None,
        "disk": 1,
        "is_public": True,
        "ram": 512,
        "vcpus": 1,
        "swap": 0,
        "ephemeral": 0,
        "is_disabled": None,
        "rxtx_factor": None,
        "extra_specs": {},
        "id": "m1.tiny",
        "location": None,
    },
    "hostId": "fb470462591a6f6561bd5623abcc3636984ae4d0bdcb0b85b922ae47",
    "host_status": "UP",
    "id": "91eb68b3-aba5-4c0c-82a6-11832f1fd985",
    "image": "tiny (d5909164-bf4b-496e-8ac3-c3d0d5cb7ca8)",
    "key_name": None,
    "locked": False,
    "locked_reason": None,
    "name": "qa-srv-x1",
    "pinned_availability_zone": None,
    "progress": 0,
    "project_id": "4daf45caafe64a47a12ed7cb869eb788",
    "properties": {},
    "scheduler_hints": {},
    "security_groups": [{"name": "default"}],
    "server_groups": [],
    "status": "ACTIVE",
    "tags": [],
    "trusted_image_certificates": None,
    "updated": "2026-11-29T02:01:33Z",
    "user_id": "bb79508b880946da9712fcc59bc27a8a",
    "volumes_attached": [],
}

REAL_NETWORK_SHOW: dict[str, Any] = {
    "admin_state_up": True,
    "availability_zone_hints": [],
    "availability_zones": [],
    "created_at": "2026-11-29T01:02:21Z",
    "description": "",
    "dns_domain": None,
    "id": "3d93cafb-7af8-4a73-bb1a-fd3929ca6580",
    "ipv4_address_scope": None,
    "ipv6_address_scope": None,
    "is_default": None,
    "is_vlan_qinq": None,
    "is_vlan_transparent": False,
    "mtu": 1450,
    "name": "private",
    "port_security_enabled": True,
    "project_id": "4daf45caafe64a47a12ed7cb869eb788",
    "provider:network_type": "vxlan",
    "provider:physical_network": None,
    "provider:segmentation_id": 5237,
    "pvlan": None,
    "qinq": False,
    "qos_policy_id": None,
    "revision_number": 2,
    "router:external": False,
    "segments": None,
    "shared": False,
    "status": "ACTIVE",
    "subnets": ["392a0f90-be62-4671-a8a7-ffab23c2adc4"],
    "tags": [],
    "updated_at": "2026-11-29T01:02:21Z",
}

REAL_SUBNET_SHOW: dict[str, Any] = {
    "allocation_pools": [{"start": "10.0.0.2", "end": "10.0.0.254"}],
    "cidr": "10.0.0.0/24",
    "created_at": "2026-11-29T01:02:21Z",
    "description": "",
    "dns_nameservers": [],
    "dns_publish_fixed_ip": None,
    "enable_dhcp": True,
    "gateway_ip": "10.0.0.1",
    "host_routes": [],
    "id": "392a0f90-be62-4671-a8a7-ffab23c2adc4",
    "ip_version": 4,
    "ipv6_address_mode": None,
    "ipv6_ra_mode": None,
    "name": "private-subnet",
    "network_id": "3d93cafb-7af8-4a73-bb1a-fd3929ca6580",
    "project_id": "4daf45caafe64a47a12ed7cb869eb788",
    "revision_number": 0,
    "router:external": False,
    "segment_id": None,
    "service_types": [],
    "subnetpool_id": None,
    "tags": [],
    "updated_at": "2026-11-29T01:02:21Z",
}

REAL_PORT_SHOW: dict[str, Any] = {
    "admin_state_up": True,
    "allowed_address_pairs": [],
    "binding_host_id": "realstack-compute",
    "binding_profile": {},
    "binding_vif_details": {
        "port_filter": True,
        "ovs_hybrid_plug": False,
        "bound_drivers": {"0": "realstack_fake"},
    },
    "binding_vif_type": "ovs",
    "binding_vnic_type": "normal",
    "created_at": "2026-11-29T02:01:33Z",
    "data_plane_status": None,
    "description": "",
    "device_id": "91eb68b3-aba5-4c0c-82a6-11832f1fd985",
    "device_owner": "compute:nova",
    "device_profile": None,
    "dns_assignment": [],
    "dns_domain": None,
    "dns_name": None,
    "extra_dhcp_opts": [],
    "fixed_ips": [
        {"subnet_id": "392a0f90-be62-4671-a8a7-ffab23c2adc4", "ip_address": "10.0.0.239"}
    ],
    "hardware_offload_type": None,
    "hints": "",
    "id": "13732880-9a07-43d5-8ed9-a8f639919474",
    "ip_allocation": None,
    "mac_address": "fa:16:3e:3d:f8:d2",
    "name": "",
    "network_id": "3d93cafb-7af8-4a73-bb1a-fd3929ca6580",
    "numa_affinity_policy": None,
    "port_security_enabled": True,
    "project_id": "4daf45caafe64a47a12ed7cb869eb788",
    "propagate_uplink_status": None,
    "pvlan_type": None,
    "pvlan_community": None,
    "resource_request": None,
    "revision_number": 4,
    "qos_network_policy_id": None,
    "qos_policy_id": None,
    "security_group_ids": ["f670cb67-c46c-4e16-9de1-c5843196ca75"],
    "status": "ACTIVE",
    "tags": [],
    "trunk_details": None,
    "trusted": None,
    "updated_at": "2026-11-29T02:01:33Z",
}


def machine(fields: dict[str, Any]) -> dict[str, Any]:
    """What ``-f json`` prints of show fields."""
    return {k: v.machine_readable() if isinstance(v, FormattableColumn) else v
            for k, v in fields.items()}


def test_server_show_is_the_real_clients() -> None:
    server = server_from_sdk(SdkServer.existing(**NOVA_SERVER))
    shown = machine(server_fields(server, "tiny (d5909164-bf4b-496e-8ac3-c3d0d5cb7ca8)"))
    assert shown == REAL_SERVER_SHOW


def test_server_found_by_name_has_no_server_groups() -> None:
    # Nova's list view (which a look-up by name reads) leaves server_groups out: null.
    body = {k: v for k, v in NOVA_SERVER.items() if k != "server_groups"}
    shown = machine(server_fields(server_from_sdk(SdkServer.existing(**body)), "tiny"))
    assert shown["server_groups"] is None


def test_server_values_other_clouds_send() -> None:
    body = dict(NOVA_SERVER, **{
        "OS-EXT-SRV-ATTR:hypervisor_hostname": "node-7.example.com",
        "OS-EXT-AZ:availability_zone": "az2", "OS-DCF:diskConfig": "AUTO", "locked": True,
        "locked_reason": "audit", "OS-EXT-SRV-ATTR:kernel_id": "k",
        "pinned_availability_zone": "az2", "scheduler_hints": {"group": ["g1"]},
        "server_groups": ["g1"], "trusted_image_certificates": ["c1"],
        "os-extended-volumes:volumes_attached": [
            {"id": "v1", "delete_on_termination": False}],
    })
    fields = server_fields(server_from_sdk(SdkServer.existing(**body)), "tiny")
    shown = machine(fields)
    assert {k: shown[k] for k in (
        "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname",
        "OS-EXT-AZ:availability_zone", "OS-DCF:diskConfig", "locked", "locked_reason",
        "OS-EXT-SRV-ATTR:kernel_id", "pinned_availability_zone", "scheduler_hints",
        "server_groups", "trusted_image_certificates", "volumes_attached")} == {
        "OS-EXT-SRV-ATTR:host": "realstack-compute",
        "OS-EXT-SRV-ATTR:hypervisor_hostname": "node-7.example.com",
        "OS-EXT-AZ:availability_zone": "az2", "OS-DCF:diskConfig": "AUTO", "locked": True,
        "locked_reason": "audit", "OS-EXT-SRV-ATTR:kernel_id": "k",
        "pinned_availability_zone": "az2", "scheduler_hints": {"group": ["g1"]},
        "server_groups": ["g1"], "trusted_image_certificates": ["c1"],
        "volumes_attached": [{"id": "v1", "delete_on_termination": False}],
    }
    # Table text, as osc-lib formats them.
    assert fields["scheduler_hints"].human_readable() == "group=g1"
    assert fields["volumes_attached"].human_readable() == "delete_on_termination='False', id='v1'"


def test_a_member_sees_no_admin_attributes() -> None:
    # Nova hides OS-EXT-SRV-ATTR:* from non-admins: all null, as the real client prints them.
    body = {k: v for k, v in NOVA_SERVER.items() if not k.startswith("OS-EXT-SRV-ATTR:")}
    shown = machine(server_fields(server_from_sdk(SdkServer.existing(**body)), "tiny"))
    assert {k: v for k, v in shown.items() if k.startswith("OS-EXT-SRV-ATTR:")} == {
        "OS-EXT-SRV-ATTR:host": None, "OS-EXT-SRV-ATTR:hostname": None,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": None, "OS-EXT-SRV-ATTR:instance_name": None,
        "OS-EXT-SRV-ATTR:kernel_id": None, "OS-EXT-SRV-ATTR:launch_index": None,
        "OS-EXT-SRV-ATTR:ramdisk_id": None, "OS-EXT-SRV-ATTR:reservation_id": None,
        "OS-EXT-SRV-ATTR:root_device_name": None, "OS-EXT-SRV-ATTR:user_data": None,
    }


def test_local_server_values_are_unchanged() -> None:
    server = Server(id="s1", name="vm", project_id="p", user_id="u", flavor_id="f",
                    host="box", vm_state="active", task_state=None)
    fields = server_fields(server, "cirros (i1)")
    shown = machine(fields)
    assert {k: shown[k] for k in (
        "OS-DCF:diskConfig", "OS-EXT-AZ:availability_zone", "OS-EXT-SRV-ATTR:host",
        "OS-EXT-SRV-ATTR:hypervisor_hostname", "OS-EXT-SRV-ATTR:kernel_id",
        "OS-EXT-SRV-ATTR:ramdisk_id", "OS-EXT-SRV-ATTR:root_device_name", "accessIPv4",
        "accessIPv6", "locked", "locked_reason", "pinned_availability_zone", "progress",
        "scheduler_hints", "server_groups", "trusted_image_certificates", "volumes_attached",
    )} == {
        "OS-DCF:diskConfig": "MANUAL", "OS-EXT-AZ:availability_zone": "nova",
        "OS-EXT-SRV-ATTR:host": "box", "OS-EXT-SRV-ATTR:hypervisor_hostname": "box",
        "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:ramdisk_id": "",
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda", "accessIPv4": "", "accessIPv6": "",
        "locked": False, "locked_reason": None, "pinned_availability_zone": None,
        "progress": 0, "scheduler_hints": {}, "server_groups": [],
        "trusted_image_certificates": None, "volumes_attached": [],
    }
    assert fields["scheduler_hints"].human_readable() == ""


def test_network_show_is_the_real_clients() -> None:
    shown = machine(network_fields(network_from_sdk(SdkNetwork.existing(**NEUTRON_NETWORK))))
    assert shown == REAL_NETWORK_SHOW
    assert "tenant_id" not in shown


def test_local_network_has_no_neutron_extras() -> None:
    shown = network_fields(Network(id="n", name="net", project_id="p"))
    assert (shown["is_vlan_transparent"], shown["is_vlan_qinq"], shown["segments"]) == \
        (None, None, None)
    assert "qinq" not in shown


def test_subnet_show_is_the_real_clients() -> None:
    shown = machine(subnet_fields(subnet_from_sdk(SdkSubnet.existing(**NEUTRON_SUBNET))))
    assert shown == REAL_SUBNET_SHOW
    local = subnet_fields(Subnet(id="s", name="sub", project_id="p", network_id="n",
                                 cidr="10.0.0.0/24"))
    assert "router:external" not in local


def test_port_show_is_the_real_clients() -> None:
    names, values = port_fields(port_from_sdk(SdkPort.existing(**NEUTRON_PORT)))
    shown = machine(dict(zip(names, values, strict=True)))
    assert shown == REAL_PORT_SHOW
    # The real client's own column order, not alphabetical.
    assert list(names) == list(REAL_PORT_SHOW)


def test_port_hints_and_extensions_from_neutron() -> None:
    hints = {"openvswitch": {"other_config": {"tx-steering": "hash"}}}
    body = dict(NEUTRON_PORT, hints=hints, ip_allocation="deferred", dns_name="web",
                dns_assignment=[{"hostname": "web", "ip_address": "10.0.0.239",
                                 "fqdn": "web.example.com."}])
    names, values = port_fields(port_from_sdk(SdkPort.existing(**body)))
    shown = machine(dict(zip(names, values, strict=True)))
    assert (shown["hints"], shown["ip_allocation"], shown["dns_name"]) == \
        (hints, "deferred", "web")
    assert shown["dns_assignment"][0]["fqdn"] == "web.example.com."


def test_local_port_values_are_unchanged() -> None:
    names, values = port_fields(Port(id="p", project_id="p", network_id="n", mac_address="m"))
    shown = dict(zip(names, values, strict=True))
    assert (shown["hints"], shown["ip_allocation"], shown["dns_name"]) == \
        ("", "immediate", None)


# GET /v2.1/os-quota-sets/{id} (openstacksdk asks at 2.56) and GET /v2.0/quotas/{id}.
NOVA_QUOTA_SET: dict[str, Any] = {
    "id": "4daf45caafe64a47a12ed7cb869eb788", "cores": 20,
    "injected_file_content_bytes": 10240, "injected_file_path_bytes": 255,
    "injected_files": 5, "instances": 10, "key_pairs": 100, "metadata_items": 128,
    "ram": 51200, "server_group_members": 10, "server_groups": 10,
}
NEUTRON_QUOTA: dict[str, Any] = {
    "network": 100, "subnet": 100, "subnetpool": -1, "port": 500, "router_route": 30,
    "router": 10, "floatingip": 50, "rbac_policy": 10, "security_group": 10,
    "security_group_rule": 100,
}


def quota_cloud() -> CloudBackend:
    used = {"network": 0, "subnet": 0, "subnetpool": 0, "port": 0, "router_route": 0,
            "router": 0, "floatingip": 0, "rbac_policy": 0, "security_group": 0,
            "security_group_rule": 0}
    compute = Recorder(
        get_quota_set=lambda *a, **k: SdkQuotaSet.existing(
            usage={k: 0 for k in NOVA_QUOTA_SET if k != "id"}, **NOVA_QUOTA_SET),
        get_quota_set_defaults=SdkQuotaSet.existing(**NOVA_QUOTA_SET))
    network = Recorder(
        get_quota=lambda *a, details=False: SdkQuotaDetails.existing(**{
            k: {"limit": v, "used": used[k], "reserved": 0} for k, v in NEUTRON_QUOTA.items()
        }) if details else SdkQuota.existing(**NEUTRON_QUOTA),
        get_quota_default=SdkQuotaDefault.existing(**NEUTRON_QUOTA))
    return CloudBackend(FakeConnection(compute=compute, network=network))  # type: ignore[arg-type]


@pytest.mark.parametrize("defaults", [False, True])
def test_quota_show_from_a_cloud_is_the_real_clients(defaults: bool) -> None:
    limits = quota_cloud().quota_limits("p", defaults=defaults)
    assert quota_rows(limits, None, "all") == REAL_DEFAULTS


def test_quota_usage_from_a_cloud_is_the_real_clients() -> None:
    cloud = quota_cloud()
    rows = quota_rows(cloud.quota_limits("p"), cloud.quota_usage("p"), "network")
    assert rows == REAL_USAGE_NETWORK
    everything = quota_rows(cloud.quota_limits("p"), cloud.quota_usage("p"), "all")
    assert ("key-pairs", 100, "N/A", 0) in everything

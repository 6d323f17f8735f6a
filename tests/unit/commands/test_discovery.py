"""The discovery commands on the local backend: versions show, extension list/show, limits show,
availability zone list, quota list, module list, command list and configuration show.

The local backend answers as the services it stands in for would in a one-region cloud with
block storage, compute, identity, image and network; what the real client prints for the same
commands against a real cloud (realstack, with Cinder) is checked side by side in
tests/cloud/test_discovery.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ostack_cli.backend.local.api_extensions import NEUTRON_EXTENSIONS, NOVA_EXTENSIONS
from ostack_cli.backend.local.cinder_extensions import CINDER_EXTENSIONS
from tests.conftest import Runner

VERSION_COLUMNS = ["Region Name", "Service Type", "Version", "Status", "Endpoint",
                   "Min Microversion", "Max Microversion"]


def version_row(service: str, path: str, version: str, status: str = "CURRENT",
                low: str | None = None, high: str | None = None) -> dict[str, object]:
    return dict(zip(VERSION_COLUMNS, ["RegionOne", service, version, status,
                                      f"local://{service}/{path}", low, high], strict=True))


IMAGE_VERSIONS = ["2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.9", "2.15"]
ALL_VERSIONS = [
    version_row("block-storage", "v3/", "3.0", low="3.0", high="3.71"),
    version_row("compute", "v2.1/", "2.1", low="2.1", high="2.100"),
    version_row("identity", "v3/", "3.14"),
    *(version_row("image", "v2/", v, "SUPPORTED") for v in IMAGE_VERSIONS),
    version_row("image", "v2/", "2.17"),
    version_row("network", "v2.0/", "2.0"),
]


# -- versions show ----------------------------------------------------------------------


def test_versions_show_lists_the_local_services(cli: Runner) -> None:
    result = cli("versions", "show", "-f", "json")
    assert result.rc == 0, result.err
    assert result.json() == ALL_VERSIONS
    assert cli("versions", "show", "--all-interfaces", "-f", "json").json() == ALL_VERSIONS


def test_versions_show_answers_whether_a_service_is_there(cli: Runner) -> None:
    # What scripts ask: is there a network service, and which version?
    result = cli("versions", "show", "--service", "network", "-f", "value", "-c", "Version")
    assert (result.rc, result.out, result.err) == (0, "2.0\n", "")
    # Block storage under its type and every alias keystoneauth knows (as on realstack); a
    # service not there: nothing, and no error.
    for service in ("block-storage", "volume", "volumev3", "volumev2", "block-store"):
        assert cli("versions", "show", "--service", service, "-f", "value").out == (
            "RegionOne block-storage 3.0 CURRENT local://block-storage/v3/ 3.0 3.71\n")
    assert cli("versions", "show", "--service", "nosuch", "-f", "value").out == ""
    compute = cli("versions", "show", "--service", "compute", "-f", "value").out
    assert compute == "RegionOne compute 2.1 CURRENT local://compute/v2.1/ 2.1 2.100\n"


@pytest.mark.parametrize(("args", "expected"), [
    (("--status", "current", "--service", "image"), [version_row("image", "v2/", "2.17")]),
    (("--status", "SUPPORTED", "--service", "identity"), []),
    (("--status", "bogus"), []),
    (("--interface", "internal"), []),
    (("--region-name", "RegionTwo"), []),
    (("--region-name", "RegionOne", "--service", "identity"),
     [version_row("identity", "v3/", "3.14")]),
])
def test_versions_show_filters(cli: Runner, args: tuple[str, ...],
                               expected: list[dict[str, object]]) -> None:
    result = cli("versions", "show", *args, "-f", "json")
    assert result.rc == 0, result.err
    assert result.json() == expected


def test_versions_show_interface_options_exclude_each_other(cli: Runner) -> None:
    assert cli("versions", "show", "--all-interfaces", "--interface", "internal").rc == 2


# -- extension list / show --------------------------------------------------------------


def test_extension_list_shows_nova_then_cinder_then_neutron(cli: Runner) -> None:
    result = cli("extension", "list", "-f", "json")
    assert (result.rc, result.err) == (0, "")
    rows = result.json()
    assert len(rows) == len(NOVA_EXTENSIONS) + len(CINDER_EXTENSIONS) + len(NEUTRON_EXTENSIONS)
    assert rows[0] == {"Name": "Multinic", "Alias": "NMN",
                       "Description": "Multiple network support."}
    assert rows[len(NOVA_EXTENSIONS)]["Alias"] == "os-vol-image-meta"
    assert rows[len(NOVA_EXTENSIONS) + len(CINDER_EXTENSIONS)]["Alias"] == \
        "aap-reject-multicast"
    assert rows[-1]["Alias"] == "standard-attr-timestamp"


def test_extension_list_compute_long_is_novas_list(cli: Runner) -> None:
    rows = cli("extension", "list", "--compute", "--long", "-f", "json").json()
    assert len(rows) == 99
    assert rows[13] == {
        "Name": "AdminActions", "Alias": "os-admin-actions",
        "Description": "Enable admin-only server actions\n\n    Actions include: resetNetwork, "
                       "injectNetworkInfo, os-resetState\n    ",
        "Namespace": "http://docs.openstack.org/compute/ext/fake_xml",
        "Updated At": "2014-12-03T00:00:00Z", "Links": [],
    }


def test_extension_list_network_is_what_the_local_backend_implements(cli: Runner) -> None:
    rows = cli("extension", "list", "--network", "--long", "-f", "json").json()
    assert [r["Alias"] for r in rows] == [
        "aap-reject-multicast", "address-scope", "allowed-address-pairs", "availability_zone",
        "default-subnetpools", "expose-port-forwarding-in-fip", "external-net", "extraroute",
        "extraroute-atomic", "floating-ip-port-forwarding-description",
        "floating-ip-port-forwarding-port-ranges", "fip-port-details",
        "floating-ip-port-forwarding", "ip-substring-filtering", "router", "ext-gw-mode",
        "net-mtu", "net-mtu-writable", "network-ip-availability",
        "network-ip-availability-details", "pagination", "binding", "port-security",
        "project-id", "provider", "quotas", "quota_details", "rbac-policies",
        "rbac-address-scope", "rbac-security-groups", "rbac-subnetpool",
        "standard-attr-revisions",
        "security-groups-normalized-cidr", "port-security-groups-filtering",
        "security-groups-rules-belongs-to-default-sg", "security-groups-shared-filtering",
        "security-group", "standard-attr-description", "subnet_allocation",
        "standard-attr-tag", "standard-attr-timestamp",
    ]
    assert rows[14] == {
        "Name": "Neutron L3 Router", "Alias": "router",
        "Description": "Router abstraction for basic L3 forwarding between L2 Neutron "
                       "networks and access to external networks via a NAT gateway.",
        "Namespace": "", "Updated At": "2012-07-20T10:00:00-00:00", "Links": [],
    }
    for absent in ("stateful-security-group", "dns-integration", "external-gateway-multihoming",
                   "subnet-service-types", "network_availability_zone", "agent"):
        assert absent not in {r["Alias"] for r in rows}


def test_extension_list_volume_is_cinders(cli: Runner) -> None:
    # Every extension a Cinder 29 loads, as realstack's lists them (no namespace, no links).
    rows = cli("extension", "list", "--volume", "--long", "-f", "json").json()
    assert len(rows) == 32
    assert rows[0] == {"Name": "VolumeImageMetadata", "Alias": "os-vol-image-meta",
                       "Description": "Show image metadata associated with the volume.",
                       "Namespace": "", "Updated At": "2012-12-07T00:00:00+00:00",
                       "Links": []}
    assert {"os-volume-actions", "os-quota-sets", "os-availability-zone",
            "os-vol-tenant-attr"} <= {r["Alias"] for r in rows}
    # Only Identity v2 lists extensions: nothing, silently.
    result = cli("extension", "list", "--identity")
    assert cli("extension", "list", "--identity", "-f", "json") == type(result)(0, "[]\n", "")


def test_extension_list_table(cli: Runner) -> None:
    table = cli("extension", "list", "--network", "-c", "Alias").out.splitlines()
    assert [line.strip("|+ -") for line in table[:5]] == [
        "", "Alias", "", "aap-reject-multicast", "address-scope"]


@pytest.mark.parametrize("name", ["router", "Neutron L3 Router"])
def test_extension_show_by_alias_or_name(cli: Runner, name: str) -> None:
    result = cli("extension", "show", name, "-f", "json")
    assert result.rc == 0, result.err
    assert result.json() == {
        "alias": "router",
        "description": "Router abstraction for basic L3 forwarding between L2 Neutron "
                       "networks and access to external networks via a NAT gateway.",
        "name": "Neutron L3 Router",
        "updated_at": "2012-07-20T10:00:00-00:00",
    }


@pytest.mark.parametrize("name", ["nosuch", "OS-DCF", "dns-integration"])
def test_extension_show_network_extensions_only(cli: Runner, name: str) -> None:
    result = cli("extension", "show", name)
    assert (result.rc, result.out, result.err) == (1, "", f"No Extension found for {name}\n")


# -- limits show ------------------------------------------------------------------------

COMPUTE_LIMITS = {
    "floating_ips": -1, "floating_ips_used": 0, "image_meta": 128, "instances": 10,
    "instances_used": 0, "keypairs": 100, "max_image_meta": 128,
    "max_security_group_rules": -1, "max_security_groups": -1, "max_server_group_members": 10,
    "max_server_groups": 10, "max_server_meta": 128, "max_total_cores": 20,
    "max_total_floating_ips": -1, "max_total_instances": 10, "max_total_keypairs": 100,
    "max_total_ram_size": 51200, "personality": 5, "personality_size": 10240,
    "security_group_rules": -1, "security_groups": -1, "security_groups_used": 0,
    "server_group_members": 10, "server_groups": 10, "server_groups_used": 0,
    "server_meta": 128, "total_cores": 20, "total_cores_used": 0,
    "total_floating_ips_used": 0, "total_instances_used": 0, "total_ram": 51200,
    "total_ram_used": 0, "total_security_groups_used": 0, "total_server_groups_used": 0,
}


def limits(cli: Runner, *args: str) -> dict[str, object]:
    result = cli("limits", "show", "--absolute", *args, "-f", "json")
    assert result.rc == 0, result.err
    rows = result.json()
    assert [r["Name"] for r in rows] == sorted(r["Name"] for r in rows)
    return {r["Name"]: r["Value"] for r in rows}


# Cinder's absolute limits (os-used-limits), under openstacksdk's names, for a project with
# nothing in it.
CINDER_LIMITS = {
    "max_total_backup_gigabytes": 1000, "max_total_backups": 10, "max_total_snapshots": 10,
    "max_total_volume_gigabytes": 1000, "max_total_volumes": 10,
    "total_backup_gigabytes_used": 0, "total_backups_used": 0, "total_gigabytes_used": 0,
    "total_snapshots_used": 0, "total_volumes_used": 0,
}
ALL_LIMITS = {**COMPUTE_LIMITS, **CINDER_LIMITS}


def test_limits_show_absolute_is_novas_at_2_1_and_cinders(cli: Runner) -> None:
    # Compute's limits under both of openstacksdk's names each, then block storage's.
    shown = limits(cli)
    assert shown == ALL_LIMITS
    assert all(type(v) is int for v in shown.values())
    assert limits(cli, "--reserved") == ALL_LIMITS


def test_limits_show_counts_volumes_and_snapshots(cli: Runner) -> None:
    assert cli("volume", "create", "--size", "2", "v1").rc == 0
    assert cli("volume", "snapshot", "create", "--volume", "v1", "s1").rc == 0
    assert cli("quota", "set", "--volumes", "4", "--gigabytes", "50", "admin").rc == 0
    shown = limits(cli)
    # Cinder counts a snapshot's size against the gigabytes too.
    assert {k: shown[k] for k in CINDER_LIMITS} == {
        **CINDER_LIMITS, "max_total_volumes": 4, "max_total_volume_gigabytes": 50,
        "total_volumes_used": 1, "total_snapshots_used": 1, "total_gigabytes_used": 4}


def test_limits_show_follows_the_quotas(cli: Runner) -> None:
    assert cli("quota", "set", "--cores", "7", "--instances", "3", "--ram", "2048",
               "--properties", "64", "--injected-files", "2", "demo").rc == 0
    demo = limits(cli, "--project", "demo")
    assert {k: demo[k] for k in ("total_cores", "max_total_cores", "instances",
                                 "max_total_instances", "total_ram", "max_total_ram_size",
                                 "image_meta", "server_meta", "personality")} == {
        "total_cores": 7, "max_total_cores": 7, "instances": 3, "max_total_instances": 3,
        "total_ram": 2048, "max_total_ram_size": 2048, "image_meta": 64, "server_meta": 64,
        "personality": 2,
    }
    # The acting project (admin) keeps its defaults.
    assert limits(cli) == ALL_LIMITS


def test_limits_show_unknown_project_or_domain(cli: Runner) -> None:
    # The real client raises an empty CommandError: an empty line on stderr, status 1.
    for args in (("--project", "nosuch"), ("--project", "demo", "--project-domain", "nosuch"),
                 ("--project", "demo", "--domain", "nosuch")):
        result = cli("limits", "show", "--absolute", *args)
        assert (result.rc, result.out, result.err) == (1, "", "\n"), args
    assert limits(cli, "--project", "demo", "--project-domain", "default") == ALL_LIMITS
    assert limits(cli, "--project", "demo", "--project-domain", "Default") == ALL_LIMITS


def test_limits_show_rate_is_empty(cli: Runner) -> None:
    # Nova has had no rate limits since 2.1, and Cinder has none without its rate-limiting
    # middleware (realstack's has none either).
    result = cli("limits", "show", "--rate")
    assert (result.rc, result.out, result.err) == (0, "\n", "")  # cliff's empty table
    table = cli("limits", "show", "--rate", "--print-empty").out
    assert "| Verb | URI | Value | Remain | Unit | Next Available |" in table


def test_limits_show_needs_absolute_or_rate(cli: Runner) -> None:
    assert cli("limits", "show").rc == 2
    assert cli("limits", "show", "--absolute", "--rate").rc == 2


# -- availability zone list -------------------------------------------------------------

HEARTBEAT = re.compile(r"enabled :-\) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000")


def test_availability_zones(cli: Runner) -> None:
    result = cli("availability", "zone", "list", "-f", "json")
    assert (result.rc, result.err) == (0, "")
    # Compute's zones (the real client asks for the detailed list, which has Nova's
    # "internal" zone of its scheduler and conductor), then network's (its DHCP and L3
    # resources), then block storage's; no shares.
    assert result.json() == [{"Zone Name": "internal", "Zone Status": "available"},
                             *[{"Zone Name": "nova", "Zone Status": "available"}] * 4]


def test_availability_zones_long(cli: Runner) -> None:
    rows = cli("availability", "zone", "list", "--long", "-f", "json").json()
    for row in rows[:3]:
        assert HEARTBEAT.fullmatch(row.pop("Service Status"))
    assert rows == [
        {"Zone Name": "internal", "Zone Status": "available", "Zone Resource": "",
         "Host Name": "localhost", "Service Name": "nova-scheduler"},
        {"Zone Name": "internal", "Zone Status": "available", "Zone Resource": "",
         "Host Name": "localhost", "Service Name": "nova-conductor"},
        {"Zone Name": "nova", "Zone Status": "available", "Zone Resource": "",
         "Host Name": "localhost", "Service Name": "nova-compute"},
        {"Zone Name": "nova", "Zone Status": "available", "Zone Resource": "network",
         "Host Name": "", "Service Name": "", "Service Status": ""},
        {"Zone Name": "nova", "Zone Status": "available", "Zone Resource": "router",
         "Host Name": "", "Service Name": "", "Service Status": ""},
        {"Zone Name": "nova", "Zone Status": "available", "Zone Resource": "",
         "Host Name": "", "Service Name": "", "Service Status": ""},
    ]
    network = cli("availability", "zone", "list", "--network", "--long", "-f", "value").out
    assert network == "nova available network   \nnova available router   \n"


def test_availability_zones_of_services_not_there(cli: Runner) -> None:
    # No shares: the real client says so; block storage's one zone, as realstack's.
    result = cli("availability", "zone", "list", "--volume", "--share", "-f", "json")
    assert (result.rc, result.json()) == (0, [{"Zone Name": "nova", "Zone Status": "available"}])
    assert result.err == "Availability zones list not supported by Shared File System API\n"
    compute = cli("availability", "zone", "list", "--compute", "-f", "csv")
    assert compute.out == ('"Zone Name","Zone Status"\n"internal","available"\n'
                           '"nova","available"\n')


# -- quota list -------------------------------------------------------------------------


def project_id(cli: Runner, name: str) -> str:
    return str(cli("project", "show", name, "-f", "value", "-c", "id").out.strip())


def test_quota_list_shows_projects_with_other_than_default_quotas(cli: Runner) -> None:
    for service in ("compute", "network", "volume"):
        result = cli("quota", "list", f"--{service}", "-f", "json")
        assert (result.rc, result.out, result.err) == (0, "[]\n", ""), service
    assert cli("quota", "set", "--cores", "5", "--networks", "3", "demo").rc == 0
    demo = project_id(cli, "demo")
    assert cli("quota", "list", "--compute", "-f", "json").json() == [{
        "Project ID": demo, "Cores": 5, "Injected Files": 5,
        "Injected File Content Bytes": 10240, "Injected File Path Bytes": 255,
        "Instances": 10, "Key Pairs": 100, "Metadata Items": 128, "Ram": 51200,
        "Server Groups": 10, "Server Group Members": 10,
    }]
    assert cli("quota", "list", "--network", "-f", "json").json() == [{
        "Project ID": demo, "Floating IPs": 50, "Networks": 3, "Ports": 500,
        "RBAC Policies": 10, "Router Routes": 30, "Routers": 10, "Security Groups": 10,
        "Security Group Rules": 100, "Subnets": 100, "Subnet Pools": -1,
    }]
    # Back at the default: listed no more.
    assert cli("quota", "set", "--cores", "20", "demo").rc == 0
    assert cli("quota", "list", "--compute", "-f", "value").out == ""


def test_quota_list_volume(cli: Runner) -> None:
    assert cli("quota", "set", "--volumes", "4", "--per-volume-gigabytes", "50", "demo").rc == 0
    assert cli("quota", "list", "--volume", "-f", "json").json() == [{
        "Project ID": project_id(cli, "demo"), "Backups": 10, "Backup Gigabytes": 1000,
        "Gigabytes": 1000, "Groups": 10, "Per Volume Gigabytes": 50, "Snapshots": 10,
        "Volumes": 4,
    }]


def test_quota_list_needs_one_service(cli: Runner) -> None:
    assert cli("quota", "list").rc == 2
    assert cli("quota", "list", "--compute", "--network").rc == 2


# -- module list, command list ----------------------------------------------------------


def test_module_list(cli: Runner) -> None:
    from ostack_cli import __version__

    shown = cli("module", "list", "-f", "json").json()
    assert shown["ostack_cli"] == __version__
    assert all(name.endswith("client") or name in ("ostack_cli", "openstack") for name in shown)
    everything = cli("module", "list", "--all", "-f", "json").json()
    assert "cliff" in everything and set(shown) <= set(everything)


def test_command_list_groups_as_the_real_client(cli: Runner) -> None:
    result = cli("command", "list", "--group", "common", "-f", "json")
    assert result.rc == 0, result.err
    [common] = result.json()
    assert common["Command Group"] == "openstack.common"
    assert {"availability zone list", "configuration show", "extension list",
            "extension show", "limits show", "quota list", "quota set", "quota show",
            "versions show"} <= set(common["Commands"])
    assert common["Commands"] == sorted(common["Commands"])
    groups = cli("command", "list", "--group", "cli", "-f", "json").json()
    assert groups == [
        {"Command Group": "openstack.cli", "Commands": ["command list", "module list"]},
        {"Command Group": "ostack.cli", "Commands": ["api rotate-keys", "api serve",
                                                     "api stop", "bootstrap", "dashboard serve",
                                                     "dashboard stop", "host sync"]},
    ]
    every = {row["Command Group"]: row["Commands"]
             for row in cli("command", "list", "-f", "json").json()}
    assert "server create" in every["openstack.compute.v2"]
    assert "network create" in every["openstack.network.v2"]
    assert "image create" in every["openstack.image.v2"]
    assert "project list" in every["openstack.identity.v3"]
    assert not {"help", "complete"} & {c for cmds in every.values() for c in cmds}


def test_command_list_puts_volume_commands_where_the_real_client_does(cli: Runner) -> None:
    every = {row["Command Group"]: row["Commands"]
             for row in cli("command", "list", "-f", "json").json()}
    assert {"volume create", "volume snapshot list", "volume type show"} <= set(
        every["openstack.volume.v3"])
    assert {"server add volume", "server volume list"} <= set(every["openstack.compute.v2"])


def test_command_list_table_puts_one_command_a_line(cli: Runner) -> None:
    table = cli("command", "list", "--group", "openstack.cli").out
    assert table == (
        "+---------------+--------------+\n"
        "| Command Group | Commands     |\n"
        "+---------------+--------------+\n"
        "| openstack.cli | command list |\n"
        "|               | module list  |\n"
        "+---------------+--------------+\n"
    )
    assert cli("command", "list", "--group", "nosuch", "-f", "json").out == "[]\n"


# -- configuration show -----------------------------------------------------------------


def test_configuration_show_local(cli: Runner, ostack_home: Path) -> None:
    result = cli("configuration", "show", "-f", "json")
    assert result.rc == 0, result.err
    shown = result.json()
    assert shown["ostack_backend"] == "local"
    assert shown["region_name"] == "RegionOne"
    assert shown["state_dir"] == str(ostack_home)
    assert shown["auth.project_name"] == "admin"
    assert shown["auth.project_id"] == project_id(cli, "admin")
    assert shown["compute.libvirt_uri"] == "test:///default"
    assert shown["network.host_access"] is False
    assert shown["verbose_level"] == 1
    assert list(shown) == sorted(shown)


# -- as a member (the local admin acting in a project where it has no admin role) ----------


def test_member_may_not_list_every_projects_quotas(cli: Runner) -> None:
    result = cli("--os-project-name", "demo", "quota", "list", "--compute")
    assert (result.rc, result.out) == (1, "")
    assert result.err == ("You are not authorized to perform the requested action: "
                          "identity:list_projects.\n")


def test_member_limits_of_another_project(cli: Runner) -> None:
    # Keystone does not let a member look projects up by name: the name goes to Nova as it
    # is, and Nova refuses another project's limits (realstack's member sees the same).
    for project in ("admin", "demo", "nosuch"):
        result = cli("--os-project-name", "demo", "limits", "show", "--absolute",
                     "--project", project)
        assert (result.rc, result.err) == (1, "Policy doesn't allow "
                                              "os_compute_api:limits:other_project to be "
                                              "performed.\n"), project
    # Its own project by ID is found, and allowed.
    own = project_id(cli, "demo")
    result = cli("--os-project-name", "demo", "limits", "show", "--absolute", "--project", own,
                 "-f", "value", "-c", "Value")
    assert (result.rc, len(result.out.splitlines())) == (0, len(ALL_LIMITS)), result.err


def test_member_zones_have_no_hosts(cli: Runner) -> None:
    # The detailed zone list is for admins: the plain one, as the real client falls back to.
    rows = cli("--os-project-name", "demo", "availability", "zone", "list", "--long",
               "-f", "value").out.splitlines()
    assert rows == ["nova available    ", "nova available network   ",
                    "nova available router   ", "nova available    "]

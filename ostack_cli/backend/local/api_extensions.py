"""The API extensions the local backend lists (``extension list``/``extension show``).

Compute: Nova's v2.1 API answers ``GET /extensions`` with one fixed list, whatever the
deployment (``nova/api/openstack/compute/extension_info.py`` ``EXTENSION_LIST``: every entry
with the namespace and date below). The local backend speaks v2.1 as Nova does, so it answers
with the same list; entries are (name, alias, description).

Network: only the Neutron extensions whose semantics the local backend really implements,
with each one's name, alias, description and date as Neutron's own definitions give them
(neutron-lib ``api/definitions/<module>.py``: ``NAME``, ``ALIAS``, ``DESCRIPTION``,
``UPDATED_TIMESTAMP``, as Neutron 29 / neutron-lib 5.0.1 serve them), in the order Neutron
lists them (its extension modules' file names, sorted). Entries are (name, alias,
description, updated). What the audit found:

- listed: routers with external gateways and SNAT control (``router``, ``ext-gw-mode``) and
  extra routes (``extraroute``, one by one with ``extraroute-atomic``), subnet pools
  (``subnet_allocation``, ``default-subnetpools``) and their address scopes
  (``address-scope``), RBAC policies on networks (shared, external), address scopes, subnet
  pools and security groups (``rbac-policies``, ``rbac-address-scope``,
  ``rbac-subnetpool``, ``rbac-security-groups``), network IP availability (with its details),
  floating IP port forwardings (with descriptions and port ranges, shown in floating IPs),
  external networks, MTUs (applied to bridges and guests, and
  writable), port bindings, port security and allowed address pairs (enforced by the port
  filters; multicast pairs refused), security groups (with the ``normalized_cidr`` and
  ``belongs_to_default_sg`` rule fields, shared filtering, port filtering by group), quotas
  and their details (usage), the standard attributes (description, tags, timestamps,
  revision numbers), ``project_id``, provider attributes (ML2's flat and local types),
  floating IPs' port details, IP substring filtering of ports, pagination (``--limit``,
  ``--marker``) and the availability zone list (one host: DHCP and routers in zone ``nova``);
- not listed, although some attributes show: ``stateful-security-group`` (stateless groups
  are accepted but filtered statefully), ``subnet-service-types`` (kept, not used to pick
  addresses), ``network_availability_zone``/``router_availability_zone`` (hints are not
  checked and zones never filled in), ``quota-check-limit`` (``--force`` is not honoured:
  limits below usage are always refused), ``dns-integration`` (no DNS names on ports),
  ``extra_dhcp_opt``, ``sorting``, ``agent`` and the rest of what
  needs an API the local backend has not.
"""

from __future__ import annotations

# Every entry of Nova's list carries these.
NOVA_NAMESPACE = "http://docs.openstack.org/compute/ext/fake_xml"
NOVA_UPDATED = "2014-12-03T00:00:00Z"

NOVA_EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    ("Multinic", "NMN", "Multiple network support."),
    ("DiskConfig", "OS-DCF", "Disk Management Extension."),
    ("ExtendedAvailabilityZone", "OS-EXT-AZ", "Extended Availability Zone support."),
    ("ImageSize", "OS-EXT-IMG-SIZE", "Adds image size to image listings."),
    ("ExtendedIps", "OS-EXT-IPS", "Adds type parameter to the ip list."),
    ("ExtendedIpsMac", "OS-EXT-IPS-MAC", "Adds mac address parameter to the ip list."),
    ("ExtendedServerAttributes", "OS-EXT-SRV-ATTR", "Extended Server Attributes support."),
    ("ExtendedStatus", "OS-EXT-STS", "Extended Status support."),
    ("FlavorDisabled", "OS-FLV-DISABLED", "Support to show the disabled status of a flavor."),
    ("FlavorExtraData", "OS-FLV-EXT-DATA", "Provide additional data for flavors."),
    ("SchedulerHints", "OS-SCH-HNT", "Pass arbitrary key/value pairs to the scheduler."),
    ("ServerUsage", "OS-SRV-USG", "Adds launched_at and terminated_at on Servers."),
    ("AccessIPs", "os-access-ips", "Access IPs support."),
    (
        "AdminActions",
        "os-admin-actions",
        (
            "Enable admin-only server actions\n\n    Actions include: resetNetwork, "
            "injectNetworkInfo, os-resetState\n    "
        ),
    ),
    ("AdminPassword", "os-admin-password", "Admin password management support."),
    ("Agents", "os-agents", "Agents support."),
    ("Aggregates", "os-aggregates", "Admin-only aggregate administration."),
    ("AssistedVolumeSnapshots", "os-assisted-volume-snapshots", "Assisted volume snapshots."),
    ("AttachInterfaces", "os-attach-interfaces", "Attach interface support."),
    (
        "AvailabilityZone",
        "os-availability-zone",
        (
            "1. Add availability_zone to the Create Server API.\n       2. Add availability zones "
            "describing.\n    "
        ),
    ),
    (
        "BareMetalExtStatus",
        "os-baremetal-ext-status",
        "Add extended status in Baremetal Nodes v2 API.",
    ),
    ("BareMetalNodes", "os-baremetal-nodes", "Admin-only bare-metal node administration."),
    ("BlockDeviceMapping", "os-block-device-mapping", "Block device mapping boot support."),
    (
        "BlockDeviceMappingV2Boot",
        "os-block-device-mapping-v2-boot",
        "Allow boot with the new BDM data format.",
    ),
    ("CellCapacities", "os-cell-capacities", "Adding functionality to get cell capacities."),
    (
        "Cells",
        "os-cells",
        (
            "Enables cells-related functionality such as adding neighbor cells,\n    listing "
            "neighbor cells, and getting the capabilities of the local cell.\n    "
        ),
    ),
    ("Certificates", "os-certificates", "Certificates support."),
    (
        "Cloudpipe",
        "os-cloudpipe",
        (
            "Adds actions to create cloudpipe instances.\n\n    When running with the Vlan network "
            "mode, you need a mechanism to route\n    from the public Internet to your vlans.  "
            "This mechanism is known as a\n    cloudpipe.\n\n    At the time of creating this "
            "class, only OpenVPN is supported.  Support for\n    a SSH Bastion host is "
            "forthcoming.\n    "
        ),
    ),
    (
        "CloudpipeUpdate",
        "os-cloudpipe-update",
        "Adds the ability to set the vpn ip/port for cloudpipe instances.",
    ),
    ("ConfigDrive", "os-config-drive", "Config Drive Extension."),
    ("ConsoleAuthTokens", "os-console-auth-tokens", "Console token authentication support."),
    ("ConsoleOutput", "os-console-output", "Console log output support, with tailing ability."),
    ("Consoles", "os-consoles", "Interactive Console support."),
    ("CreateBackup", "os-create-backup", "Create a backup of a server."),
    ("Createserverext", "os-create-server-ext", "Extended support to the Create Server v1.1 API."),
    ("DeferredDelete", "os-deferred-delete", "Instance deferred delete."),
    ("Evacuate", "os-evacuate", "Enables server evacuation."),
    (
        "ExtendedEvacuateFindHost",
        "os-extended-evacuate-find-host",
        "Enables server evacuation without target host. Scheduler will select one to target.",
    ),
    (
        "ExtendedFloatingIps",
        "os-extended-floating-ips",
        "Adds optional fixed_address to the add floating IP command.",
    ),
    ("ExtendedHypervisors", "os-extended-hypervisors", "Extended hypervisors support."),
    ("ExtendedNetworks", "os-extended-networks", "Adds additional fields to networks."),
    (
        "ExtendedQuotas",
        "os-extended-quotas",
        "Adds ability for admins to delete quota and optionally force the update Quota command.",
    ),
    (
        "ExtendedRescueWithImage",
        "os-extended-rescue-with-image",
        "Allow the user to specify the image to use for rescue.",
    ),
    ("ExtendedServices", "os-extended-services", "Extended services support."),
    (
        "ExtendedServicesDelete",
        "os-extended-services-delete",
        "Extended services deletion support.",
    ),
    ("ExtendedStatus", "os-extended-status", "Extended Status support."),
    ("ExtendedVolumes", "os-extended-volumes", "Extended Volumes support."),
    ("FixedIPs", "os-fixed-ips", "Fixed IPs support."),
    ("FlavorAccess", "os-flavor-access", "Flavor access support."),
    ("FlavorExtraSpecs", "os-flavor-extra-specs", "Flavors extra specs support."),
    ("FlavorManage", "os-flavor-manage", "Flavor create/delete API support."),
    ("FlavorRxtx", "os-flavor-rxtx", "Support to show the rxtx status of a flavor."),
    ("FlavorSwap", "os-flavor-swap", "Support to show the swap status of a flavor."),
    ("FloatingIpDns", "os-floating-ip-dns", "Floating IP DNS support."),
    ("FloatingIpPools", "os-floating-ip-pools", "Floating IPs support."),
    ("FloatingIps", "os-floating-ips", "Floating IPs support."),
    ("FloatingIpsBulk", "os-floating-ips-bulk", "Bulk handling of Floating IPs."),
    ("Fping", "os-fping", "Fping Management Extension."),
    (
        "HideServerAddresses",
        "os-hide-server-addresses",
        "Support hiding server addresses in certain states.",
    ),
    ("Hosts", "os-hosts", "Admin-only host administration."),
    ("HypervisorStatus", "os-hypervisor-status", "Show hypervisor status."),
    ("Hypervisors", "os-hypervisors", "Admin-only hypervisor administration."),
    (
        "InstanceActions",
        "os-instance-actions",
        "View a log of actions and events taken on an instance.",
    ),
    ("OSInstanceUsageAuditLog", "os-instance_usage_audit_log", "Admin-only Task Log Monitoring."),
    ("Keypairs", "os-keypairs", "Keypair Support."),
    ("LockServer", "os-lock-server", "Enable lock/unlock server actions."),
    ("MigrateServer", "os-migrate-server", "Enable migrate and live-migrate server actions."),
    ("Migrations", "os-migrations", "Provide data on migrations."),
    (
        "MultipleCreate",
        "os-multiple-create",
        "Allow multiple create in the Create Server v2.1 API.",
    ),
    ("Networks", "os-networks", "Admin-only Network Management Extension."),
    ("NetworkAssociationSupport", "os-networks-associate", "Network association support."),
    ("PauseServer", "os-pause-server", "Enable pause/unpause server actions."),
    ("Personality", "os-personality", "Personality support."),
    (
        "PreserveEphemeralOnRebuild",
        "os-preserve-ephemeral-rebuild",
        "Allow preservation of the ephemeral partition on rebuild.",
    ),
    ("QuotaClasses", "os-quota-class-sets", "Quota classes management support."),
    ("Quotas", "os-quota-sets", "Quotas management support."),
    ("Rescue", "os-rescue", "Instance rescue mode."),
    (
        "SecurityGroupDefaultRules",
        "os-security-group-default-rules",
        "Default rules for security group support.",
    ),
    ("SecurityGroups", "os-security-groups", "Security group support."),
    (
        "ServerDiagnostics",
        "os-server-diagnostics",
        "Allow Admins to view server diagnostics through server action.",
    ),
    ("ServerExternalEvents", "os-server-external-events", "Server External Event Triggers."),
    ("ServerGroupQuotas", "os-server-group-quotas", "Adds quota support to server groups."),
    ("ServerGroups", "os-server-groups", "Server group support."),
    (
        "ServerListMultiStatus",
        "os-server-list-multi-status",
        "Allow to filter the servers by a set of status values.",
    ),
    ("ServerPassword", "os-server-password", "Server password support."),
    ("ServerSortKeys", "os-server-sort-keys", "Add sorting support in get Server v2 API."),
    ("ServerStartStop", "os-server-start-stop", "Start/Stop instance compute API support."),
    ("Services", "os-services", "Services support."),
    ("Shelve", "os-shelve", "Instance shelve mode."),
    ("SimpleTenantUsage", "os-simple-tenant-usage", "Simple tenant usage extension."),
    ("SuspendServer", "os-suspend-server", "Enable suspend/resume server actions."),
    ("OSTenantNetworks", "os-tenant-networks", "Tenant-based Network Management Extension."),
    ("UsedLimits", "os-used-limits", "Provide data on limited resources that are being used."),
    (
        "UsedLimitsForAdmin",
        "os-used-limits-for-admin",
        "Provide data to admin on limited resources used by other tenants.",
    ),
    ("UserData", "os-user-data", "Add user_data to the Create Server API."),
    ("UserQuotas", "os-user-quotas", "Project user quota support."),
    ("VirtualInterfaces", "os-virtual-interfaces", "Virtual interface support."),
    (
        "VolumeAttachmentUpdate",
        "os-volume-attachment-update",
        "Support for updating a volume attachment.",
    ),
    ("Volumes", "os-volumes", "Volumes support."),
)

NEUTRON_EXTENSIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Allowed address pairs reject multicast extension",
        "aap-reject-multicast",
        "Reject multicast addresses in Allowed Address Pairs",
        "2026-04-01T00:00:00-00:00",
    ),
    (
        "Address scope",
        "address-scope",
        "Address scopes extension.",
        "2015-07-26T10:00:00-00:00",
    ),
    (
        "Allowed Address Pairs",
        "allowed-address-pairs",
        "Provides allowed address pairs",
        "2013-07-23T10:00:00-00:00",
    ),
    (
        "Availability Zone",
        "availability_zone",
        "The availability zone extension.",
        "2015-01-01T10:00:00-00:00",
    ),
    (
        "Default Subnetpools",
        "default-subnetpools",
        "Provides ability to mark and use a subnetpool as the default.",
        "2016-02-18T18:00:00-00:00",
    ),
    (
        "Expose Floating IP port forwardings",
        "expose-port-forwarding-in-fip",
        "Expose port forwarding fields in floating IP response",
        "2018-06-28T16:00:00-00:00",
    ),
    (
        "Neutron external network",
        "external-net",
        "Adds external network attribute to network resource.",
        "2013-01-14T10:00:00-00:00",
    ),
    (
        "Neutron Extra Route",
        "extraroute",
        "Extra routes configuration for L3 router",
        "2013-02-01T10:00:00-00:00",
    ),
    (
        "Atomically add/remove extra routes",
        "extraroute-atomic",
        (
            "Edit extra routes of a router on server side by atomically adding/removing extra "
            "routes"
        ),
        "2019-07-10T00:00:00+00:00",
    ),
    (
        "Floating IP Port Forwarding new attribute description",
        "floating-ip-port-forwarding-description",
        "Add a description field to Port Forwarding rules",
        "2019-11-01T10:00:00-00:00",
    ),
    (
        "Floating IP Port Forwarding support port ranges",
        "floating-ip-port-forwarding-port-ranges",
        "Add support to port ranges",
        "2020-07-01T10:00:00-00:00",
    ),
    (
        "Floating IP Port Details Extension",
        "fip-port-details",
        "Add port_details attribute to Floating IP resource",
        "2018-04-09T10:00:00-00:00",
    ),
    (
        "Floating IP Port Forwarding",
        "floating-ip-port-forwarding",
        "Allow port forwarding from floating IP port to an internal port",
        "2018-01-19T10:00:00-00:00",
    ),
    (
        "IP address substring filtering",
        "ip-substring-filtering",
        "Provides IP address substring filtering when listing ports",
        "2017-11-28T09:00:00-00:00",
    ),
    (
        "Neutron L3 Router",
        "router",
        (
            "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to "
            "external networks via a NAT gateway."
        ),
        "2012-07-20T10:00:00-00:00",
    ),
    (
        "Neutron L3 Configurable external gateway mode",
        "ext-gw-mode",
        (
            "Extension of the router abstraction for specifying whether SNAT should occur on the "
            "external gateway"
        ),
        "2013-03-28T10:00:00-00:00",
    ),
    (
        "Network MTU",
        "net-mtu",
        "Provides MTU attribute for a network resource.",
        "2015-03-25T10:00:00-00:00",
    ),
    (
        "Network MTU (writable)",
        "net-mtu-writable",
        "Provides a writable MTU attribute for a network resource.",
        "2017-07-12T00:00:00-00:00",
    ),
    (
        "Network IP Availability",
        "network-ip-availability",
        "Provides IP availability data for each network and subnet.",
        "2015-09-24T00:00:00-00:00",
    ),
    (
        "Network IP Availability Details Extension",
        "network-ip-availability-details",
        (
            "Add ip_availability_details attribute to network-ip-availabilities resource."
        ),
        "2025-10-31T00:00:00-00:00",
    ),
    (
        "Pagination support",
        "pagination",
        "Extension that indicates that pagination is enabled.",
        "2016-06-12T00:00:00-00:00",
    ),
    (
        "Port Binding",
        "binding",
        "Expose port bindings of a virtual port to external application",
        "2014-02-03T10:00:00-00:00",
    ),
    (
        "Port Security",
        "port-security",
        "Provides port security",
        "2012-07-23T10:00:00-00:00",
    ),
    (
        "project_id field enabled",
        "project-id",
        "Extension that indicates that project_id field is enabled.",
        "2016-09-09T09:09:09-09:09",
    ),
    (
        "Provider Network",
        "provider",
        "Expose mapping of virtual networks to physical networks",
        "2012-09-07T10:00:00-00:00",
    ),
    (
        "Quota management support",
        "quotas",
        "Expose functions for quotas management per project",
        "2012-07-29T10:00:00-00:00",
    ),
    (
        "Quota details management support",
        "quota_details",
        "Expose functions for quotas usage statistics per project",
        "2017-02-10T10:00:00-00:00",
    ),
    (
        "RBAC Policies",
        "rbac-policies",
        "Allows creation and modification of policies that control project access to "
        "resources.",
        "2015-06-17T12:15:12-00:00",
    ),
    (
        "Add address_scope type to RBAC",
        "rbac-address-scope",
        "Add address_scope type to RBAC",
        "2020-02-12T00:00:00-00:00",
    ),
    (
        "Add security_group type to network RBAC",
        "rbac-security-groups",
        "Add security_group type to network RBAC",
        "2019-02-14T00:00:00-00:00",
    ),
    (
        "Add subnetpool type to RBAC",
        "rbac-subnetpool",
        "Add subnetpool type to RBAC",
        "2020-02-05T00:00:00-00:00",
    ),
    (
        "Resource revision numbers",
        "standard-attr-revisions",
        "This extension will display the revision number of neutron resources.",
        "2016-04-11T10:00:00-00:00",
    ),
    (
        "Normalized CIDR field for security group rules",
        "security-groups-normalized-cidr",
        "Add new field with normalized remote_ip_prefix cidr in SG rule",
        "2020-07-28T10:00:00-00:00",
    ),
    (
        "Port filtering on security groups",
        "port-security-groups-filtering",
        "Provides security groups filtering when listing ports",
        "2018-01-09T09:00:00-00:00",
    ),
    (
        "Security group rule belongs to the project's default security group",
        "security-groups-rules-belongs-to-default-sg",
        (
            "Flag to determine if the security group rule belongs to the project's default "
            "security group"
        ),
        "2023-05-23T10:00:00-00:00",
    ),
    (
        "Security group filtering on the shared field",
        "security-groups-shared-filtering",
        "Support filtering security groups on the shared field",
        "2021-10-05T09:00:00-00:00",
    ),
    (
        "security-group",
        "security-group",
        "The security groups extension.",
        "2012-10-05T10:00:00-00:00",
    ),
    (
        "standard-attr-description",
        "standard-attr-description",
        "Extension to add descriptions to standard attributes",
        "2016-02-10T10:00:00-00:00",
    ),
    (
        "Subnet Allocation",
        "subnet_allocation",
        "Enables allocation of subnets from a subnet pool",
        "2015-03-30T10:00:00-00:00",
    ),
    (
        (
            "Tag support for resources with standard attribute: port, subnet, subnetpool, network, "
            "security_group, router, floatingip, policy, trunk, network_segment_range"
        ),
        "standard-attr-tag",
        "Enables to set tag on resources with standard attribute.",
        "2017-01-01T00:00:00-00:00",
    ),
    (
        "Resource timestamps",
        "standard-attr-timestamp",
        (
            "Adds created_at and updated_at fields to all Neutron resources that have Neutron "
            "standard attributes."
        ),
        "2016-09-12T10:00:00-00:00",
    ),
)

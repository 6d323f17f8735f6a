#!/usr/bin/env bash
# The article's walkthrough ("OpenStack Nova compute service management"), as typed there,
# on this host: each command is printed, then its output. A network namespace plays the
# outside world for the two pings of the floating IP.
#
#   tools/demo.sh             run it (after `make setup`; `make demo` does both)
#   tools/demo.sh --dashboard the article's first half instead: `ostack api` and the real
#                             Horizon on this host, detached (`make demo-dashboard`)
#   tools/demo.sh --teardown  remove what the demo and `ostack bootstrap` made (and stop
#                             the dashboard and the API if they run)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
OUTSIDE=ostack-demo-outside       # the "external network" client
OUTSIDE_LEG=ostdemo-out           # its veth on the External bridge

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

outside_down() {
  ip netns del "$OUTSIDE" 2>/dev/null || true
  ip link del "$OUTSIDE_LEG" 2>/dev/null || true
  openstack port delete outside-client >/dev/null 2>&1 || true
}

# Where the two servers listen: ostack's defaults unless set (another Keystone may hold 5000).
API_BIND=${OSTACK_DEMO_API_BIND:-127.0.0.1:5000}
DASHBOARD_BIND=${OSTACK_DEMO_DASHBOARD_BIND:-127.0.0.1:8080}

dashboard() {
  say "ostack bootstrap    # once per host: the topology, and the admin and demo passwords"
  ostack bootstrap
  ostack dashboard stop >/dev/null 2>&1 || true
  ostack api stop >/dev/null 2>&1 || true
  run ostack api serve --detach --bind "$API_BIND"
  run ostack dashboard serve --detach --bind "$DASHBOARD_BIND" --api "$API_BIND"
  local state
  state=$(ostack configuration show -f value -c state_dir)
  echo
  echo "demo: Horizon on http://$DASHBOARD_BIND/ (loopback only: an SSH tunnel shows it"
  echo "      elsewhere, e.g. ssh -L 8080:$DASHBOARD_BIND <this host>)"
  echo "demo: log in as admin or demo (domain Default); the passwords 'ostack bootstrap'"
  echo "      printed are kept in $state/api-credentials.json (mode 0600)"
  echo "demo: the article's first half: Project > Compute > Instances > Launch Instance,"
  echo "      then Associate Floating IP, and Network > Security Groups > default > Add Rule"
  echo "      (ALL ICMP). 'tools/demo.sh --teardown' stops both servers and removes the demo."
}

teardown() {
  ostack dashboard stop >/dev/null 2>&1 || true
  ostack api stop >/dev/null 2>&1 || true
  outside_down
  for id in $(openstack server list --name '^Host2$' -f value -c ID); do
    openstack server delete --wait "$id"
  done
  for fip in $(openstack floating ip list -f value -c ID); do openstack floating ip delete "$fip"; done
  openstack router remove subnet router1 private-subnet 2>/dev/null || true
  openstack router delete router1 2>/dev/null || true
  openstack network delete private External 2>/dev/null || true
  echo "demo: removed the demo's resources and the bootstrap topology"
}

if [ "${1:-}" = "--teardown" ]; then teardown; exit 0; fi
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it drives libvirt and the host's network)" >&2; exit 1; }
if [ "${1:-}" = "--dashboard" ]; then dashboard; exit 0; fi

# An earlier, interrupted demo may have left its server, floating IP or outside namespace.
outside_down
for id in $(openstack server list --name '^Host2$' -f value -c ID); do
  openstack server delete --wait "$id"
done

say "ostack bootstrap    # once per host: External, private, router1 and the cirros image"
ostack bootstrap

# The article's commands, in its order. Its IDs were its cloud's; here they come from the
# outputs before them, as a user would copy them.
run openstack flavor list
run openstack network list
run openstack image list
NET_ID=$(openstack network show private -f value -c id)
run openstack server create --image cirros --flavor m1.tiny --nic net-id="$NET_ID" Host2
run openstack server list
run openstack server show Host2

say "# ... wait until the guest has booted and got its address by DHCP"
for _ in $(seq 120); do
  openstack console log show Host2 | grep -q "ostack-guest: ready" && break
  sleep 1
done
say "openstack console log show Host2 --lines 12"
openstack console log show Host2 --lines 12

run openstack floating ip create External
FIP=$(openstack floating ip list -f value -c "Floating IP Address" | head -1)
run openstack server add floating ip Host2 "$FIP"

# The outside world: a namespace on the External network, with an address Neutron hands
# out (a port), so it can never collide with a floating IP.
outside_down
openstack port create --network External --no-security-group outside-client >/dev/null
OUT_IP=$(openstack port show outside-client -f json -c fixed_ips |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["fixed_ips"][0]["ip_address"])')
PREFIX=$(openstack subnet show External-subnet -f value -c cidr | cut -d/ -f2)
EXT_BRIDGE=$(python3 -c "from ostack_cli.backend.local.names import bridge_name; print(bridge_name('$(openstack network show External -f value -c id)'))")
ip netns add "$OUTSIDE"
ip link add "$OUTSIDE_LEG" type veth peer name eth0 netns "$OUTSIDE"
ip link set "$OUTSIDE_LEG" master "$EXT_BRIDGE" up
ip -n "$OUTSIDE" addr add "$OUT_IP/$PREFIX" dev eth0
ip -n "$OUTSIDE" link set eth0 up
ip -n "$OUTSIDE" link set lo up

say "ping -c 3 $FIP    # from the outside world ($OUTSIDE, $OUT_IP): no ICMP rule yet"
if ip netns exec "$OUTSIDE" ping -c 3 -W 1 "$FIP"; then
  echo "demo: UNEXPECTED: the ping passed before any ICMP rule" >&2; exit 1
fi
echo "-> fails, as in the article: the security group does not allow ICMP"

SG_ID=$(openstack security group list -f value -c ID -c Name | awk '$2 == "default" {print $1}')
say "openstack security group rule create --src-ip 0.0.0.0/0 --protocol ICMP $SG_ID"
openstack security group rule create --src-ip 0.0.0.0/0 --protocol ICMP "$SG_ID" | tee /tmp/.ostack-demo-rule
RULE_ID=$(awk '$2 == "id" {print $4}' /tmp/.ostack-demo-rule); rm -f /tmp/.ostack-demo-rule
say "ping -c 3 $FIP"
ip netns exec "$OUTSIDE" ping -c 3 -W 1 "$FIP"
echo "-> works at once"

run openstack server delete Host2
run openstack server list
outside_down
openstack floating ip delete "$FIP"
# So that the next run starts as the article does, without the ICMP rule.
openstack security group rule delete "$RULE_ID"
echo
echo "demo: done. The bootstrap topology stays for you to use; 'tools/demo.sh --teardown' removes it."

#!/usr/bin/env bash
# What someone with an account on an OpenStack cloud writes to try it out: ask what the cloud
# offers, build a network with a router to the outside, a security group and a key, boot a
# server and reach it through a floating IP, snapshot it, resize it, forward a port to it,
# and clean everything up whatever happens. Only `openstack` commands (and ssh), as the real
# client takes them; the cloud comes from the usual OS_CLOUD / clouds.yaml / OS_* settings.
#
# Settings (environment):
#   IMAGE, FLAVOR, BIGGER_FLAVOR   what to boot, and what to resize to
#   EXTERNAL_NETWORK              where floating IPs come from
#   SUBNET_RANGE                  the new network's range
#   PREFIX                        the start of every name this script makes
#   BOOT                          1: the server is a real guest (wait for its console and its
#                                 snapshot's data, log in over ssh); 0: a control plane
#                                 without a hypervisor behind it
#   RESIZE                        1: resize the server (0: a cloud whose one compute host
#                                 does not take resizes to itself)
#   SSH                           the ssh command (a network namespace's, for example)
#   READY_PATTERN                 what the console shows once the guest is up
#   LOGIN_USER                    the image's user
set -euo pipefail

IMAGE=${IMAGE:-cirros}
FLAVOR=${FLAVOR:-m1.tiny}
BIGGER_FLAVOR=${BIGGER_FLAVOR:-m1.small}
EXTERNAL_NETWORK=${EXTERNAL_NETWORK:-public}
SUBNET_RANGE=${SUBNET_RANGE:-10.77.0.0/24}
PREFIX=${PREFIX:-trial-$$}
BOOT=${BOOT:-1}
RESIZE=${RESIZE:-1}
SSH=${SSH:-ssh}
READY_PATTERN=${READY_PATTERN:-login:}
LOGIN_USER=${LOGIN_USER:-cirros}

NET=$PREFIX-net
SUBNET=$PREFIX-subnet
ROUTER=$PREFIX-router
SECGROUP=$PREFIX-sg
KEY=$PREFIX-key
VM=$PREFIX-vm
SNAPSHOT=$PREFIX-snap
WORKDIR=$(mktemp -d)
FIP=""

log() { echo "== $*"; }

cleanup() {
    status=$?
    set +e
    log "cleaning up"
    openstack server delete --wait "$VM" 2>/dev/null
    [ -n "$FIP" ] && openstack floating ip delete "$FIP"
    openstack image delete "$SNAPSHOT" 2>/dev/null
    openstack router remove subnet "$ROUTER" "$SUBNET" 2>/dev/null
    openstack router delete "$ROUTER" 2>/dev/null
    openstack subnet delete "$SUBNET" 2>/dev/null
    openstack network delete "$NET" 2>/dev/null
    openstack security group delete "$SECGROUP" 2>/dev/null
    openstack keypair delete "$KEY" 2>/dev/null
    rm -rf "$WORKDIR"
    log "done (exit $status)"
    exit "$status"
}
trap cleanup EXIT

# ssh into the server until it answers (a guest takes a while to boot).
login() {
    local address=$1 port=$2 tries=${3:-60}
    local -a ssh_cmd
    read -r -a ssh_cmd <<< "$SSH"
    for _ in $(seq "$tries"); do
        if "${ssh_cmd[@]}" -p "$port" -i "$WORKDIR/key.pem" -o BatchMode=yes \
                -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
                -o ConnectTimeout=5 "$LOGIN_USER@$address" hostname; then
            return 0
        fi
        sleep 3
    done
    echo "could not log in to $address:$port" >&2
    return 1
}

wait_for_console() {
    for _ in $(seq 120); do
        if openstack console log show "$VM" | grep -q "$READY_PATTERN"; then
            return 0
        fi
        sleep 2
    done
    echo "$VM never showed '$READY_PATTERN' on its console" >&2
    return 1
}

wait_for_status() {
    local wanted=$1
    for _ in $(seq 90); do
        [ "$(openstack server show "$VM" -f value -c status)" = "$wanted" ] && break
        sleep 2
    done
    require_status "$wanted"
}

require_status() {
    local wanted=$1 status
    status=$(openstack server show "$VM" -f value -c status)
    if [ "$status" != "$wanted" ]; then
        echo "$VM is $status, not $wanted" >&2
        return 1
    fi
    log "$VM is $status"
}

log "what the cloud offers"
network_version=$(openstack versions show --service network -f value -c Version)
log "network API $network_version"
aliases=$(openstack extension list --network -f value -c Alias)
if ! grep -qx router <<< "$aliases"; then
    echo "this cloud has no routers" >&2
    exit 1
fi
forwarding=no
if grep -qx floating-ip-port-forwarding <<< "$aliases"; then
    forwarding=yes
fi
log "port forwarding: $forwarding"
openstack flavor show "$FLAVOR" -f value -c name >/dev/null
openstack image show "$IMAGE" -f value -c status >/dev/null

log "network"
openstack network create "$NET" -f value -c id >/dev/null
openstack subnet create --network "$NET" --subnet-range "$SUBNET_RANGE" "$SUBNET" \
    -f value -c id >/dev/null
openstack router create "$ROUTER" -f value -c id >/dev/null
openstack router set --external-gateway "$EXTERNAL_NETWORK" "$ROUTER"
openstack router add subnet "$ROUTER" "$SUBNET"

log "security group and key"
openstack security group create --description "ssh and ping" "$SECGROUP" -f value -c id \
    >/dev/null
openstack security group rule create --protocol tcp --dst-port 22 "$SECGROUP" \
    -f value -c id >/dev/null
openstack security group rule create --protocol icmp "$SECGROUP" -f value -c id >/dev/null
openstack keypair create "$KEY" > "$WORKDIR/key.pem"
chmod 600 "$WORKDIR/key.pem"

log "server"
openstack server create --image "$IMAGE" --flavor "$FLAVOR" --network "$NET" \
    --security-group "$SECGROUP" --key-name "$KEY" --wait "$VM" -f value -c id >/dev/null
require_status ACTIVE
FIP=$(openstack floating ip create "$EXTERNAL_NETWORK" -f value -c floating_ip_address)
openstack server add floating ip "$VM" "$FIP"
# Nova learns of the address from Neutron a moment later.
for _ in $(seq 30); do
    openstack server show "$VM" -f value -c addresses | grep -qF "$FIP" && break
    sleep 2
done
if ! openstack server show "$VM" -f value -c addresses | grep -qF "$FIP"; then
    echo "$VM does not show its floating IP" >&2
    exit 1
fi
log "floating IP attached"
if [ "$BOOT" = 1 ]; then
    wait_for_console
    login "$FIP" 22 >/dev/null
    log "logged in over the floating IP"
fi

log "snapshot"
if [ "$BOOT" = 1 ]; then
    openstack server image create --name "$SNAPSHOT" --wait "$VM" -f value -c id >/dev/null
else
    # Without a guest behind the server no data ever reaches the image: it stays queued.
    openstack server image create --name "$SNAPSHOT" "$VM" -f value -c id >/dev/null
fi
snapshot_status=$(openstack image show "$SNAPSHOT" -f value -c status)
log "snapshot $snapshot_status"

if [ "$RESIZE" = 1 ]; then
    log "resize"
    # --wait returns as soon as the server is ACTIVE, which it still is right after asking.
    openstack server resize --flavor "$BIGGER_FLAVOR" --wait "$VM" >/dev/null
    wait_for_status VERIFY_RESIZE
    openstack server resize confirm "$VM"
    wait_for_status ACTIVE
    if ! openstack server show "$VM" -f value -c flavor \
            | grep -qF "'original_name': '$BIGGER_FLAVOR'"; then
        echo "$VM did not take $BIGGER_FLAVOR" >&2
        exit 1
    fi
    log "flavor now $BIGGER_FLAVOR"
    if [ "$BOOT" = 1 ]; then
        login "$FIP" 22 >/dev/null
        log "logged in again after the resize"
    fi
fi

if [ "$forwarding" = yes ]; then
    log "port forwarding"
    port_id=$(openstack port list --server "$VM" -f value -c ID | head -n 1)
    fixed_ip=$(openstack port show "$port_id" -f json -c fixed_ips \
        | grep -o '"ip_address": "[^"]*"' | head -n 1 | cut -d'"' -f4)
    # A port with a floating IP of its own takes no forwarding: the floating IP leaves the
    # server and forwards one port to it instead.
    openstack server remove floating ip "$VM" "$FIP"
    openstack floating ip port forwarding create --internal-ip-address "$fixed_ip" \
        --port "$port_id" --internal-protocol-port 22 --external-protocol-port 2222 \
        --protocol tcp "$FIP" -f value -c id >/dev/null
    forwards=$(openstack floating ip port forwarding list "$FIP" -f value -c "External Port")
    log "forwarded ports: $forwards"
    if [ "$BOOT" = 1 ]; then
        login "$FIP" 2222 >/dev/null
        log "logged in through the forwarded port"
    fi
fi

log "all good"

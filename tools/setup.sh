#!/usr/bin/env bash
# Prepare this host for ostack, idempotently: system packages, libvirt daemons, the venv,
# the test guest image and shell completion. Safe to run again; each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  # the local backend's host side
  qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu
  dnsmasq-base iptables iproute2 iputils-ping tini
  # building libvirt-python against the host's libvirt
  libvirt-dev pkg-config gcc
  # the test guest image (tools/guest-image/build.sh)
  linux-image-amd64 kmod busybox-static dropbear-bin syslinux syslinux-common mtools dosfstools
  cpio gzip xz-utils zstd
  # reading config drives back in the tests (isoinfo)
  genisoimage
  # completion tests and ssh into guests
  bash-completion tmux zsh fish openssh-client
  # the guests' consoles in a browser: noVNC and the SPICE client the console proxy serves,
  # and the headless browser that tests it (tests/vm/test_console_vm.py)
  novnc spice-html5 chromium chromium-driver
)

log() { printf 'setup: %s\n' "$*" >&2; }

install_system_packages() {
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${missing[*]}; run 'make setup' as root (or sudo) to install them"
    return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps package scripts from starting daemons: we start them ourselves below.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
}

start_libvirt() {
  [ "$(id -u)" -eq 0 ] || { log "not root: not starting libvirtd"; return 0; }
  # No systemd on this kind of host: start the daemons by hand, once.
  if ! pgrep -x virtlogd >/dev/null; then
    log "starting virtlogd"; virtlogd -d
  fi
  if ! timeout 5 virsh -c qemu:///system version >/dev/null 2>&1; then
    # Under tini as a subreaper: QEMU processes libvirtd double-forks are reaped at once.
    # An init that reaps slowly otherwise makes every guest's destroy wait 1-2 s.
    if ! pgrep -x libvirtd >/dev/null; then
      log "starting libvirtd"
      (setsid tini -s -- libvirtd >/var/log/ostack-libvirtd.log 2>&1 </dev/null &)
    fi
    for _ in $(seq 50); do
      timeout 5 virsh -c qemu:///system version >/dev/null 2>&1 && break
      sleep 0.2
    done
  fi
}

make_venv() {
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
  fi
  local stamp=.venv/.ostack-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
     || compgen -G '.venv/lib/python3*/site-packages/__editable___ostack_*finder.py' >/dev/null; then
    log "installing ostack into .venv"
    # compat: a .pth with the checkout's path. setuptools' default editable finder makes
    # every Python start in this venv import pathlib and importlib.util through site (~10 ms
    # on each command, measured with -X importtime).
    .venv/bin/pip install -q --disable-pip-version-check -e '.[test,api]' \
      --config-settings editable_mode=compat
    touch "$stamp"
  fi
  # Bytecode ahead of time: with PYTHONDONTWRITEBYTECODE=1 (common in containers, and set on
  # this machine kind) Python reads .pyc files but never writes them, so an editable install
  # would compile ostack's modules on every run. Stale files are ignored by mtime.
  .venv/bin/python -m compileall -q -j 0 ostack_cli >/dev/null
}

build_guest_image() {
  if [ -x tools/guest-image/build.sh ] && [ "$(id -u)" -eq 0 ]; then
    tools/guest-image/build.sh >&2
  fi
}

install_completion() {
  if [ -f completions/ostack.bash ] && [ -d /usr/share/bash-completion/completions ] \
     && [ "$(id -u)" -eq 0 ]; then
    install -m 0644 completions/ostack.bash /usr/share/bash-completion/completions/ostack
    install -m 0644 completions/ostack.bash /usr/share/bash-completion/completions/openstack
  fi
  if [ "$(id -u)" -eq 0 ]; then
    [ -d /usr/share/zsh/vendor-completions ] &&
      install -m 0644 completions/_ostack /usr/share/zsh/vendor-completions/_ostack
    if [ -d /usr/share/fish/vendor_completions.d ]; then
      install -m 0644 completions/ostack.fish /usr/share/fish/vendor_completions.d/ostack.fish
      install -m 0644 completions/ostack.fish /usr/share/fish/vendor_completions.d/openstack.fish
    fi
  fi
}

install_system_packages
start_libvirt
make_venv
build_guest_image
install_completion
log "done: .venv/bin/ostack is ready"

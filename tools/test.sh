#!/usr/bin/env bash
# The whole suite, as `make test` (and so CI) runs it: lint, then every tier.
#
# The cloud tier spends its time waiting on realstack's services and on the real client's
# start-up, the VM tier on one TCG guest at a time: run one after the other they took 85 of
# CI's 90 minutes (58 this way). So the cloud tier runs beside the others (its output
# follows theirs). It is the longer of the two, so it starts first (before lint) and runs
# at a higher priority: realstack's services, started by its fixture, inherit it, and QEMU
# (libvirtd's child) keeps the default. The two share nothing on the host: the cloud tier
# drives realstack on loopback through the cloud backend and makes no bridges, namespaces or
# chains.
set -uo pipefail
cd "$(dirname "$0")/.."

pytest=(.venv/bin/pytest -p no:cacheprovider --durations=15)
cloud_log="$(mktemp /tmp/ostack-cloud-tier.XXXXXX)"

nice -n -5 "${pytest[@]}" tests/cloud >"$cloud_log" 2>&1 &
cloud_pid=$!
trap 'kill "$cloud_pid" 2>/dev/null; wait "$cloud_pid"; cat "$cloud_log"; rm -f "$cloud_log"' INT TERM

others=0
# What `make lint` runs (without its setup step: `make test` has just done it).
.venv/bin/ruff check ostack_cli tests benchmarks tools && .venv/bin/mypy || others=$?
if [ "$others" -eq 0 ]; then
    "${pytest[@]}" --ignore=tests/cloud tests
    others=$?
fi

wait "$cloud_pid"
cloud=$?
trap - INT TERM
echo
echo "=============== tests/cloud (ran beside the tiers above) ==============="
cat "$cloud_log"
rm -f "$cloud_log"

# A report, never a failure nor a clean-up: what stores deleted without a purge (by these
# tests or anything else) left on the host; `make clean-host` removes it.
if [ "$(id -u)" -eq 0 ]; then
    orphans="$(.venv/bin/python -m ostack_cli.backend.local.reconcile orphans --dry-run 2>&1)"
    if [ -n "$orphans" ]; then
        echo
        echo "=============== host objects of stores that are gone (make clean-host) ==============="
        echo "$orphans"
    fi
fi

echo "lint and tiers other than cloud: exit $others; cloud tier: exit $cloud"
if [ "$others" -ne 0 ]; then exit "$others"; fi
exit "$cloud"

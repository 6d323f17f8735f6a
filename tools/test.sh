#!/usr/bin/env bash
# The whole suite, as `make test` (and so CI) runs it.
#
# The cloud tier spends its time waiting on realstack's services and on the real client's
# start-up, the VM tier on one TCG guest at a time: each leaves most of the second core idle.
# So the cloud tier runs beside the other tiers (its output follows theirs), which keeps the
# suite well inside CI's 90 minutes. The two share nothing on the host: the cloud tier drives
# realstack on loopback through the cloud backend and makes no bridges, namespaces or chains.
set -uo pipefail
cd "$(dirname "$0")/.."

pytest=(.venv/bin/pytest -p no:cacheprovider --durations=15)
cloud_log="$(mktemp /tmp/ostack-cloud-tier.XXXXXX)"

"${pytest[@]}" tests/cloud >"$cloud_log" 2>&1 &
cloud_pid=$!
trap 'kill "$cloud_pid" 2>/dev/null; wait "$cloud_pid"; cat "$cloud_log"; rm -f "$cloud_log"' INT TERM

"${pytest[@]}" --ignore=tests/cloud tests
others=$?

wait "$cloud_pid"
cloud=$?
trap - INT TERM
echo
echo "=============== tests/cloud (ran beside the tiers above) ==============="
cat "$cloud_log"
rm -f "$cloud_log"

echo "tiers other than cloud: exit $others; cloud tier: exit $cloud"
if [ "$others" -ne 0 ]; then exit "$others"; fi
exit "$cloud"

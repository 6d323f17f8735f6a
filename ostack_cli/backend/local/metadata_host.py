"""A namespace's metadata proxy on the host: started and stopped as the reconciler says.

The proxy (``ostack_cli.metadata.proxy``) is started inside its namespace with ``ip netns
exec`` and puts itself in the background once its socket listens, so ``start`` returns when
guests can be answered; it is found again by its command line (``reconcile.observe``), never
by a pid file alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ostack_cli.backend.local import host_network, iproute
from ostack_cli.backend.local.runner import HostCommandError, run

if TYPE_CHECKING:
    from ostack_cli.backend.local.reconcile.desired import MetadataProxySpec

START_TIMEOUT = 10.0


def start(spec: MetadataProxySpec, *, stale: tuple[int, ...] = ()) -> None:
    """Stop ``stale`` proxies, then start ``spec``'s in its namespace (which must exist)."""
    for pid in stale:
        host_network.stop(pid)
    namespace = iproute.check_namespace(spec.namespace)
    if not iproute.namespace_exists(namespace):
        raise HostCommandError(f"Namespace {namespace} of {spec.kind} {spec.resource_id} is "
                               "missing.")
    run(["ip", "netns", "exec", namespace, *spec.argv], timeout=START_TIMEOUT)


def stop(pids: tuple[int, ...]) -> None:
    for pid in pids:
        host_network.stop(pid)

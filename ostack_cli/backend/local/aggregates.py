"""Host aggregates: Nova keeps them as plain records on a cloud of any size, one host included.
The one local compute host may join them, and an aggregate's ``availability_zone`` is then
the host's zone (``availability zone list``, ``compute service list``).

Rules and messages: nova/api/openstack/compute/aggregates.py (its schemas too) and
nova/compute/api.py ``AggregateAPI``. Nova answers the aggregate actions (add/remove host,
set metadata) at the microversion openstacksdk sends them with, 2.1: without the ``uuid``,
and with the times as its database keeps them (whole seconds); a create answers with the
times it just made.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.compute_host import Aggregate
from ostack_cli.errors import BadRequest, Conflict, NotFound, not_found
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local.compute_hosts import ComputeHosts

NEXT_ID_SETTING = "aggregate_next_id"
AZ_KEY = "availability_zone"
# nova/api/validation/parameter_types.py
METADATA_KEY_RE = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")
FQDN_PATTERN = "^[a-zA-Z0-9-._]*$"
_NAME_RE = re.compile(r"^\S(.*\S)?$", re.DOTALL)


def now() -> str:
    """A time as Nova's objects hold it before the database rounds it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def stored(stamp: str | None) -> str | None:
    """A time as Nova's database gives it back: whole seconds."""
    return None if stamp is None else stamp[:19] + ".000000"


def host_zone(store: Store, host: str) -> str | None:
    """The zone a host's aggregates give it (Nova allows one), or None."""
    for aggregate in store.list(Aggregate):
        if host in aggregate.hosts and aggregate.availability_zone:
            return aggregate.availability_zone
    return None


def drop_host(store: Store, host: str) -> None:
    """A deleted compute service leaves every aggregate (Nova's service delete)."""
    with store.transaction():
        for aggregate in store.list(Aggregate):
            if host in aggregate.hosts:
                store.update(aggregate.replace(hosts=[h for h in aggregate.hosts if h != host]))


def as_stored(aggregate: Aggregate) -> Aggregate:
    """The record as Nova's database hands it back, without the uuid (a 2.1 answer)."""
    return aggregate.replace(uuid=None, created_at=stored(aggregate.created_at) or "",
                             updated_at=stored(aggregate.updated_at))


class Aggregates:
    def __init__(self, context: ServiceContext, *, compute_hosts: ComputeHosts) -> None:
        self.context = context
        self.store = context.store
        self.compute_hosts = compute_hosts

    # -- reading ----------------------------------------------------------------------

    def find_all(self) -> list[Aggregate]:
        require_nova_admin(self.context, "os_compute_api:os-aggregates:index")
        return [_shown(a) for a in sorted(self.store.list(Aggregate), key=lambda a: int(a.id))]

    def find(self, name_or_id: str) -> Aggregate:
        """openstacksdk's find: ``GET /os-aggregates/{id}``, then the list by name."""
        require_nova_admin(self.context, "os_compute_api:os-aggregates:show")
        if name_or_id.isdigit():
            found = self.store.get(Aggregate, str(int(name_or_id)))
            if found is not None:
                return _shown(found)
        matches = [a for a in self.find_all() if a.name == name_or_id]
        if len(matches) != 1:
            # Nova's names are unique: none found.
            raise not_found("Aggregate", name_or_id)
        return matches[0]

    # -- changing ---------------------------------------------------------------------

    def create(self, name: str, availability_zone: str | None = None) -> Aggregate:
        require_nova_admin(self.context, "os_compute_api:os-aggregates:create")
        _check_name(name)
        if availability_zone is not None:
            _check_zone(availability_zone)
        with self.store.transaction():
            self._check_unique(name)
            next_id = int(self.store.get_setting(NEXT_ID_SETTING) or "1")
            self.store.set_setting(NEXT_ID_SETTING, str(next_id + 1))
            aggregate = Aggregate(
                id=str(next_id), name=name, uuid=new_id(),
                availability_zone=availability_zone or None,
                metadata={AZ_KEY: availability_zone} if availability_zone else {},
                created_at=now(),
            )
            self.store.insert(aggregate)
        return aggregate

    def update(self, aggregate: Aggregate, *, name: str | None = None,
               availability_zone: str | None = None) -> Aggregate:
        """``PUT /os-aggregates/{id}``: the name is saved first, then the zone checked (a
        refused zone leaves the new name, as Nova's does)."""
        require_nova_admin(self.context, "os_compute_api:os-aggregates:update")
        if name is not None:
            with self.store.transaction():
                current = self._current(aggregate)
                if name != current.name:
                    self._check_unique(name)
                self.store.update(current.replace(name=name, updated_at=now()))
        if availability_zone is not None:
            with self.store.transaction():
                current = self._current(aggregate)
                self._check_zone_change(current, {AZ_KEY: availability_zone},
                                        f"Cannot update aggregate {current.id}")
                self.store.update(current.replace(
                    availability_zone=availability_zone,
                    metadata={**current.metadata, AZ_KEY: availability_zone}))
        return _shown(self._current(aggregate))

    def set_metadata(self, aggregate: Aggregate, metadata: dict[str, str | None]
                     ) -> Aggregate:
        """``set_metadata``: None removes a key; the answer carries the time of the change
        (Nova's object, which its database does not keep)."""
        require_nova_admin(self.context, "os_compute_api:os-aggregates:set_metadata")
        _check_metadata(metadata)
        with self.store.transaction():
            current = self._current(aggregate)
            self._check_zone_change(current, metadata,
                                    f"Cannot update metadata of aggregate {current.id}")
            kept = {k: v for k, v in current.metadata.items() if k not in metadata}
            kept.update({k: v for k, v in metadata.items() if v is not None})
            changed = current.replace(metadata=kept, availability_zone=kept.get(AZ_KEY))
            self.store.update(changed)
        return as_stored(changed).replace(updated_at=now())

    def delete(self, aggregate: Aggregate) -> None:
        require_nova_admin(self.context, "os_compute_api:os-aggregates:delete")
        with self.store.transaction():
            current = self._current(aggregate)
            if current.hosts:
                raise BadRequest(f"Cannot remove host from aggregate {current.id}. Reason: "
                                 "Host aggregate is not empty.")
            self.store.delete(Aggregate, current.id)

    def add_host(self, aggregate: Aggregate, host: str) -> Aggregate:
        require_nova_admin(self.context, "os_compute_api:os-aggregates:add_host")
        _check_host_name(host)
        if not self.compute_hosts.has_host(host):
            raise NotFound(f"Compute host {host} could not be found.")
        with self.store.transaction():
            current = self._current(aggregate)
            refusal = f"Cannot add host to aggregate {current.id}"
            # Nova answers an add_host its InvalidAggregateAction with 409.
            self._check_zone_change(current, current.metadata, refusal, hosts=[host],
                                    instances=False, error=Conflict)
            new_zone = current.availability_zone
            old_zone = host_zone(self.store, host)
            instances = len(self.compute_hosts.instances())
            if instances and new_zone and old_zone != new_zone:
                raise Conflict(f"{refusal}. Reason: {_moves(old_zone, new_zone, instances)}.")
            if host in current.hosts:
                raise Conflict(f"Aggregate {current.id} already has host {host}.")
            changed = current.replace(hosts=[*current.hosts, host])
            self.store.update(changed)
        return as_stored(changed)

    def remove_host(self, aggregate: Aggregate, host: str) -> Aggregate:
        require_nova_admin(self.context, "os_compute_api:os-aggregates:remove_host")
        _check_host_name(host)
        gone = NotFound(f"Cannot remove host {host} in aggregate {aggregate.id}")
        if not self.compute_hosts.has_host(host):
            raise gone
        with self.store.transaction():
            current = self._current(aggregate)
            instances = len(self.compute_hosts.instances())
            zone = current.availability_zone
            others = [a.availability_zone for a in self.store.list(Aggregate)
                      if a.id != current.id and host in a.hosts and a.availability_zone]
            new_zone = others[0] if others else None
            if instances and zone and zone != new_zone:
                raise Conflict(f"Cannot remove host from aggregate {current.id}. Reason: "
                               f"{_moves(zone, new_zone, instances, 'removed from')}.")
            if host not in current.hosts:
                raise gone
            changed = current.replace(hosts=[h for h in current.hosts if h != host])
            self.store.update(changed)
        return as_stored(changed)

    def cache_images(self, aggregate: Aggregate, image_ids: list[str]) -> None:
        """``POST /os-aggregates/{id}/images`` (2.81): the hosts fetch the images into
        their cache in the background; the request itself only checks."""
        require_nova_admin(self.context, "compute:aggregates:images")
        if len(set(image_ids)) != len(image_ids):
            raise BadRequest("Duplicate images in request")
        self._current(aggregate)

    # -- helpers ----------------------------------------------------------------------

    def _current(self, aggregate: Aggregate) -> Aggregate:
        found = self.store.get(Aggregate, aggregate.id)
        if found is None:
            raise NotFound(f"Aggregate {aggregate.id} could not be found.")
        return found

    def _check_unique(self, name: str) -> None:
        if any(a.name == name for a in self.store.list(Aggregate)):
            raise Conflict(f"Aggregate {name} already exists.")

    def _check_zone_change(self, aggregate: Aggregate, metadata: Mapping[str, str | None],
                           refusal: str, *, hosts: list[str] | None = None,
                           instances: bool = True,
                           error: type[BadRequest] | type[Conflict] = BadRequest) -> None:
        """``is_safe_to_update_az``: no empty zone, no host in two zones, and (for an update)
        no zone change under existing servers."""
        if AZ_KEY not in metadata:
            return
        zone = metadata[AZ_KEY]
        if not zone:
            raise error(f"{refusal}. Reason: Aggregate {aggregate.name} does not support "
                             "empty named availability zone.")
        members = hosts or aggregate.hosts
        conflicting = [a.availability_zone for a in self.store.list(Aggregate)
                       if a.id != aggregate.id and a.availability_zone
                       and a.availability_zone != zone
                       and any(h in a.hosts for h in members)]
        if conflicting:
            raise error(f"{refusal}. Reason: One or more hosts already in availability "
                             f"zone(s) {_python_list(conflicting)}.")
        if (instances and aggregate.availability_zone != zone and members
                and self.compute_hosts.instances()):
            raise error(f"{refusal}. Reason: One or more hosts contain instances in this "
                             "zone.")


def _shown(aggregate: Aggregate) -> Aggregate:
    """As ``GET /os-aggregates[/{id}]`` shows it: the database's times, the uuid (2.41+)."""
    return dataclasses.replace(as_stored(aggregate), uuid=aggregate.uuid)


def _moves(old: str | None, new: str | None, count: int, verb: str = "added to") -> str:
    return (f"The host cannot be {verb} the aggregate as the availability zone of the host "
            f"would change from '{old}' to '{new}' but the host already has {count} "
            "instance(s). Changing the AZ of an existing instance is not supported by this "
            "action. Move the instances away from this host then try again. If you need to "
            "move the instances between AZs then you can use shelve_offload and unshelve to "
            "achieve this.")


def _python_list(values: Sequence[str | None]) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


def _invalid(field: str, value: str, why: str) -> BadRequest:
    return BadRequest(f"Invalid input for field/attribute {field}. Value: {value}. {why}")


def _check_length(field: str, value: str) -> None:
    if not value:
        raise _invalid(field, value, "'' should be non-empty")
    if len(value) > 255:
        raise _invalid(field, value, f"{value!r} is too long")


def _check_name(name: str) -> None:
    """``parameter_types.name``."""
    _check_length("name", name)
    if not _NAME_RE.match(name) or not name.isprintable():
        raise BadRequest("An invalid 'name' value was provided. The name must be: printable "
                         "characters. Can not start or end with whitespace.")


def _check_zone(zone: str) -> None:
    """``oneOf: [az_name, null]``: jsonschema says only that neither fits."""
    if (not zone or len(zone) > 255 or ":" in zone or not _NAME_RE.match(zone)
            or not zone.isprintable()):
        raise _invalid("availability_zone", zone,
                       f"{zone!r} is not valid under any of the given schemas")


def _check_host_name(host: str) -> None:
    """``parameter_types.fqdn``."""
    _check_length("host", host)
    if not re.match(FQDN_PATTERN, host):
        raise _invalid("host", host, f"{host!r} does not match {FQDN_PATTERN!r}")


def _check_metadata(metadata: dict[str, str | None]) -> None:
    """``parameter_types.metadata_with_null``."""
    for key, value in metadata.items():
        if not METADATA_KEY_RE.match(key):
            raise _invalid("metadata", repr(metadata),
                           f"Additional properties are not allowed ({key!r} was unexpected)")
        if value is not None and len(value) > 255:
            raise _invalid(key, value, f"{value!r} is too long")



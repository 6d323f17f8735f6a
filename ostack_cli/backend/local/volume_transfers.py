"""Volume transfers: a project offers one of its volumes, another takes it with the key
(cinder/transfer/api.py, cinder/db/api.py ``transfer_*``).

A transfer holds its volume ``awaiting-transfer`` (nothing else can be done to it) until it
is deleted (the volume ``available`` again) or accepted: the volume, and its snapshots unless
the transfer says ``no_snapshots``, then belong to the accepting project and user, after that
project's quotas took them. The key is shown once, in the create's answer; the store keeps
an HMAC-SHA1 of it under a random salt, as Cinder's database does.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import UTC, datetime

from ostack_cli.backend.local import cinder_rules, volume_records
from ostack_cli.backend.local.cinder_rules import type_quota
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.volume_quotas import VolumeQuotas
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.volume import AVAILABLE, MAINTENANCE, Volume, VolumeSnapshot
from ostack_cli.backend.models.volume_transfer import AWAITING_TRANSFER, VolumeTransfer
from ostack_cli.errors import BadRequest, NotFound, duplicate, not_found

# cinder.conf [DEFAULT] volume_transfer_salt_length and volume_transfer_key_length.
SALT_LENGTH = 8
KEY_LENGTH = 16
MAX_NAME = 255


def random_hex(length: int) -> str:
    """``_get_random_string``: hex digits only, so that the recipient can type the key."""
    text = ""
    while len(text) < length:
        text += hashlib.sha224(os.urandom(255)).hexdigest()
    return text[:length]


def crypt_hash(salt: str, auth_key: str) -> str:
    """``_get_crypt_hash``: HMAC-SHA1 of the key under the salt."""
    return hmac.new(salt.encode(), auth_key.encode(), hashlib.sha1).hexdigest()


def transfer_not_found(transfer_id: str) -> NotFound:
    return NotFound(f"Transfer {transfer_id} could not be found.")


class VolumeTransfers:
    def __init__(self, context: ServiceContext, *, quotas: VolumeQuotas) -> None:
        self.context = context
        self.store = context.store
        self.quotas = quotas

    # -- reading ----------------------------------------------------------------------

    def find_all(self, *, all_projects: bool = False,
                 name: str | None = None) -> list[VolumeTransfer]:
        """Cinder's list: the transfers of the project's volumes (every project's for an
        admin asking ``all_tenants``), oldest first."""
        every = self.context.is_admin and all_projects
        found = [t for t in self.store.list(VolumeTransfer)
                 if (every or self._volume_project(t) == self.context.project_id)
                 and (name is None or t.name == name)]
        found.sort(key=lambda t: (t.created_at, t.id))
        return found

    def get(self, transfer_id: str, *, elevated: bool = False) -> VolumeTransfer:
        """``transfer_get``: a member finds only transfers of its project's volumes;
        ``elevated`` (the accept) finds any."""
        found = self.store.get(VolumeTransfer, transfer_id)
        if found is None or not (elevated or self.context.is_admin
                                 or self._volume_project(found) == self.context.project_id):
            raise transfer_not_found(transfer_id)
        return found

    def find(self, name_or_id: str) -> VolumeTransfer:
        """openstacksdk's find: by ID (the detail), else by name among the listed summaries
        (which carry no ``created_at``)."""
        try:
            return self.get(name_or_id)
        except NotFound:
            pass
        matches = [t for t in self.find_all() if t.name == name_or_id]
        if not matches:
            raise not_found("Transfer", name_or_id)
        if len(matches) > 1:
            raise duplicate("Transfer", name_or_id)
        return matches[0].replace(created_at="")

    def _volume_project(self, transfer: VolumeTransfer) -> str | None:
        volume = self.store.get(Volume, transfer.volume_id)
        return volume.project_id if volume is not None else None

    # -- creating ---------------------------------------------------------------------

    def create(self, volume_id: str, *, name: str | None = None,
               no_snapshots: bool = False) -> VolumeTransfer:
        """Cinder's create: an ``available`` volume of the project's (and, with its
        snapshots, available snapshots); the answer carries the key, the record its hash."""
        if name is not None:
            name = name.strip()
            if len(name) > MAX_NAME:
                raise BadRequest(f"Invalid input received: name has more than {MAX_NAME} "
                                 "characters.")
        salt, auth_key = random_hex(SALT_LENGTH), random_hex(KEY_LENGTH)
        created = datetime.now(UTC)
        with self.store.transaction():
            volume = self.store.get(Volume, volume_id)
            if volume is None or not (self.context.is_admin
                                      or volume.project_id == self.context.project_id):
                raise cinder_rules.volume_not_found(volume_id)
            if volume.status != AVAILABLE:
                raise cinder_rules.invalid_volume("status must be available")
            if not no_snapshots:
                for snapshot in volume_records.snapshots_of_volume(self.store, volume.id):
                    if snapshot.status != AVAILABLE:
                        raise cinder_rules.invalid_snapshot(
                            f"snapshot: {snapshot.id} status must be available")
            transfer = VolumeTransfer(
                id=new_id(), name=name, volume_id=volume.id, no_snapshots=no_snapshots,
                source_project_id=volume.project_id,
                # Cinder's database keeps whole seconds; its answer has the time it made.
                created_at=created.strftime("%Y-%m-%dT%H:%M:%S.000000"),
                salt=salt, crypt_hash=crypt_hash(salt, auth_key))
            self.store.insert(transfer)
            volume_records.change(self.store, volume, status=AWAITING_TRANSFER)
        return transfer.replace(auth_key=auth_key,
                                created_at=created.strftime("%Y-%m-%dT%H:%M:%S.%f"))

    # -- deleting ---------------------------------------------------------------------

    def delete(self, transfer_id: str) -> None:
        """``transfer_destroy``: the volume ``available`` again if it was awaiting."""
        with self.store.transaction():
            transfer = self.get(transfer_id)
            volume = self.store.get(Volume, transfer.volume_id)
            if volume is not None and volume.status == AWAITING_TRANSFER:
                volume_records.change(self.store, volume, status=AVAILABLE)
            self.store.delete(VolumeTransfer, transfer.id)

    # -- accepting --------------------------------------------------------------------

    def accept(self, transfer_id: str, auth_key: str) -> VolumeTransfer:
        """Cinder's accept, its checks in its order: the key, the accepting project's
        quotas (the volume's, then its snapshots'), the volume's state; then the volume
        and its snapshots change hands and the transfer is gone."""
        project, user = self.context.project_id, self.context.user_id
        with self.store.transaction():
            transfer = self.get(transfer_id, elevated=True)
            if not hmac.compare_digest(crypt_hash(transfer.salt, auth_key),
                                       transfer.crypt_hash):
                raise BadRequest(f"Invalid auth key: Attempt to transfer {transfer_id} with "
                                 "invalid auth key.")
            volume = self.store.get(Volume, transfer.volume_id)
            if volume is None:
                raise cinder_rules.volume_not_found(transfer.volume_id)
            snapshots = ([] if transfer.no_snapshots
                         else volume_records.snapshots_of_volume(self.store, volume.id))
            self.quotas.check_volume(project, volume.size)
            if snapshots:
                self._check_snapshots(project, volume.size, snapshots)
            if volume.status == MAINTENANCE:
                raise cinder_rules.invalid_volume(
                    "The volume cannot accept transfer in maintenance mode.")
            if volume.status != AWAITING_TRANSFER:
                raise cinder_rules.invalid_volume(
                    f"Transfer {transfer_id}: Volume id {volume.id} expected in "
                    "awaiting-transfer state.")
            for snapshot in snapshots:
                if snapshot.status != AVAILABLE:
                    raise cinder_rules.invalid_snapshot(
                        f"Transfer {transfer_id}: Snapshot {snapshot.id} is not in the "
                        "expected available state.")
            moved = volume_records.change(self.store, volume, status=AVAILABLE,
                                          project_id=project, user_id=user)
            for snapshot in snapshots:
                volume_records.change(self.store, snapshot, project_id=project, user_id=user)
            self.store.delete(VolumeTransfer, transfer.id)
        return transfer.replace(volume_id=moved.id, destination_project_id=project,
                                accepted=True)

    def _check_snapshots(self, project: str, volume_size: int,
                         snapshots: list[VolumeSnapshot]) -> None:
        """``_handle_snapshot_quota``: the snapshots' count and their volume's size each,
        on top of the volume the accept has just reserved."""
        gigabytes = sum(volume_size for _ in snapshots)
        limits = self.quotas.limits(project)
        used = self.quotas.usage(project)
        for name in ("gigabytes", type_quota("gigabytes"), "volumes",
                     type_quota("volumes")):
            used[name] += volume_size if "gigabytes" in name else 1
        deltas = {"snapshots": len(snapshots), type_quota("snapshots"): len(snapshots),
                  "gigabytes": gigabytes, type_quota("gigabytes"): gigabytes}
        overs = [name for name, delta in deltas.items()
                 if delta > 0 and 0 <= limits[name] < used[name] + delta]
        if overs:
            raise cinder_rules.over_quota("snapshots", overs, limits, used, gigabytes)

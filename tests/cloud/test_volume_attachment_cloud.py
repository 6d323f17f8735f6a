"""An attachment made through Cinder alone, side by side with the real client on realstack:
Cinder records one for any instance UUID (cinder/volume/api.py attachment_create checks no
instance), which ``volume attachment show`` shows the same way (one call pair; the
attachment is made and removed through openstacksdk, as the real client's ``create`` would
first need a server)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.cloud.conftest import CloudTarget, SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def _block_storage(target: CloudTarget) -> Any:
    import openstack
    from openstack import config as sdk_config

    files = [str(target.config_file)] if target.config_file is not None else None
    region = sdk_config.OpenStackConfig(config_files=files).get_one(cloud=target.admin)
    return openstack.connection.Connection(config=region).block_storage


def test_volume_attachment_show_of_a_reserved_attachment(clients: SideBySide) -> None:
    from openstack import exceptions

    cinder = _block_storage(clients.target)
    volume = cinder.create_volume(size=1, name=f"attachment-{uuid.uuid4().hex[:8]}")
    attachment_id = None
    try:
        cinder.wait_for_status(volume, "available", wait=120)
        made = cinder.post("/attachments", json={"attachment": {
            "volume_uuid": volume.id, "instance_uuid": str(uuid.uuid4())}},
            microversion="3.44")
        exceptions.raise_from_response(made)
        attachment_id = made.json()["attachment"]["id"]
        real, mine = clients.both("volume", "attachment", "show", attachment_id,
                                  "-f", "json")
        assert real.rc == 0 and real.json()["Status"] == "reserved"
        assert_same(real, mine)
    finally:
        if attachment_id is not None:
            cinder.delete(f"/attachments/{attachment_id}", microversion="3.44")
            cinder.wait_for_status(volume, "available", wait=60)
        cinder.delete_volume(volume)

"""Nova's ``/os-keypairs`` on the local backend's keypairs (nova/api/openstack/compute/
keypairs.py, views/keypairs.py). Before 2.92 a request without a public key has Nova make the
pair and answer the private key once; from 2.92 the key must be given."""

from __future__ import annotations

import hashlib
from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.models.keypair import KEYPAIR_TYPE_SSH, Keypair
from ostack_cli.errors import NotFound

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}


def _create_schema(req: ApiRequest) -> dict[str, Any]:
    properties: dict[str, Any] = {"name": _NAME, "public_key": {"type": "string"}}
    if nova_common.at_least(req, "2.2"):
        properties["type"] = {"type": "string", "enum": ["ssh", "x509"]}
    if nova_common.at_least(req, "2.10"):
        properties["user_id"] = {"type": "string"}
    required = ["name", "public_key"] if nova_common.at_least(req, "2.92") else ["name"]
    return {"type": "object", "properties": {"keypair": {
        "type": "object", "properties": properties, "required": required,
        "additionalProperties": False}}, "required": ["keypair"], "additionalProperties": False}


def _numeric_id(keypair: Keypair) -> int:
    """Nova's keypair ``id`` is its database row's integer; the store's key stands in."""
    return int(hashlib.sha256(keypair.id.encode()).hexdigest()[:7], 16)


def _brief(req: ApiRequest, keypair: Keypair) -> dict[str, Any]:
    body: dict[str, Any] = {"name": keypair.name, "public_key": keypair.public_key,
                            "fingerprint": keypair.fingerprint}
    if nova_common.at_least(req, "2.2"):
        body["type"] = keypair.type
    return body


def _user(req: ApiRequest) -> str | None:
    user = req.param("user_id")
    if user is not None and not nova_common.at_least(req, "2.10"):
        return None
    return user


@NOVA.route("GET", "/v2.1/os-keypairs")
def list_keypairs(req: ApiRequest) -> Reply:
    marker = req.param("marker") if nova_common.at_least(req, "2.35") else None
    limit = nova_common.limit_param(req) if nova_common.at_least(req, "2.35") else None
    keypairs = req.backend.keypairs(user=_user(req), marker=marker)
    if limit is not None:
        keypairs = keypairs[:limit]
    body: dict[str, Any] = {"keypairs": [{"keypair": _brief(req, k)} for k in keypairs]}
    if limit is not None and keypairs and len(keypairs) == limit:
        from ostack_cli.api.pagination import flat_params, with_params

        href = with_params(req.service_url("/v2.1/os-keypairs"), flat_params(req.params),
                           marker=keypairs[-1].name)
        body["keypairs_links"] = [{"rel": "next", "href": href}]
    return Reply(200, body)


def _keypair(req: ApiRequest, name: str) -> Keypair:
    try:
        return req.backend.find_keypair(name, user=_user(req))
    except NotFound:
        user = _user(req) or (req.principal.user.id if req.principal else "")
        raise ApiFault(404, f"Keypair {name} not found for user {user}") from None


@NOVA.route("GET", "/v2.1/os-keypairs/{name}")
def show_keypair(req: ApiRequest, name: str) -> Reply:
    keypair = _keypair(req, name)
    body = _brief(req, keypair)
    body.update({"user_id": keypair.user_id, "created_at": keypair.created_at,
                 "deleted": False, "deleted_at": None, "id": _numeric_id(keypair),
                 "updated_at": None})
    return Reply(200, {"keypair": body})


@NOVA.route("POST", "/v2.1/os-keypairs")
def create_keypair(req: ApiRequest) -> Reply:
    body = req.json(_create_schema(req))["keypair"]
    key_type = body.get("type", KEYPAIR_TYPE_SSH)
    private_key = None
    public_key = body.get("public_key")
    if public_key is None:
        if key_type != KEYPAIR_TYPE_SSH:
            raise ApiFault(400, "Keypair data is invalid: Only ssh keypairs can be generated")
        private_key, public_key = _generate()
    keypair = req.backend.create_keypair(body["name"], public_key, key_type=key_type,
                                         user=body.get("user_id"))
    answer = _brief(req, keypair)
    answer["user_id"] = keypair.user_id
    if private_key is not None:
        answer["private_key"] = private_key
    return Reply(201 if nova_common.at_least(req, "2.2") else 200, {"keypair": answer})


@NOVA.route("DELETE", "/v2.1/os-keypairs/{name}")
def delete_keypair(req: ApiRequest, name: str) -> Reply:
    req.backend.delete_keypair(name, user=_user(req))
    return Reply(204 if nova_common.at_least(req, "2.2") else 202)


def _generate() -> tuple[str, str]:
    """A new RSA pair, as Nova's crypto.generate_key_pair makes one: the private key in PEM,
    the public key as an OpenSSH line."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, f"{public} Generated-by-Nova"

"""Password hashes: scrypt, salted, the cost kept with the hash, compared in constant time."""

from __future__ import annotations

from ostack_cli.backend.local.passwords import (
    PASSWORD_SYMBOLS,
    generate_password,
    hash_password,
    verify_password,
)


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password("s3cret")
    assert stored.startswith("scrypt$16384$8$1$")
    assert "s3cret" not in stored
    assert verify_password("s3cret", stored)
    assert not verify_password("s3cret ", stored)
    assert not verify_password("", stored)


def test_each_hash_has_its_own_salt() -> None:
    assert hash_password("same") != hash_password("same")


def test_unreadable_hashes_never_verify() -> None:
    for stored in ("", "plain", "md5$1$2$3$c2FsdA==$a2V5", "scrypt$x$8$1$c2FsdA==$a2V5"):
        assert not verify_password("anything", stored)


def test_generated_passwords_are_novas_readable_symbols() -> None:
    """Nova's symbols: a password never starts with "-", which `--os-password -x` would
    take for an option (a bootstrap password once did, one run in 64)."""
    made = [generate_password() for _ in range(2000)]
    assert {len(p) for p in made} == {12}
    assert set("".join(made)) <= set(PASSWORD_SYMBOLS)
    assert not set(PASSWORD_SYMBOLS) & set("-_0O1lI")
    assert len(generate_password(24)) == 24

"""The cloud backend loads its parts on first use (issue 13) and resolves names as the whole
class (``parts.CloudParts``) does."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from ostack_cli.backend.cloud import CloudBackend
from ostack_cli.backend.cloud import part_index_generate as generate
from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.part_index import NAMES, PARTS
from ostack_cli.backend.cloud.part_loading import part_serving, with_part
from ostack_cli.backend.cloud.parts import CloudParts
from ostack_cli.backend.cloud.security_group import CloudSecurityGroups


def every_part_name() -> set[str]:
    """Each non-dunder name any part defines, read off the classes (not the generator)."""
    return {
        name
        for owner in CloudParts.__mro__[1:]
        if owner not in (CloudBase, object)
        for name in vars(owner)
        if not generate.is_dunder(name)
    }


def test_the_index_is_what_the_generator_writes_now() -> None:
    assert generate.INDEX.read_text() == generate.index_source(CloudParts), (
        "run: make cloud-index"
    )


def test_the_index_lists_every_part_in_the_whole_class_order() -> None:
    assert [(p.__module__, p.__qualname__) for p in CloudParts.__bases__] == list(PARTS)


def test_every_name_of_every_part_is_listed() -> None:
    assert set(NAMES) == every_part_name()
    public = {n for n in every_part_name() if not n.startswith("_")}
    assert len(public) > 250  # the whole interface, not an empty index


@pytest.mark.parametrize("name", sorted(every_part_name()))
def test_loading_the_listed_part_resolves_a_name_as_the_whole_class_does(name: str) -> None:
    part = part_serving(name)
    assert part is not None
    # Nothing the core class has may hide a part's name: the core never asks for it.
    assert inspect.getattr_static(CloudBackend, name, None) is None
    made = with_part(CloudBackend, part)
    assert inspect.getattr_static(made, name) is inspect.getattr_static(CloudParts, name)


def test_parts_loaded_later_keep_the_whole_class_order() -> None:
    first = part_serving("volumes")
    second = part_serving("networks")
    assert first is not None and second is not None
    made = with_part(with_part(CloudBackend, first), second)
    assert made.__bases__ == (CloudBackend, second, first)
    assert made is with_part(with_part(CloudBackend, second), first)


def test_a_backend_loads_a_part_on_first_use_and_keeps_its_state() -> None:
    backend = CloudBackend(conn=object())  # type: ignore[arg-type]
    assert type(backend) is CloudBackend
    assert hasattr(backend, "security_groups")  # True before the part was loaded
    assert isinstance(backend, CloudSecurityGroups) and isinstance(backend, CloudBackend)
    backend._nested_rules = {"group": []}
    assert callable(backend.flavors)
    assert backend._nested_rules == {"group": []}
    assert type(backend).__bases__[1:] == (part_serving("flavors"), CloudSecurityGroups)


def test_a_name_no_part_serves_is_missing_as_usual() -> None:
    backend: Any = CloudBackend(conn=object())  # type: ignore[arg-type]
    assert getattr(backend, "bootstrap_api_access", None) is None  # local backend only
    assert not hasattr(backend, "_nested_rules")  # the part's state before it is set
    with pytest.raises(AttributeError, match="no_such_method"):
        backend.no_such_method()

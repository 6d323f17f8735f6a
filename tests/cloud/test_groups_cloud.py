"""Keystone groups: ostack's cloud backend and the real client side by side against
realstack's Keystone (each on its own group and user, then compared)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from tests.cloud.conftest import Run, SideBySide, assert_same, run_both

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

Runner = Callable[..., Run]
# The IDs Keystone gives each side's group and user: they differ, messages aside.
KEYSTONE_ID = re.compile(r"[0-9a-f]{32}")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def pairs(clients: SideBySide) -> Iterator[list[tuple[Runner, str, str]]]:
    """(client, group, user) for the real client and for ostack; deleted afterwards."""
    made = [(clients.openstack, unique("osc-grp"), unique("osc-gusr")),
            (clients.ostack, unique("ostack-grp"), unique("ostack-gusr"))]
    try:
        yield made
    finally:
        for _, group, user in made:
            clients.ostack("group", "delete", group)
            clients.ostack("user", "delete", user)


def _same(real: Run, mine: Run, names: tuple[str, str, str, str],
          volatile: tuple[str, ...] = ()) -> None:
    """assert_same, once each side's own names are replaced by placeholders."""
    real_group, real_user, my_group, my_user = names

    def neutral(run: Run, group: str, user: str) -> Run:
        def text(value: str) -> str:
            return KEYSTONE_ID.sub("ID", value.replace(group, "GROUP").replace(user, "USER"))

        return Run(run.args, run.rc, text(run.out), text(run.err))

    assert_same(neutral(real, real_group, real_user), neutral(mine, my_group, my_user),
                volatile=volatile)


def test_group_lifecycle_and_membership(clients: SideBySide,
                                        pairs: list[tuple[Runner, str, str]]) -> None:
    (real_run, real_group, real_user), (my_run, my_group, my_user) = pairs
    names = (real_group, real_user, my_group, my_user)

    def both(*args: str) -> tuple[Run, Run]:
        def fill(group: str, user: str) -> list[str]:
            return [group if a == "GROUP" else user if a == "USER" else a for a in args]

        # Each client on its own group and user: the two runs are independent.
        return run_both(lambda: real_run(*fill(real_group, real_user)),
                        lambda: my_run(*fill(my_group, my_user)), at_once=True)

    real, mine = both("group", "create", "GROUP", "--description", "d", "-f", "json")
    _same(real, mine, names, ("id",))
    assert list(mine.json()) == list(real.json())
    _same(*both("group", "create", "GROUP"), names)  # Keystone's 409, as each prints it
    _same(*both("group", "create", "GROUP", "--or-show", "-f", "json"), names, ("id",))
    for created in both("user", "create", "--password", "pw-12345", "USER"):
        assert created.rc == 0, created.err
    for args in (("group", "add", "user", "GROUP", "USER"),
                 ("group", "add", "user", "GROUP", "USER", "nosuch-user"),
                 ("group", "contains", "user", "GROUP", "USER"),
                 ("group", "contains", "user", "GROUP", "admin"),
                 ("group", "contains", "user", "nosuch-group", "USER"),
                 ("user", "list", "--group", "GROUP", "-f", "json"),
                 ("group", "list", "--user", "USER", "--long", "-f", "json"),
                 ("group", "set", "GROUP", "--description", "d2"),
                 ("group", "show", "GROUP", "--domain", "default", "-f", "json"),
                 ("group", "remove", "user", "GROUP", "USER"),
                 ("group", "remove", "user", "GROUP", "USER"),
                 ("group", "show", "nosuch-group"),
                 ("group", "delete", "GROUP", "nosuch-group")):
        real, mine = both(*args)
        _same(real, mine, names, ("ID", "id"))


def test_group_roles_and_effective_assignments(clients: SideBySide,
                                               pairs: list[tuple[Runner, str, str]]) -> None:
    (real_run, real_group, real_user), (my_run, my_group, my_user) = pairs
    names = (real_group, real_user, my_group, my_user)
    def setup(run: Runner, group: str, user: str) -> None:
        assert run("group", "create", group).rc == 0
        assert run("user", "create", "--password", "pw-12345", user).rc == 0
        assert run("group", "add", "user", group, user).rc == 0
        done = run("role", "add", "--group", group, "--project", "demo", "reader")
        assert (done.rc, done.out, done.err) == (0, "", "")

    # Each client on its own group and user: the two sides are set up at the same time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for started in [pool.submit(setup, *pair) for pair in pairs]:
            started.result()
    for args in (("role", "assignment", "list", "--group", "{g}", "--names", "-f", "json"),
                 ("role", "assignment", "list", "--user", "{u}", "--effective", "--names",
                  "-f", "json"),
                 ("role", "assignment", "list", "--group", "{g}", "--effective"),
                 ("role", "remove", "--group", "{g}", "--project", "demo", "reader"),
                 ("role", "assignment", "list", "--group", "{g}", "-f", "json")):
        theirs = [a.format(g=real_group, u=real_user) for a in args]
        ours = [a.format(g=my_group, u=my_user) for a in args]
        real, mine = run_both(partial(real_run, *theirs), partial(my_run, *ours), at_once=True)
        _same(real, mine, names)

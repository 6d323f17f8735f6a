"""``server list`` on a cloud prints rows as openstacksdk reads pages (issue 13): with the
value and csv formatters the first page's rows are written before the next page is asked
for; formats that need every row (table, json, --long) read them all first, as before."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openstack.compute.v2.server import Server as SdkServer
from openstack.image.v2.image import Image as SdkImage

from ostack_cli.backend.cloud import CloudBackend
from ostack_cli.errors import NotFound
from ostack_cli.main import OstackApp
from tests.unit.cloud.test_backend import FakeConnection, Recorder
from tests.unit.cloud.test_cache import cached

pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")

PAGE = 3


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


class PagedServers:
    """openstacksdk's server listing in pages of PAGE; notes what had been printed when
    each page was asked for."""

    def __init__(self, count: int, out: io.StringIO, fail_on_page: int | None = None) -> None:
        self.count = count
        self.out = out
        self.fail_on_page = fail_on_page
        self.printed_before_page: list[str] = []

    def __call__(self, **query: Any) -> Iterator[SdkServer]:
        for start in range(0, self.count, PAGE):
            self.printed_before_page.append(self.out.getvalue())
            if self.fail_on_page == len(self.printed_before_page):
                from openstack import exceptions

                raise exceptions.NotFoundException("the next page went away")
            for n in range(start, min(start + PAGE, self.count)):
                yield SdkServer.existing(id=f"s{n}", name=f"vm{n}", status="ACTIVE",
                                         image={"id": "i1"}, flavor={"original_name": "tiny"},
                                         addresses={})


def run_list(pages: PagedServers, out: io.StringIO, *args: str) -> int:
    compute = Recorder(servers=pages)
    image = Recorder(images=lambda **query: iter([SdkImage.existing(id="i1", name="cirros",
                                                                    tags=[])]))
    image.api_version = "2"
    app = OstackApp(stdout=out, stderr=io.StringIO())
    app._backend = CloudBackend(FakeConnection(compute=compute, image=image),  # type: ignore[arg-type]
                                cache_name="paged")
    return app.run(["server", "list", *args])


@pytest.mark.parametrize("form", ["value", "csv"])
def test_rows_are_printed_before_the_next_page_is_read(form: str) -> None:
    out = io.StringIO()
    pages = PagedServers(7, out)
    assert run_list(pages, out, "-f", form) == 0
    assert len(pages.printed_before_page) == 3
    first, second, third = pages.printed_before_page
    assert "vm0" not in first
    assert "vm2" in second and "vm3" not in second
    assert "vm5" in third and "vm6" not in third
    assert "vm6" in out.getvalue()
    # The whole, unfiltered list still feeds completion once it has been read.
    assert cached("server", "paged") == [(f"s{n}", f"vm{n}") for n in range(7)]


@pytest.mark.parametrize("args", [(), ("-f", "json"), ("-f", "value", "--long")])
def test_formats_that_need_every_row_read_them_first(args: tuple[str, ...]) -> None:
    out = io.StringIO()
    pages = PagedServers(7, out)
    assert run_list(pages, out, *args) == 0
    assert pages.printed_before_page == ["", "", ""]
    assert "vm6" in out.getvalue()


def test_max_items_stops_reading_pages() -> None:
    out = io.StringIO()
    pages = PagedServers(7, out)
    assert run_list(pages, out, "-f", "value", "-c", "Name", "--max-items", "2") == 0
    assert out.getvalue() == "vm0\nvm1\n"
    assert len(pages.printed_before_page) == 1
    # Not the whole list: nothing for completion.
    assert cached("server", "paged") is None


def test_a_failing_page_is_the_commands_failure() -> None:
    out = io.StringIO()
    pages = PagedServers(7, out, fail_on_page=2)
    assert run_list(pages, out, "-f", "value", "-c", "Name") == 1
    assert out.getvalue() == "vm0\nvm1\nvm2\n"


def test_the_backend_yields_before_reading_on() -> None:
    out = io.StringIO()
    pages = PagedServers(4, out)
    backend = CloudBackend(FakeConnection(compute=Recorder(servers=pages)),  # type: ignore[arg-type]
                           cache_name=None)
    servers = backend.iter_servers()
    assert next(servers).id == "s0"
    assert len(pages.printed_before_page) == 1
    assert [s.id for s in servers] == ["s1", "s2", "s3"]
    with pytest.raises(NotFound):
        list(CloudBackend(FakeConnection(  # type: ignore[arg-type]
            compute=Recorder(servers=PagedServers(4, out, fail_on_page=1))),
            cache_name=None).iter_servers())

"""Horizon's pages as a person uses them, driven by selenium in headless Chromium.

Each step waits for what a person would see (the page, the modal, the row, the message)
with generous timeouts: Horizon asks the API several times per page and the machine is slow.
A screenshot of each page goes to ``shots`` (the test's tmp dir).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 180.0


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium through Debian's chromedriver (never a downloaded one); quit even
    when the test fails, so no browser or driver outlives it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


class Horizon:
    def __init__(self, driver: Any, base_url: str, shots: Path) -> None:
        self.driver = driver
        self.base_url = base_url
        self.shots = shots
        self.count = 0

    # -- waiting and finding ------------------------------------------------------------

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        from selenium.common.exceptions import WebDriverException

        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(WebDriverException):
                found = condition()
                if found:
                    return found
            if time.monotonic() > deadline:
                self.shot(f"timeout-{re.sub(r'[^a-z0-9]+', '-', what.lower())}")
                raise AssertionError(f"Horizon: {what} within {timeout:.0f} s")
            time.sleep(0.3)

    def visible(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return next((e for e in self.driver.find_elements(By.CSS_SELECTOR, css)
                     if e.is_displayed()), None)

    def visible_xpath(self, xpath: str) -> Any:
        from selenium.webdriver.common.by import By

        return next((e for e in self.driver.find_elements(By.XPATH, xpath)
                     if e.is_displayed()), None)

    def click(self, css: str, what: str) -> None:
        element = self.wait(lambda: self.visible(css), what)
        self.wait(lambda: element.is_enabled(), f"{what} enabled")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def choose(self, css: str, label: Callable[[str], bool], what: str) -> str:
        """Pick an option of a ``<select>``: Horizon's theme hides the element behind a
        dropdown of its own, so the option is set as that dropdown does (value, then a
        change event); the option's text."""
        from selenium.webdriver.common.by import By

        def option() -> Any:
            return next((o for o in self.driver.find_elements(By.CSS_SELECTOR,
                                                              f"{css} option")
                         if label(str(o.get_attribute("textContent")).strip())), None)

        found = self.wait(option, what)
        self.driver.execute_script(
            "const select = document.querySelector(arguments[0]);"
            "select.value = arguments[1];"
            "select.dispatchEvent(new Event('change', {bubbles: true}));"
            "if (window.jQuery) { window.jQuery(select).trigger('change'); }",
            css, found.get_attribute("value"))
        return str(found.get_attribute("textContent")).strip()

    def shot(self, name: str) -> Path:
        self.count += 1
        path = self.shots / f"{self.count:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def open(self, path: str, title: str) -> None:
        self.driver.get(self.base_url + path)
        self.wait(lambda: title in self.driver.title, f"the {title} page")
        self.shot(title.lower().replace(" ", "-"))

    def errors(self) -> list[str]:
        from selenium.webdriver.common.by import By

        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".alert-danger")
                if e.is_displayed() and e.text.strip()]

    def success(self, what: str) -> None:
        """A modal form was submitted: the modal is gone (Horizon reloaded the page) and no
        error is shown. Success messages fade within seconds, errors stay."""
        self.wait(lambda: self.errors() or (not self.visible(".modal-dialog")
                                            and self.visible("#main_content, .page-header")),
                  what)
        if self.errors():
            self.shot("error")
            raise AssertionError(f"Horizon: {what}: {self.errors()}")

    # -- the article's steps --------------------------------------------------------------

    def login(self, user: str, password: str) -> None:
        self.driver.delete_all_cookies()
        self.driver.get(self.base_url + "/auth/login/")
        self.wait(lambda: self.visible("#id_username"), "the login form")
        self.shot("login")
        self.driver.find_element("id", "id_username").send_keys(user)
        self.driver.find_element("id", "id_password").send_keys(password)
        self.driver.find_element("id", "loginBtn").click()
        self.wait(lambda: "/auth/login" not in self.driver.current_url
                  and "Overview" in self.driver.title, f"{user}'s overview after login")
        self.shot(f"overview-{user}")

    def logout(self) -> None:
        """The user menu's Sign Out (a POST form: Django refuses a GET logout)."""
        self.driver.execute_script(
            "document.querySelector(\"form[action$='/auth/logout/']\").submit();")
        self.wait(lambda: self.visible("#id_username"), "the login form after logout")

    def instance_names(self) -> list[str]:
        self.open("/project/instances/", "Instances")
        return self._table_names("instances")

    def volume_names(self, path: str = "/project/volumes/") -> list[str]:
        """A Volumes page (Project's or Admin's): the volumes' names, once no error shows."""
        self.open(path, "Volumes")
        if self.errors():
            self.shot("volumes-error")
            raise AssertionError(f"Horizon: {path}: {self.errors()}")
        return self._table_names("volumes")

    def provider_summary(self) -> str:
        """Admin > Compute > Hypervisors: the text of its Resource Providers Summary (what
        Horizon reads from Placement), once no error shows."""
        from selenium.webdriver.common.by import By

        self.open("/admin/hypervisors/", "Hypervisors")
        if self.errors():
            self.shot("hypervisors-error")
            raise AssertionError(f"Horizon: hypervisors: {self.errors()}")
        blocks = [b.text for b in self.driver.find_elements(By.CSS_SELECTOR, ".quota-dynamic")
                  if "Resource Providers Summary" in b.text]
        assert len(blocks) == 1, blocks
        return str(blocks[0])

    def _table_names(self, table: str) -> list[str]:
        from selenium.webdriver.common.by import By

        rows = self.driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr[data-display]")
        return sorted(str(row.get_attribute("data-display")) for row in rows)

    def launch_instance(self, name: str, image: str, flavor: str, network: str) -> None:
        self.open("/project/instances/", "Instances")
        self.click("#instances__action_launch-ng", "the Launch Instance button")
        name_field = self.wait(lambda: self.visible("input#name"), "the wizard's Details step")
        name_field.send_keys(name)
        self._step("Source")
        self._allocate(image, "the image in the Source step")
        self._step("Flavor")
        self._allocate(flavor, "the flavor in the Flavor step")
        self._step("Networks")
        if not self.visible_xpath(self._allocated_row(network)):
            self._allocate(network, "the network in the Networks step")
        self.shot("launch-wizard")
        self.click("button.finish", "the wizard's Launch Instance button")
        self.wait(lambda: not self.visible(".modal-dialog button.finish"), "the wizard to close")

    def _step(self, label: str) -> None:
        xpath = (f"//div[contains(@class,'wizard-nav')]//a[normalize-space(.)='{label}' "
                 f"or normalize-space(.)='{label} *']")
        link = self.wait(lambda: self.visible_xpath(xpath) or self.visible_xpath(
            f"//*[contains(@class,'wizard-nav')]//*[starts-with(normalize-space(.),'{label}')]"),
            f"the wizard's {label} step")
        link.click()

    @staticmethod
    def _allocated_row(text: str) -> str:
        return (f"//table[contains(@class,'table')]//tr[td[normalize-space(.)='{text}']]"
                "//button[contains(@class,'fa-arrow-down')]")

    def _allocate(self, text: str, what: str) -> None:
        xpath = (f"//tr[td[normalize-space(.)='{text}']]"
                 "//button[contains(@class,'fa-arrow-up')]")
        button = self.wait(lambda: self.visible_xpath(xpath), what)
        button.click()
        self.wait(lambda: self.visible_xpath(self._allocated_row(text)), f"{what} allocated")

    def instance_id(self, name: str) -> str:
        self.open("/project/instances/", "Instances")
        row = self.wait(lambda: self.visible_xpath(
            f"//table[@id='instances']//tr[@data-display='{name}']"), f"{name}'s row")
        return str(row.get_attribute("data-object-id"))

    def console_log(self, server_id: str) -> str:
        """The instance's Log tab: its console log as Horizon shows it."""
        self.driver.get(f"{self.base_url}/project/instances/{server_id}/"
                        "?tab=instance_details__log")
        text = self.wait(lambda: self.visible("pre.logs") and self.visible("pre.logs").text,
                         "the Log tab's console log")
        self.shot("log-tab")
        return str(text)

    def console_status(self, server_id: str, timeout: float = 120) -> str:
        """The Console tab: noVNC's status line in Horizon's frame once it has settled."""
        from selenium.webdriver.common.by import By

        self.driver.get(f"{self.base_url}/project/instances/{server_id}/"
                        "?tab=instance_details__console")
        frame = self.wait(lambda: self.visible("iframe#console_embed"), "the console frame")
        self.driver.switch_to.frame(frame)
        try:
            def settled() -> str:
                text = str(self.driver.find_element(By.ID, "status").text)
                return text if text not in ("", "Loading", "Connecting") else ""

            return str(self.wait(settled, "noVNC's status in the console tab", timeout))
        finally:
            self.driver.switch_to.default_content()
            self.shot("console-tab")

    def instance_status(self, name: str) -> str:
        from selenium.webdriver.common.by import By

        rows = self.driver.find_elements(By.CSS_SELECTOR,
                                         f"#instances tbody tr[data-display='{name}']")
        if not rows:
            return ""
        cells = rows[0].find_elements(By.CSS_SELECTOR, "td.status_up, td.status_down, "
                                                        "td.status_unknown")
        return str(cells[0].text) if cells else ""

    def wait_instance_active(self, name: str) -> None:
        def active() -> bool:
            self.driver.get(self.base_url + "/project/instances/")
            status = self.instance_status(name)
            if status == "Error":
                raise AssertionError(f"{name} went to Error")
            return status == "Active"

        self.wait(active, f"{name} Active on the Instances page", timeout=300)
        self.shot("instance-active")

    def allocate_and_associate_ip(self, pool: str, instance: str) -> str:
        """Allocate a floating IP from ``pool`` and associate it with the instance's port
        (Project > Network > Floating IPs); the address."""
        self.open("/project/floating_ips/", "Floating IPs")
        before = set(self._table_names("floating_ips"))
        self.click("#floating_ips__action_allocate", "the Allocate IP To Project button")
        self.wait(lambda: self.visible("#id_description"), "the allocate form")
        self.choose("#id_pool", lambda text: text == pool, f"the pool {pool}")
        self.shot("allocate-ip")
        self.click(".modal-footer [type=submit]", "the Allocate IP button")
        self.success("the floating IP allocated")
        address = self.wait(lambda: set(self._table_names("floating_ips")) - before,
                            "the new floating IP's row").pop()
        row = self.wait(lambda: self.visible_xpath(
            f"//table[@id='floating_ips']//tr[@data-display='{address}']"), "its row")
        row_id = str(row.get_attribute("id")).removeprefix("floating_ips__row__")
        self.click(f"#floating_ips__row_{row_id}__action_associate", "the Associate button")
        self.choose("#id_port_id", lambda text: text.startswith(f"{instance}:"),
                    f"{instance}'s port among the associate form's choices")
        self.shot("associate-ip")
        self.click(".modal-footer [type=submit]", "the Associate button of the form")
        self.success("the floating IP associated")
        self.shot("floating-ip-associated")
        return address

    def add_icmp_rule(self, group: str) -> None:
        """Security Groups > Manage Rules > Add Rule: ALL ICMP, ingress, from anywhere."""
        self.open("/project/security_groups/", "Security Groups")
        row = self.wait(lambda: self.visible_xpath(
            f"//table[@id='security_groups']//tr[@data-display='{group}']"),
            f"the {group} group's row")
        group_id = str(row.get_attribute("id")).removeprefix("security_groups__row__")
        self.click(f"#security_groups__row_{group_id}__action_manage_rules",
                   "the Manage Rules button")
        self.wait(lambda: "Manage Security Group Rules" in self.driver.title,
                  "the rules page")
        self.shot("rules")
        self.click("#rules__action_add_rule", "the Add Rule button")
        self.choose("#id_rule_menu", lambda text: text == "All ICMP", "the rule form")
        self.shot("add-rule")
        self.click(".modal-footer [type=submit]", "the Add button")
        self.success("the rule added")
        self.shot("rule-added")

    def delete_instance(self, name: str) -> None:
        self.open("/project/instances/", "Instances")
        row = self.wait(lambda: self.visible_xpath(
            f"//table[@id='instances']//tr[@data-display='{name}']"), f"{name}'s row")
        checkbox = row.find_element("css selector", "input.table-row-multi-select")
        # The theme draws its own box over the hidden input: click the input as it does.
        self.driver.execute_script("arguments[0].click();", checkbox)
        self.click("#instances__action_delete", "the Delete Instances button")
        self.shot("delete-confirm")
        self.click(".modal-footer .btn-danger", "the confirmation's Delete button")

        # The success message fades within seconds: the row going is the proof.
        def gone() -> bool:
            self.driver.get(self.base_url + "/project/instances/")
            if self.errors():
                raise AssertionError(f"Horizon: deleting {name}: {self.errors()}")
            return name not in self._table_names("instances")

        self.wait(gone, f"{name} gone from the Instances page", timeout=300)
        self.shot("instance-deleted")

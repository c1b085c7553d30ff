"""A real headless browser for the web tests: Debian's chromium through its chromedriver
(Selenium, offline: no driver download), and axe-core injected into a page to check it.

    driver = chromium(1280, 900)
    driver.get(url)
    assert serious_violations(driver) == []

axe-core is installed by `scripts/setup-dev.sh` into the virtual env (`.venv/node`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

CHROMEDRIVER = "/usr/bin/chromedriver"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def axe_path() -> Path | None:
    venv = Path(sys.prefix)
    for candidate in (venv / "node" / "node_modules" / "axe-core" / "axe.min.js",
                      Path(__file__).resolve().parents[2] / ".venv" / "node" / "node_modules" / "axe-core"
                      / "axe.min.js"):
        if candidate.is_file():
            return candidate
    return None


def available() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMEDRIVER).exists() or not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        return "chromium and chromium-driver are not installed (scripts/setup-dev.sh)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if axe_path() is None:
        return "axe-core is not installed (scripts/setup-dev.sh installs it into .venv/node)"
    return None


def chromium(width: int = 1280, height: int = 900, lang: str = "fr-FR"):
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager look for a driver online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", f"--lang={lang}", "--no-first-run",
                "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    resize(driver, width, height)
    watch_csp(driver)
    return driver


def watch_csp(driver) -> None:
    """Every page from now on records what its Content-Security-Policy blocked."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.cspViolations = [];
        document.addEventListener("securitypolicyviolation",
                                  e => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));"""})


def csp_violations(driver) -> list[str]:
    """What the current page's Content-Security-Policy blocked since it loaded."""
    return driver.execute_script("return window.cspViolations || []")


def resize(driver, width: int, height: int) -> None:
    """Make the page's viewport (not the window) width×height, so a phone layout is a phone's."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def serious_violations(driver) -> list[dict]:
    """Run axe-core on the current page: its serious and critical violations (id, impact, nodes)."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(axe_path().read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    return [{"id": v["id"], "impact": v["impact"], "help": v.get("help", ""),
             "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
            for v in result if v.get("impact") in ("serious", "critical")]


def accessible_at_both_sizes(driver, name: str) -> None:
    """axe-core on the current page at the desktop and the phone size: no serious or critical
    violation at either (then back to the desktop size); nothing blocked by the page's CSP."""
    for size, (w, h) in SIZES.items():
        resize(driver, w, h)
        found = serious_violations(driver)
        assert found == [], f"{name} at {size}: {found}"
    assert csp_violations(driver) == [], f"{name}: blocked by its Content-Security-Policy"
    resize(driver, *SIZES["desktop"])


def chromium_or_skip(size: str):
    """A headless chromium whose viewport is `SIZES[size]`, for a fixture to yield then quit; the
    test is skipped (with the reason) where chromium or its driver is not installed."""
    import pytest

    why = available()
    if why:
        pytest.skip(why)
    return chromium(*SIZES[size])


def wait(driver, condition, timeout: float = 10):
    """Until `condition(driver)`; an element vanishing under a page load just means "not yet"."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                             ).until(condition)
    except TimeoutException:  # say what the browser shows instead
        raise AssertionError(f"{driver.current_url}: {driver.find_element('tag name', 'body').text[:800]}") from None


def by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def sign_in_as(driver, base_url: str, area: str, email: str, password: str) -> None:
    """Sign in through the real form of `area` ("office" or "famille"), from no session, and wait
    for its home page."""
    driver.delete_all_cookies()
    driver.get(f"{base_url}/{area}/login")
    by_css(driver, "input[name=email]").send_keys(email)
    by_css(driver, "input[name=password]").send_keys(password)
    by_css(driver, "form button[type=submit]").click()
    wait(driver, lambda d: d.current_url.endswith(f"/{area}/"))

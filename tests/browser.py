"""Real headless Chromium for the page tests (selenium + Debian's chromium and chromedriver).

``browser(window)`` yields a driver, or skips with what is missing (fails under CI, where
``.ci/run`` installs them)."""

import importlib.util
import os
import shutil

import pytest


def missing():
    """What the browser tests lack, or None."""
    if importlib.util.find_spec("selenium") is None:
        return "the selenium package (pip install -e '.[test]')"
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        return "the chromium browser (apt-get install chromium)"
    if not shutil.which("chromedriver"):
        return "chromedriver (apt-get install chromium-driver)"
    return None


def browser(window="1280,800"):
    """A headless Chromium driver of ``window`` size (a generator, for a pytest fixture)."""
    lack = missing()
    if lack:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the browser tests, but {lack} is missing")
        pytest.skip(f"real-browser tests need {lack}; CI installs it and runs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={window}"):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()

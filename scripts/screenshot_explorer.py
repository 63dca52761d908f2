"""Make docs/explorer.png: the README example's explorer at backward step 3, 1280×800.

    python scripts/screenshot_explorer.py [OUT.png]

Needs Graphviz's dot, chromium, chromedriver and selenium (the test extra). Look at the
picture before committing it.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograd.explain import explain  # noqa: E402
from autograd.expr import build, parse_bindings  # noqa: E402


def main(out=ROOT / "docs" / "explorer.png"):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    loss, _ = build("tanh(w*x + b)", parse_bindings(["x=0.5", "w=-1.2", "b=0.3"]))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "explorer.html"
        explain(loss).to_html(str(page))
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--hide-scrollbars"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")),
                                  options=options)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
            driver.get(page.as_uri())
            ActionChains(driver).send_keys(*[Keys.ARROW_RIGHT] * 3).perform()
            driver.find_element("css selector", '[data-node="n3"]').click()   # its formula
            time.sleep(0.3)
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:2])

"""Make docs/playground.png: the browser playground after the README example's explorer is at
backward step 3 and the moons network has trained 40 steps, 1280 px wide.

    python scripts/screenshot_playground.py NODE_MODULES [OUT.png]

NODE_MODULES holds npm's pyodide and @viz-js/viz at the versions the site pins
(``npm install --prefix DIR pyodide@314.0.7 @viz-js/viz@3.31.0``, then DIR/node_modules).
Needs chromium, chromedriver and selenium (the test extra). Look at the picture before
committing it.
"""

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nn.apps.playground_cli import serve  # noqa: E402
from nn.apps.playground_site import build  # noqa: E402


def main(modules, out=ROOT / "docs" / "playground.png"):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    modules = Path(modules)
    with tempfile.TemporaryDirectory() as tmp:
        build(tmp, pyodide_dir=modules / "pyodide", viz_dir=modules / "@viz-js" / "viz")
        server = serve(tmp, 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--hide-scrollbars"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")),
                                  options=options)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 1280, "height": 1900, "deviceScaleFactor": 1, "mobile": False})
            driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
            root = driver.find_element("css selector", "[data-chainrule-playground]")
            deadline = time.time() + 180
            while root.get_attribute("data-ready") != "true" and time.time() < deadline:
                time.sleep(0.25)
            time.sleep(1.0)
            for _ in range(3):
                driver.find_element("css selector",
                                    '[data-chainrule-explorer] button[name="next"]').click()
            steps = driver.find_element("css selector", 'input[name="steps"]')
            steps.clear()
            steps.send_keys("40")
            driver.find_element("css selector", 'button[name="train"]').click()
            moons = driver.find_element("css selector", ".pg-moons")
            while moons.get_attribute("data-running") != "false" or \
                    moons.get_attribute("data-step") != "40":
                time.sleep(0.25)
            driver.find_element("css selector", 'button[name="exec"]').click()
            time.sleep(1.0)
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
            server.shutdown()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])

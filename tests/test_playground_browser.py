"""The playground in real headless Chromium: the site ``chainrule playground --build`` writes,
against local copies of Pyodide and @viz-js/viz (npm, :mod:`npm_cache`), served on 127.0.0.1.
The page runs the real engine; every request stays on 127.0.0.1.

Skipped, with the reason, when selenium, chromium, chromedriver or npm is missing, except under
CI (``CI`` set), where ``.ci/run`` installs them and a missing one is a failure. The page is
loaded once for the module (Pyodide takes ~10 s to start); the tests then use it in turn."""

import json
import threading
import time

import pytest
from browser import browser

import npm_cache
from nn.apps.playground_cli import serve
from autograd.playground import explain_expression
from nn.apps.playground_site import build
from nn.apps.moons_demo import MoonsDemo

pytestmark = pytest.mark.slow
READY_TIMEOUT = 180.0          # Pyodide's start on a busy 2-core machine


@pytest.fixture(scope="module")
def driver():
    yield from browser("1280,1000")


def _served(directory):
    server = serve(directory, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site(tmp_path_factory, driver):
    directory = tmp_path_factory.mktemp("playground")
    build(directory, pyodide_dir=npm_cache.pyodide_dir(), viz_dir=npm_cache.viz_dir())
    server, thread, url = _served(directory)
    yield url
    server.shutdown()
    server.server_close()
    thread.join(5)


def until(check, timeout, every=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    return check()


def find(driver, selector):
    return driver.find_element("css selector", selector)


def attr(driver, selector, name):
    return find(driver, selector).get_attribute(name)


@pytest.fixture(scope="module")
def page(driver, site):
    started = time.time()
    driver.get(site)
    root = "[data-chainrule-playground]"
    assert attr(driver, root, "data-ready") in ("false", "true")
    until(lambda: attr(driver, root, "data-ready") == "true"
          or attr(driver, root, "data-phase") == "failed", READY_TIMEOUT, 0.25)
    status = find(driver, ".pg-status").text
    assert attr(driver, root, "data-ready") == "true", status
    print(f"playground ready in {time.time() - started:.1f} s: {status}")
    return driver


def explain(driver, expression, at):
    """Type into the contract's inputs and press the run button; returns once the page has
    answered (a new result or an error)."""
    find(driver, '[data-chainrule-playground] [name="expression"]').clear()
    find(driver, '[name="expression"]').send_keys(expression)
    find(driver, '[name="at"]').clear()
    find(driver, '[name="at"]').send_keys(at)
    driver.execute_script("document.querySelector('.pg-explain').dataset.result = ''")
    find(driver, '.pg-explain button[name="run"]').click()
    until(lambda: attr(driver, ".pg-explain", "data-result"), 30)
    return attr(driver, ".pg-explain", "data-result")


# ---- the tests, in the order a learner goes ----------------------------------------------------

def test_the_page_becomes_ready_and_says_what_it_loaded(page):
    status = find(page, ".pg-status").text
    assert status.startswith("Ready in ") and "Python 3.14" in status
    assert "Pyodide 314.0.7" in status
    assert attr(page, ".pg-loading progress", "value") == "5"
    for name in ("run", "train", "exec"):
        assert find(page, f'button[name="{name}"]').is_enabled()
    assert not find(page, 'button[name="stop"]').is_enabled()


def test_readme_expression_gives_the_cpython_floats(page):
    assert explain(page, "tanh(w*x + b)", "x=0.5 w=-1.2 b=0.3") == "ok"
    spans = page.find_elements("css selector", ".pg-grads [data-grad]")
    got = {s.get_attribute("data-name"): float(s.get_attribute("data-grad")) for s in spans}
    assert [s.text for s in spans] == ["∂L/∂w = 0.457568", "∂L/∂x = -1.09816",
                                       "∂L/∂b = 0.915137"]
    assert got == json.loads(explain_expression("tanh(w*x + b)", "x=0.5 w=-1.2 b=0.3"))["grads"]
    assert got == {"w": 0.4575684809133146, "x": -1.098164354191955, "b": 0.9151369618266292}
    table = page.execute_script("return document.querySelector('.pg-table').textContent")
    assert "gradients: ∂L/∂w = 0.457568, ∂L/∂x = -1.09816, ∂L/∂b = 0.915137" in table


def _explorer_step(driver):
    return int(attr(driver, "[data-chainrule-explorer]", "data-step"))


def test_the_explorer_steps_through_backward_with_the_graph_laid_out_in_the_browser(page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    assert explain(page, "tanh(w*x + b)", "x=0.5 w=-1.2 b=0.3") == "ok"
    until(lambda: page.find_elements("css selector", "[data-chainrule-explorer] svg"), 30)
    root = "[data-chainrule-explorer]"
    assert attr(page, root, "data-steps") == "6" and _explorer_step(page) == 0
    nodes = [g.get_attribute("data-node") for g in
             page.find_elements("css selector", "[data-chainrule-explorer] [data-node]")]
    assert sorted(nodes) == ["b", "n1", "n2", "n3", "w", "x"]       # viz-js kept our ids
    find(page, '[data-chainrule-explorer] button[name="next"]').click()
    assert _explorer_step(page) == 1
    assert [g.get_attribute("data-node") for g in
            page.find_elements("css selector", ".current[data-node]")] == ["n3"]
    find(page, root).click()                 # keys go to the explorer, not the text boxes
    ActionChains(page).send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform()
    assert _explorer_step(page) == 3
    ActionChains(page).send_keys(Keys.END).perform()
    assert _explorer_step(page) == 6
    ActionChains(page).send_keys(Keys.ARROW_LEFT).perform()
    assert _explorer_step(page) == 5
    # typing in the expression box is typing, not stepping
    find(page, '[name="expression"]').send_keys(Keys.ARROW_LEFT)
    assert _explorer_step(page) == 5


def test_a_hostile_expression_is_refused_in_one_line(page):
    assert explain(page, "__import__('os')", "") == "error"
    error = find(page, ".pg-explain .pg-error")
    assert error.is_displayed()
    assert error.text.count("\n") == 0
    assert error.text.startswith("col 1: unknown function '__import__' (known: exp, log")
    assert explain(page, "log(x)", "x=-1") == "error"
    assert find(page, ".pg-explain .pg-error").text == \
        "log() needs a positive input, got -1.0 (node 'x')"
    assert explain(page, "x*y", "x=2 y=3") == "ok"          # and the page works on
    assert not find(page, ".pg-explain .pg-error").is_displayed()


def _moons(driver, name):
    return attr(driver, ".pg-moons", f"data-{name}")


def test_twenty_moons_steps_lower_the_loss_with_a_curve_and_a_boundary(page):
    steps = find(page, 'input[name="steps"]')
    steps.clear()
    steps.send_keys("20")
    find(page, 'button[name="train"]').click()
    assert until(lambda: _moons(page, "running") == "false" and _moons(page, "step") == "20",
                 300, 0.25), _moons(page, "step")
    first, last = float(_moons(page, "first-loss")), float(_moons(page, "loss"))
    here = MoonsDemo()
    want = [here.step()["loss"] for _ in range(20)]
    assert first == pytest.approx(want[0], rel=1e-9) and last == pytest.approx(want[-1], rel=1e-9)
    assert last < 0.5 * first
    colours = page.execute_script("""
        const c = document.querySelector('.pg-boundary').getContext('2d');
        const d = c.getImageData(0, 0, c.canvas.width, c.canvas.height).data, seen = {};
        for (let i = 0; i < d.length; i += 4 * 97)
          seen[d[i] > d[i + 2] + 40 ? 'orange' : d[i + 2] > d[i] + 40 ? 'blue' : 'other'] = 1;
        return Object.keys(seen).sort();""")
    assert "orange" in colours and "blue" in colours               # both classes on the plane
    blank = page.execute_script("""
        const c = document.querySelector('.pg-loss').getContext('2d');
        const d = c.getImageData(0, 0, c.canvas.width, c.canvas.height).data;
        let blue = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 150 && d[i] < 80) blue++;
        return blue;""")
    assert blank > 100                                             # the curve is drawn


def test_stop_stops_a_long_run(page):
    find(page, 'button[name="reset"]').click()
    steps = find(page, 'input[name="steps"]')
    steps.clear()
    steps.send_keys("2000")
    find(page, 'button[name="train"]').click()
    assert until(lambda: int(_moons(page, "step") or 0) >= 3, 120, 0.2)
    find(page, 'button[name="stop"]').click()
    assert until(lambda: _moons(page, "running") == "false", 60, 0.2)
    stopped = int(_moons(page, "step"))
    time.sleep(1.0)
    assert int(_moons(page, "step")) == stopped < 2000
    assert find(page, ".pg-moons-status").text.startswith(f"stopped at step {stopped}: ")


def _run_cell(driver, code):
    box = find(driver, 'textarea[name="code"]')
    driver.execute_script("arguments[0].value = arguments[1];"
                          "document.querySelector('.pg-editor').dataset.result = ''", box, code)
    find(driver, 'button[name="exec"]').click()
    until(lambda: attr(driver, ".pg-editor", "data-result"), 60)
    return attr(driver, ".pg-editor", "data-result")


def test_the_editor_runs_free_python_and_errors_in_one_line(page):
    code = ("from autograd import Value\nx = Value(2.0)\ny = x * x + 3 * x\ny.backward()\n"
            "print(y.data, x.grad)\nfrom nn import MLP\n"
            "print(MLP(2, [16, 16, 1]).num_parameters())")
    assert _run_cell(page, code) == "ok"
    assert find(page, ".pg-output").text == "10.0 7.0\n337"
    assert _run_cell(page, "z = x.grad\nw = q + 1") == "error"
    error = find(page, ".pg-editor .pg-error").text
    assert error == "line 2: NameError: name 'q' is not defined"
    assert _run_cell(page, "z * 2") == "ok"                      # names stay between runs
    assert find(page, ".pg-output").text == "14.0"


def test_no_request_left_127_0_0_1(page, site):
    urls = page.execute_script("return performance.getEntriesByType('resource')"
                               ".map(e => e.name)")
    assert urls and all(u.startswith(site) for u in urls), urls
    names = {u[len(site):] for u in urls}
    assert {"pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "viz/viz.js",
            "chainrule-0.1.0-py3-none-any.whl"} <= names


def test_a_pyodide_that_does_not_load_is_one_line_on_the_page(driver, tmp_path):
    build(tmp_path, pyodide_url="no-such-folder/", viz_url="no-viz/")
    server, thread, url = _served(tmp_path)
    try:
        driver.get(url)
        assert until(lambda: attr(driver, "[data-chainrule-playground]", "data-phase")
                     == "failed", 30)
        status = find(driver, ".pg-status").text
        assert status.startswith("Could not start the playground: ") and "\n" not in status
        assert "no-such-folder/" in status
        assert attr(driver, "[data-chainrule-playground]", "data-ready") == "false"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

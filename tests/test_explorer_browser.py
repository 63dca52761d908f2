"""The explorer page in real headless Chromium (selenium + the system chromedriver): keys and
clicks land on the engine's nodes, the numbers are explain(L)'s, and nothing is fetched.

Skipped, with the reason, when selenium, chromium or chromedriver is missing, except under CI
(``CI`` set), where ``.ci/run`` installs them and a missing browser is a failure."""

import re
import time

import pytest
from browser import browser

from autograd import Value
from autograd.explain import explain, fmt
from autograd.explorer_data import explorer_data

pytestmark = pytest.mark.needs_dot          # the page's graph is laid out by dot


@pytest.fixture(scope="module")
def driver():
    yield from browser("1280,800")


# ---- helpers -------------------------------------------------------------------------------------

def page_of(e, tmp_path, name="e.html"):
    path = tmp_path / name
    e.to_html(str(path))
    return path


def open_page(driver, path):
    driver.get(path.as_uri())
    assert root(driver).get_attribute("data-step") == "0"
    return path


def root(driver):
    return driver.find_element("css selector", "[data-chainrule-explorer]")


def step(driver):
    return int(root(driver).get_attribute("data-step"))


def current(driver):
    return [g.get_attribute("data-node")
            for g in driver.find_elements("css selector", ".current[data-node]")]


def press(driver, *keys):
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def keys():
    from selenium.webdriver.common.keys import Keys
    return Keys


def text_of(driver, selector):
    return driver.find_element("css selector", selector).text


def grad_text(driver, name):
    """The grad field of a node's record in the SVG."""
    return driver.execute_script(
        "var g = [...document.querySelectorAll('[data-node]')].find(n => n.dataset.node === "
        "arguments[0]); var t = g.querySelectorAll('text'); return t[t.length - 1].textContent",
        name)


def requests_made(driver):
    return driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")


def until(check, timeout=3.0):
    """Wait for what a page does just after an event (a focus moved in a timeout)."""
    deadline = time.time() + timeout
    while not check() and time.time() < deadline:
        time.sleep(0.05)
    return check()


def focused(driver):
    return driver.switch_to.active_element.get_attribute("name")


def tanh_neuron():
    w, x, b = Value(-1.2, label="w"), Value(0.5, label="x"), Value(0.3, label="b")
    return explain((w * x + b).tanh())


# ---- the bars ----------------------------------------------------------------------------

def test_cli_page_steps_through_the_engines_order_offline(driver, tmp_path):
    from autograd.cli import main

    path = tmp_path / "e.html"
    assert main(["explain", "tanh(w*x + b)", "--at", "x=0.5", "w=-1.2", "b=0.3",
                 "--html", str(path)]) == 0
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"""\b(src|href)\s*=""", html)       # no external src/href at all
    open_page(driver, path)
    assert current(driver) == []
    K = keys()
    visited = []
    for k in range(1, 7):
        press(driver, K.ARROW_RIGHT)
        assert step(driver) == k
        visited += current(driver)
        assert len(current(driver)) == 1                      # exactly one node is current
        rows = driver.find_elements("css selector", "tr.cr-row-current")
        assert rows and {r.get_attribute("data-table-step") for r in rows} == {str(k)}
        if k == 1:
            panel = text_of(driver, ".cr-panel")
            assert "1.0 × 0.9151 = 0.9151" in panel and grad_text(driver, "n2") == "grad 0.9151"
    assert visited == ["n3", "n2", "n1", "w", "x", "b"]
    assert "Gradients: ∂L/∂w = 0.4576, ∂L/∂x = -1.098, ∂L/∂b = 0.9151" in \
        text_of(driver, "[data-final]")
    assert [grad_text(driver, n) for n in "wxb"] == ["grad 0.4576", "grad -1.098", "grad 0.9151"]
    press(driver, K.ARROW_LEFT)
    assert (step(driver), current(driver)) == (5, ["x"])
    assert requests_made(driver) == []                        # nothing fetched, of any kind


def test_fan_out_shows_two_contributions_adding_into_one_gradient(driver, tmp_path):
    x = Value(2.0, label="x")
    open_page(driver, page_of(explain(x * x + x), tmp_path))
    K = keys()
    press(driver, K.ARROW_RIGHT)
    assert current(driver) == ["n2"] and grad_text(driver, "x") == "grad 1.0"
    press(driver, K.ARROW_RIGHT)
    assert current(driver) == ["n1"] and grad_text(driver, "x") == "grad 5.0"
    active = driver.find_elements("css selector", "g.edge.cr-active")
    assert sorted(e.get_attribute("id") for e in active) == ["cr-e1-0", "cr-e1-1"]
    assert [e.text.replace("\n", " ") for e in active] == ["1.0 × 2.0 = 2.0"] * 2
    panel = text_of(driver, ".cr-panel")
    assert "∂L/∂x = 3.0 + 2.0 = 5.0" in panel and "∂L/∂x = 1.0 + 2.0 + 2.0 = 5.0" in panel
    assert "x is used more than once (fan-out)" in panel
    press(driver, K.ARROW_RIGHT)
    assert (step(driver), current(driver)) == (3, ["x"])
    assert "Gradients: ∂L/∂x = 5.0" in text_of(driver, "[data-final]")
    assert requests_made(driver) == []


def test_a_neuron_loss_built_in_python_fits_and_matches_the_engine(driver, tmp_path):
    from nn.layers import Neuron

    neuron = Neuron(3, seed=1)
    loss = (neuron([1.0, -2.0, 0.5]) - 1.0) ** 2
    e = explain(loss, params=neuron.parameters())
    open_page(driver, page_of(e, tmp_path))
    K = keys()
    for s in e.backward:
        press(driver, K.ARROW_RIGHT)
        assert current(driver) == [s.name]
    assert step(driver) == len(e.backward)
    loss.backward()
    for p in neuron.parameters():
        assert grad_text(driver, p.label) == "grad " + fmt(p.grad, 4)
    assert explorer_data(e)["gradients"] in text_of(driver, "[data-final]")
    fits = driver.execute_script(
        "var f = document.querySelector('.cr-graph'); return f.scrollWidth <= f.clientWidth + 1")
    assert fits                                  # readable at 1280×800 without scrolling sideways


def test_the_current_node_of_a_small_mlp_is_scrolled_into_view(driver, tmp_path):
    from nn.layers import MLP

    model = MLP(2, [3, 1], seed=1)
    e = explain((model([0.5, -1.0]) - 1.0) ** 2, params=model.parameters())
    open_page(driver, page_of(e, tmp_path))
    press(driver, *[keys().ARROW_RIGHT] * 12)
    assert current(driver) == [e.backward[11].name]
    inside = driver.execute_script(
        "var f = document.querySelector('.cr-graph').getBoundingClientRect();"
        "var g = document.querySelector('.current[data-node]').getBoundingClientRect();"
        "return g.top >= f.top && g.bottom <= f.bottom && g.left >= f.left && g.right <= f.right")
    assert inside


# ---- controls ------------------------------------------------------------------------------------

def test_home_end_slider_and_play(driver, tmp_path):
    e = tanh_neuron()
    open_page(driver, page_of(e, tmp_path))
    K = keys()
    press(driver, K.HOME)                        # the forward pass: data-step stays 0
    assert (step(driver), root(driver).get_attribute("data-phase"), current(driver)) == \
        (0, "forward", ["w"])
    assert "w = -1.2 (input)" in text_of(driver, ".cr-panel")
    press(driver, K.END)
    assert (step(driver), current(driver)) == (6, ["b"])
    slider = driver.find_element("css selector", "input[type=range]")
    slider.send_keys(K.ARROW_LEFT)               # the slider's own keys move one position
    assert step(driver) == 5
    driver.find_element("css selector", "button[name=first]").click()
    driver.find_element("css selector", "button[name=play]").click()
    position = "return document.querySelector('input[type=range]').value"
    assert until(lambda: int(driver.execute_script(position)) >= 2, timeout=6)   # it plays
    press(driver, " ")                           # Space pauses (here: the focused Play button)
    paused = driver.execute_script(position)
    time.sleep(1.5)
    assert driver.execute_script(position) == paused
    assert driver.find_element("css selector", "button[name=play]").get_attribute(
        "aria-pressed") == "false"


def test_clicking_or_focusing_a_node_shows_its_local_derivative_with_numbers(driver, tmp_path):
    open_page(driver, page_of(tanh_neuron(), tmp_path))
    driver.find_element("css selector", '[data-node="n3"]').click()
    assert "∂tanh(n2)/∂n2 = 1 - tanh(n2)² = 1 - tanh(-0.3)² = 0.9151" in \
        text_of(driver, ".cr-inspect")
    K = keys()
    for _ in range(30):                          # keyboard only: Tab to the node n1, Enter
        press(driver, K.TAB)
        if driver.switch_to.active_element.get_attribute("data-node") == "n1":
            break
    press(driver, K.ENTER)
    inspect = text_of(driver, ".cr-inspect")
    assert "∂(w * x)/∂w = x = 0.5" in inspect and "∂(w * x)/∂x = w = -1.2" in inspect


def test_practice_accepts_the_right_answer_and_names_the_slip_of_a_wrong_one(driver, tmp_path):
    x = Value(2.0, label="x")
    open_page(driver, page_of(explain(x * x + x), tmp_path))
    K = keys()
    driver.find_element("css selector", "input[name=practice]").click()
    assert grad_text(driver, "x") == "grad ·"
    press(driver, K.ARROW_RIGHT)                 # step 1: ∂L/∂n2, the seed
    assert until(lambda: focused(driver) == "answer")
    press(driver, "1", K.ENTER)
    assert driver.find_element("css selector", ".cr-feedback").get_attribute(
        "data-verdict") == "right"
    press(driver, K.ARROW_RIGHT)                 # step 2: ∂L/∂n1 = 1.0
    assert grad_text(driver, "x") == "grad ?"    # x's running total stays hidden
    until(lambda: focused(driver) == "answer")
    press(driver, "1.0", K.ENTER)
    press(driver, K.ARROW_RIGHT)                 # step 3: ∂L/∂x = 1 + 2 + 2 = 5
    until(lambda: focused(driver) == "answer")
    press(driver, "2", K.ENTER)                  # one contribution only: the fan-out slip
    feedback = driver.find_element("css selector", ".cr-feedback")
    assert (feedback.get_attribute("data-verdict"), feedback.get_attribute("data-slip")) == \
        ("wrong", "fanout")
    assert "x is used 3 times" in feedback.text and "1.0 + 2.0 + 2.0 = 5.0" in feedback.text
    assert grad_text(driver, "x") == "grad 5.0"  # then revealed

    open_page(driver, page_of(tanh_neuron(), tmp_path, "t.html"))
    driver.find_element("css selector", "input[name=practice]").click()
    press(driver, K.ARROW_RIGHT)
    until(lambda: focused(driver) == "answer")
    press(driver, "1", K.ENTER, K.ARROW_RIGHT)
    until(lambda: focused(driver) == "answer")
    press(driver, "-0.2913", K.ENTER)            # tanh(n2) instead of 1 - tanh(n2)²
    feedback = driver.find_element("css selector", ".cr-feedback")
    assert feedback.get_attribute("data-slip") == "local"
    assert "wrong local derivative at n3" in feedback.text
    press(driver, K.ARROW_RIGHT)                 # step 3 asks ∂L/∂n1; Esc leaves the box
    assert until(lambda: focused(driver) == "answer")
    press(driver, K.ESCAPE, K.ARROW_RIGHT)       # step 4: ∂L/∂w = 0.9151 × 0.5
    assert current(driver) == ["w"]
    until(lambda: focused(driver) == "answer")
    press(driver, "0.5", K.ENTER)                # the local derivative alone
    assert driver.find_element("css selector", ".cr-feedback").get_attribute(
        "data-slip") == "upstream"
    assert requests_made(driver) == []


def test_the_script_mounts_anywhere_with_a_layout_of_its_own(driver, tmp_path):
    """What a page without ``dot`` does (the playground, with Graphviz in WebAssembly): mount
    the explorer on any element, from the data and the DOT text, with an async layout."""
    import json

    from autograd.explorer import graph_dot, layout_svg, script

    x = Value(2.0, label="x")
    e = explain(x * x + x)
    data = explorer_data(e)
    dot = graph_dot(e, data)
    svg = layout_svg(dot)                       # stands in for viz-js's renderString(dot)
    host = tmp_path / "host.html"
    host.write_text("<!DOCTYPE html><meta charset=utf-8><p>host page</p><div id=here></div>"
                    f"<script>{script()}</script>", encoding="utf-8")
    driver.get(host.as_uri())
    driver.execute_script(
        "var svg = arguments[2]; window.asked = null;"
        "chainruleExplorer.mount(document.getElementById('here'), JSON.parse(arguments[0]),"
        " {dot: arguments[1], layout: function (dot) { window.asked = dot;"
        "  return new Promise(function (ok) { setTimeout(function () { ok(svg); }, 50); }); }})",
        json.dumps(data), dot, svg)
    here = driver.find_element("css selector", "#here")
    assert until(lambda: here.get_attribute("data-steps") == "3")
    assert driver.execute_script("return window.asked") == dot
    here.click()                                 # keys belong to the explorer once focused
    press(driver, keys().ARROW_RIGHT, keys().ARROW_RIGHT)
    assert (here.get_attribute("data-step"), current(driver)) == ("2", ["n1"])

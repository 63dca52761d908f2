"""The explorer page without a browser: its data equals explain(L)'s, its DOT names what the
script looks for, the page is one offline file, and the guards and errors are clear.
(The page in real Chromium: test_explorer_browser.py.)"""

import json
import math
import re

import pytest

from autograd import Value
from autograd.draw import GraphTooLarge
from autograd.explain import explain, fmt
from autograd.explorer import check_size, graph_dot, notebook_html, page, to_html
from autograd.explorer_data import NotFinite, close, explorer_data


def neuron():
    w, x, b = Value(-1.2, label="w"), Value(0.5, label="x"), Value(0.3, label="b")
    return (w, x, b), explain((w * x + b).tanh())


def fan_out():
    x = Value(2.0, label="x")
    return x, explain(x * x + x)


def embedded(html):
    """The JSON data inside a page."""
    m = re.search(r'<script type="application/json" class="cr-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


FAKE_SVG = '<svg viewBox="0 0 10 10"><g id="graph0" class="graph"></g></svg>'


def fake_layout(dot_source):
    """A layout that is not Graphviz (as a browser's viz-js would be): the page must take it."""
    assert dot_source.startswith("digraph explorer {")
    return '<?xml version="1.0"?>\n<!-- made by hand -->\n' + FAKE_SVG


# ---- the data is explain(L)'s ------------------------------------------------------------------

def test_each_step_has_the_engines_node_local_contribution_and_total():
    (w, x, b), e = neuron()
    data = explorer_data(e)
    assert [s["name"] for s in data["steps"]] == ["n3", "n2", "n1", "w", "x", "b"]
    for s, step in zip(data["steps"], e.backward):
        assert data["nodes"][s["node"]]["name"] == step.name
        assert s["upstream"] == step.upstream and s["upstreamText"] == fmt(step.upstream, 4)
        assert [(t["local"], t["product"], t["after"]) for t in s["terms"]] == \
            [(t.local, t.product, t.after) for t in step.terms]
        assert [data["nodes"][t["input"]]["name"] for t in s["terms"]] == \
            [t.name for t in step.terms]
    first = data["steps"][0]["terms"][0]
    assert (first["named"], first["plugged"], first["localText"]) == \
        ("∂tanh(n2)/∂n2 = 1 - tanh(n2)²", "1 - tanh(-0.3)²", "0.9151")
    assert first["label"] == "1.0 × 0.9151 = 0.9151"
    assert data["gradients"] == "∂L/∂w = 0.4576, ∂L/∂x = -1.098, ∂L/∂b = 0.9151"
    assert [n["grad"] for n in data["nodes"][:2]] == [e.grad(w), e.grad(x)]
    assert data["steps"][2]["rows"] == [
        ["3", "n1", "0.9151", "∂(w * x)/∂w = x", "0.5", "0.4576", "∂L/∂w = 0.4576"],
        ["", "", "", "∂(w * x)/∂x = w", "-1.2", "-1.098", "∂L/∂x = -1.098"]]


def test_fan_out_shows_three_contributions_adding_into_one_gradient():
    x, e = fan_out()
    data = explorer_data(e)
    into_x = [t for s in data["steps"] for t in s["terms"] if t["name"] == "x"]
    assert [(t["productText"], t["nth"], t["total"]) for t in into_x] == [
        ("1.0", 1, "∂L/∂x = 1.0"), ("2.0", 2, "∂L/∂x = 1.0 + 2.0 = 3.0"),
        ("2.0", 3, "∂L/∂x = 3.0 + 2.0 = 5.0")]
    assert len({t["edge"] for t in into_x}) == 3      # three edges, one per use


def test_practice_answers_are_the_gradients_and_slips_are_told_apart():
    x, e = fan_out()
    steps = explorer_data(e)["steps"]
    assert [s["practice"]["answer"] for s in steps] == [1.0, 1.0, 5.0]
    slips = {(s["slip"], s["value"]) for s in steps[2]["practice"]["slips"]}
    assert {("fanout", 1.0), ("fanout", 2.0), ("fanout", 3.0)} <= slips
    assert steps[2]["practice"]["how"].startswith("∂L/∂x = 1.0 + 2.0 + 2.0 = 5.0")
    assert not any(close(v, 5.0) for _, v in slips)       # no slip looks like the answer
    (w, x, b), e = neuron()
    n1 = explorer_data(e)["steps"][2]["practice"]          # ∂L/∂n1 = 0.9151 × 1
    w_step = explorer_data(e)["steps"][3]["practice"]      # ∂L/∂w = 0.9151 × 0.5
    assert (n1["slips"][0]["slip"], n1["slips"][0]["value"]) == ("upstream", 1.0)
    kinds = {s["slip"]: s["value"] for s in w_step["slips"]}
    assert kinds["upstream"] == 0.5                        # the local derivative alone
    assert any(s["slip"] == "local" and s["value"] == e.grad(b) * -1.2
               for s in w_step["slips"])                   # used w instead of x
    assert "upstream factor" in next(s["message"] for s in w_step["slips"]
                                     if s["slip"] == "upstream")


def test_tolerance_is_one_percent_of_the_answer():
    assert close(0.4576, 0.457568) and close(0.46, 0.457568)
    assert not close(0.47, 0.457568) and not close(0.001, 0.0)


def test_a_non_finite_value_is_refused_clearly():
    x = Value(1e200, label="x")
    with pytest.raises(NotFinite, match=r"explorer: .* is inf"):
        explorer_data(explain(x * x))


# ---- the graph's DOT text and the page -----------------------------------------------------------

def test_dot_text_carries_every_id_the_script_looks_for():
    x, e = fan_out()
    data = explorer_data(e)
    dot = graph_dot(e, data)
    for i, n in enumerate(data["nodes"]):
        assert f'id="cr-v{i}"' in dot
        if n["op"]:
            assert f'id="cr-v{i}op"' in dot
    for s in data["steps"]:
        for t in s["terms"]:
            assert f'id="{t["edge"]}" label="{s["upstreamText"]} × {t["localText"]}\\n= ' \
                   f'{t["productText"]}"' in dot
    assert 'label="x | data 2.0 | grad 5.0"' in dot       # as wide as its widest total


def test_page_is_one_offline_file_with_the_test_contract():
    (w, x, b), e = neuron()
    html = to_html(e, layout=fake_layout)
    assert FAKE_SVG in html and "<?xml" not in html and "made by hand" not in html
    assert re.search(r'<main class="cr-explorer" data-chainrule-explorer data-steps="6" '
                     r'data-step="0"', html)
    assert not re.search(r"""\b(src|href)\s*=""", html)     # nothing to fetch
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert embedded(html) == explorer_data(e)
    assert "chainruleExplorer.mount" in html and "<noscript>" in html


def test_labels_cannot_break_out_of_the_page():
    hostile = Value(1.0, label="</script><script>alert(1)</script>")
    e = explain(hostile * 2)
    html = page(explorer_data(e), FAKE_SVG, "table")
    assert "<script>alert(1)" not in html
    assert embedded(html)["nodes"][0]["name"] == "</script><script>alert(1)</script>"
    slot = page(explorer_data(explain(Value(1.0, label="{{SCRIPT}}") * 2)), FAKE_SVG)
    assert embedded(slot)["nodes"][0]["name"] == "{{SCRIPT}}"     # a label is not a slot
    assert slot.count("api.mount = mount;") == 1


def test_to_html_writes_the_file(tmp_path):
    _, e = neuron()
    path = tmp_path / "e.html"
    assert e.to_html(str(path), layout=fake_layout) == path.read_text(encoding="utf-8")


@pytest.mark.needs_dot
def test_graphviz_lays_out_the_page_and_the_script_finds_its_ids():
    x, e = fan_out()
    html = to_html(e)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<!--" not in svg
    for tag in ("cr&#45;v0", "cr&#45;v1op", "cr&#45;e1&#45;0", "cr&#45;e1&#45;1"):
        assert f'id="{tag}"' in svg                      # Graphviz writes - as &#45;
    assert "1.0 × 2.0" in svg


def test_without_dot_the_error_says_how_to_install_it(monkeypatch):
    from autograd import render
    from autograd.render import GraphvizMissing

    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    _, e = neuron()
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        e.to_html()
    html = e._repr_html_()                                # Jupyter: one line, then the table
    assert html.startswith("<p><b>(no explorer)</b> the Graphviz &#x27;dot&#x27; program")
    assert "∂tanh(n2)/∂n2" in html and "<iframe" not in html


def test_jupyter_shows_the_page_in_an_iframe_and_keeps_the_text_table():
    import html as html_module

    _, e = neuron()
    html = notebook_html(e, layout=fake_layout)
    m = re.fullmatch(r'<iframe title="chainrule explorer" srcdoc="([^"]*)" style="[^"]*" '
                     r'sandbox="allow-scripts"></iframe>', html)
    assert m and html_module.unescape(m.group(1)) == to_html(e, layout=fake_layout)
    assert e._repr_markdown_() == e.to_markdown() and str(e) == e.to_text()


# ---- size guard ----------------------------------------------------------------------------------

def test_a_graph_too_big_to_step_through_is_refused_like_draw():
    xs = [Value(float(i)) for i in range(200)]
    total = xs[0]
    for v in xs[1:]:
        total = total + v
    with pytest.raises(GraphTooLarge, match="the graph has 399 values, more than max_nodes=150"):
        to_html(explain(total), layout=fake_layout)
    x = Value(1.0, label="x")
    power = x
    for _ in range(60):
        power = power * x                       # x crosses every rank: a slow layout
    with pytest.raises(GraphTooLarge, match="max_edges=2,000: Graphviz would take minutes"):
        check_size(explain(power), max_nodes=None)


def test_to_html_wants_an_explanation():
    from autograd.errors import OperandError

    with pytest.raises(OperandError, match=r"to_html: expected an Explanation \(explain\(L\)\)"):
        to_html(Value(1.0))


# ---- the command line ----------------------------------------------------------------------------

@pytest.mark.needs_dot
def test_cli_writes_the_explorer(tmp_path, capsys):
    from autograd.cli import main

    out = tmp_path / "e.html"
    assert main(["explain", "tanh(w*x + b)", "--at", "x=0.5", "w=-1.2", "b=0.3",
                 "--html", str(out)]) == 0
    assert capsys.readouterr() == (f"wrote {out}\n", "")
    data = embedded(out.read_text(encoding="utf-8"))
    assert [s["name"] for s in data["steps"]] == ["n3", "n2", "n1", "w", "x", "b"]
    assert math.isclose(data["nodes"][0]["grad"], 0.457568, rel_tol=1e-5)    # ∂L/∂w


def test_cli_html_errors_are_one_line(tmp_path, capsys, monkeypatch):
    from autograd import render
    from autograd.cli import main

    argv = ["explain", "x*x", "--at", "x=1", "--html"]
    assert main(argv + [str(tmp_path / "missing" / "e.html")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chainrule explain: error: ")
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    assert main(argv + [str(tmp_path / "e.html")]) == 1
    assert "Graphviz 'dot' program was not found" in capsys.readouterr().err
    assert not (tmp_path / "e.html").exists()


@pytest.mark.needs_dot
@pytest.mark.parametrize("label", ['a "quoted" {x|y} <b>', "ends in \\", "&amp; is text",
                                   "two\nlines"])
def test_any_label_lays_out_and_shows_as_written(label):
    import html as html_module

    v = Value(1.5, label=label)
    page_text = to_html(explain(v * v))
    texts = [html_module.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", page_text)]
    assert label.replace("\n", " ") in texts

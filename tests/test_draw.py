"""draw(): graphviz images of the graph, the size guard, and backward frames."""

import builtins
import os

import pytest

graphviz = pytest.importorskip("graphviz")

from autograd import Value  # noqa: E402
from autograd.draw import (GraphTooLarge, GraphvizMissing, draw, edge_segments,  # noqa: E402
                           op_symbol, render, render_bytes)
from autograd.frames import draw_backward_frames  # noqa: E402
from autograd.render import GraphvizTimeout  # noqa: E402
from autograd.explain import explain, fmt, forward_order, names  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def loss():
    w, x, b, y = (Value(v, label=n) for n, v in (("w", -1.2), ("x", 0.5), ("b", 0.3),
                                                 ("y", 1.0)))
    L = ((w * x + b).tanh() - y) ** 2
    L.backward()
    return L


def test_dot_source_has_each_value_label_data_and_grad(loss):
    src = draw(loss).source
    for v, name in names(loss).items():
        assert f"{{ {name} | data {fmt(v.data, 4)} | grad {fmt(v.grad, 4)} }}" in src
    assert "rankdir=LR" in src
    for symbol in ("label=\"*\"", "label=\"+\"", "label=tanh", "label=\"-\"", "label=\"**2\""):
        assert symbol in src


def test_colours_tell_parameters_constants_and_output_apart():
    x = Value(2.0, label="x")
    out = x * 3
    src = draw(out, params=[]).source
    assert src.count("#d1f2d9") == 1          # x: an input (not in params)
    assert src.count("#e9ecef") == 1          # 3: a constant
    assert src.count("#ffe08a") == 1          # the output
    assert draw(out).source.count("#d1f2d9") == 1   # by default a labelled leaf is an input
    assert draw(out, params=[x]).source.count("#cfe2ff") == 1   # a parameter when named so


def test_hiding_grads_and_top_to_bottom(loss):
    src = draw(loss, show_grads=False, rankdir="TB").source
    assert "grad" not in src and "rankdir=TB" in src


def test_labels_are_escaped_in_records():
    v = Value(1.0, label="a|b{c}")
    assert r"a\|b\{c\}" in draw(v * 2).source


def test_op_symbols_come_from_the_op_table():
    x = Value(2.0)
    assert [op_symbol(n) for n in (x + x, x.exp(), x ** 3, -x, abs(x), x.max(x), x / x)] == \
        ["+", "exp", "**3", "-", "abs", "max", "/"]


def test_op_symbol_of_a_registered_custom_op_is_its_table_symbol():
    # op_symbol used to strip op.expr by hand: "hypot(a, b)" came out as "hypot(a,)".
    from autograd import ops, register_op
    hypot = ops.op("hypot_draw", 2, "hypot(a, b)", ("a/out", "b/out"), r"\sqrt{a^2+b^2}",
                   (r"a/\sqrt{a^2+b^2}", r"b/\sqrt{a^2+b^2}"))(
        lambda a, b: (a * a + b * b) ** 0.5, lambda out, a, b: (a / out, b / out))
    xor = ops.op("oplus_draw", 2, "a ⊕ b", ("1", "1"), r"a \oplus b", ("1", "1"),
                 symbol="⊕")(lambda a, b: a + b, lambda out, a, b: (1.0, 1.0))
    try:
        register_op(hypot)
        register_op(xor)
        x, y = Value(3.0), Value(4.0)
        assert op_symbol(x.hypot_draw(y)) == "hypot_draw"
        assert op_symbol(x.oplus_draw(y)) == "⊕"
        assert 'label="⊕"' in draw(x.oplus_draw(y)).source
    finally:
        for name in ("hypot_draw", "oplus_draw"):
            ops.OPS.pop(name, None)
            if hasattr(Value, name):
                delattr(Value, name)


def test_op_symbol_of_nary_ops_and_a_fractional_power():
    from autograd import add_n, dot
    x = Value(2.0)
    assert op_symbol(dot([x, x], [x, x])) == "Σ w·x"
    assert op_symbol(add_n([x, x, x])) == "Σ"
    assert op_symbol(x ** 0.5) == "**0.5"
    assert op_symbol(x.sigmoid()) == "σ"


def test_draw_of_a_non_value_is_a_clear_operand_error(tmp_path):
    from autograd.errors import OperandError
    with pytest.raises(OperandError, match="draw: expected a Value, got 3.0"):
        draw(3.0)
    with pytest.raises(OperandError, match="expected a Value, got 3.0"):
        draw_backward_frames(3.0, str(tmp_path / "frames"))
    assert not (tmp_path / "frames").exists()


@pytest.mark.needs_dot
def test_render_svg_and_png_with_the_dot_program(loss, tmp_path):
    svg = render(draw(loss), str(tmp_path / "g.svg"))
    png = render(draw(loss), str(tmp_path / "g.png"))
    assert open(svg, encoding="utf-8").read().lstrip().startswith(("<?xml", "<svg"))
    assert "data &#45;0.2913" in open(svg, encoding="utf-8").read()     # dot escapes '-'
    with open(png, "rb") as f:
        assert f.read(8) == PNG_MAGIC
    assert sorted(os.listdir(tmp_path)) == ["g.png", "g.svg"]      # no temporary files left


@pytest.mark.needs_dot
def test_jupyter_inline_svg(loss):
    assert "<svg" in draw(loss)._repr_mimebundle_()["image/svg+xml"]


def test_size_guard_raises_a_clear_error_or_collapses_by_label_prefix():
    x = [Value(0.5, label=f"x{i}") for i in range(3)]
    out = None
    for n in range(4):
        ws = [Value(0.1 * (n + i), label=f"layer0.neuron{n}.w{i}") for i in range(3)]
        act = sum((w * xi for w, xi in zip(ws, x)), Value(0.0, label=f"layer0.neuron{n}.b"))
        act = act.tanh()
        out = act if out is None else out + act
    size = len(forward_order(out))
    with pytest.raises(GraphTooLarge, match=f"{size} values, more than max_nodes=20.*summary"):
        draw(out, max_nodes=20)
    src = draw(out, max_nodes=20, summary=True).source
    for n in range(4):
        assert f"layer0.neuron{n} |" in src
    assert "x0 | data 0.5" in src
    assert src.count("->") < size


def test_missing_dot_program_gives_an_install_hint(loss, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))          # a PATH with no dot on it
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        render_bytes(draw(loss), "png")
    assert render_bytes(draw(loss), "dot").startswith(b"digraph")    # DOT text needs no dot


def test_without_dot_on_path_jupyter_shows_one_line_not_a_traceback(loss, tmp_path,
                                                                   monkeypatch):
    # graphviz raised its raw ExecutableNotFound from the notebook's display hook
    monkeypatch.setenv("PATH", str(tmp_path))          # a PATH with no dot on it
    bundle = draw(loss)._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    text = bundle["text/plain"]
    assert text.count("\n") == 0 and text.startswith("(no picture) the Graphviz 'dot' program")
    assert "apt-get install graphviz" in text
    with pytest.raises(GraphvizMissing, match="brew install graphviz"):
        draw(loss).pipe(format="svg")                  # graphviz's own method, our message


def test_missing_python_package_says_what_to_install(loss, monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "graphviz":
            raise ImportError("no graphviz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[viz\]'"):
        draw(loss)


@pytest.mark.needs_dot
def test_backward_frames_one_image_per_step(loss, tmp_path):
    grads = {v: v.grad for v in forward_order(loss)}
    paths = draw_backward_frames(loss, str(tmp_path), format="svg")
    steps = explain(loss).backward
    assert len(paths) == len(steps) == 9
    assert [os.path.basename(p) for p in paths] == [f"frame_{i:03d}.svg" for i in range(1, 10)]
    first = open(paths[0], encoding="utf-8").read()
    assert "step 1 of 9: n5 = n4 ** 2" in first
    assert first.count("grad ·") == 7                                 # seed + step 1's input
    last = open(paths[-1], encoding="utf-8").read()
    assert "grad ·" not in last and "step 9 of 9: y, a leaf" in last
    assert {v: v.grad for v in forward_order(loss)} == grads          # graph untouched


def svg_size(path):
    import re
    with open(path, encoding="utf-8") as f:
        return re.search(r'<svg width="([^"]+)" height="([^"]+)"', f.read()).groups()


def png_size(path):
    import struct
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_MAGIC
    return struct.unpack(">II", head[16:24])


@pytest.mark.needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_every_frame_has_the_same_size_so_flipping_through_does_not_jump(loss, tmp_path,
                                                                          rankdir):
    # frames of this graph were 1254 to 1346 px wide: each "grad ·" became a longer number
    pngs = draw_backward_frames(loss, str(tmp_path / "png"), rankdir=rankdir)
    assert len({png_size(p) for p in pngs}) == 1
    svgs = draw_backward_frames(loss, str(tmp_path / "svg"), format="svg", rankdir=rankdir)
    assert len({svg_size(p) for p in svgs}) == 1
    x = Value(2.0, label="x")
    assert len({png_size(p) for p in draw_backward_frames(x * x + x, str(tmp_path / "fan"))}) == 1


@pytest.mark.needs_dot
def test_frames_caption_the_upstream_times_local_product_and_fill_the_step(tmp_path):
    # no frame showed ∂L/∂node × local; a leaf's frame changed only an outline
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(0.25, label="b")
    out = w * x + b
    paths = draw_backward_frames(out, str(tmp_path), format="svg")
    frames = [open(p, encoding="utf-8").read() for p in paths]
    step2 = frames[1]                       # n1 = w * x with ∂L/∂n1 = 1
    assert "step 2 of 5: n1 = w * x" in step2
    assert "∂L/∂n1 × ∂(w * x)/∂w = 1.0 × 2.0 = 2.0" in step2 and "∂L/∂w = 2.0" in step2
    assert "∂L/∂n1 × ∂(w * x)/∂x = 1.0 × 0.5 = 0.5" in step2 and "∂L/∂x = 0.5" in step2
    assert step2.count('fill="#fff2b3"') == 2            # w and x receive a contribution
    leaf = frames[2]                                     # w, a leaf: a filled step of its own
    assert "step 3 of 5: w, a leaf" in leaf and "backward() adds it to w.grad" in leaf
    assert leaf.count('fill="#f7c6c7"') == 1 and 'fill="#fff2b3"' not in leaf
    assert frames[3].count('fill="#f7c6c7"') == 1 and frames[3] != leaf
    x = Value(2.0, label="x")                            # fan-out: the running total
    fan = open(draw_backward_frames(x * x + x, str(tmp_path / "fan"), format="svg")[1],
               encoding="utf-8").read()
    assert "∂L/∂x = 1.0 + 2.0 = 3.0" in fan and "∂L/∂x = 3.0 + 2.0 = 5.0" in fan


@pytest.mark.needs_dot
def test_backward_frames_png_and_gif(tmp_path):
    pytest.importorskip("PIL")
    x = Value(2.0, label="x")
    paths = draw_backward_frames(x * x + x, str(tmp_path), gif=True)
    assert [os.path.basename(p) for p in paths] == \
        ["frame_001.png", "frame_002.png", "frame_003.png", "backward.gif"]
    with open(paths[0], "rb") as f:
        assert f.read(8) == PNG_MAGIC
    with open(paths[-1], "rb") as f:
        assert f.read(6) == b"GIF89a"
    from PIL import Image
    with Image.open(paths[-1]) as gif:
        assert (gif.n_frames, gif.size) == (3, png_size(paths[0]))
    svg = draw_backward_frames(x * x + x, str(tmp_path / "svg"), format="svg", gif=True)
    assert os.path.basename(svg[-1]) == "backward.gif"      # SVG frames get a GIF too
    with Image.open(svg[-1]) as gif:
        assert gif.n_frames == 3


def test_frames_as_dot_text_need_no_dot_program(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))          # a PATH with no dot on it
    x = Value(2.0, label="x")
    paths = draw_backward_frames(x * x, str(tmp_path / "f"), format="dot")
    assert [os.path.basename(p) for p in paths] == ["frame_001.dot", "frame_002.dot"]
    assert "step 1 of 2: n1 = x * x" in open(paths[0], encoding="utf-8").read()


def test_a_gif_without_pillow_says_what_to_install_before_writing_frames(loss, tmp_path,
                                                                        monkeypatch):
    real_import = builtins.__import__

    def no_pillow(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no PIL")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pillow)
    with pytest.raises(ImportError, match=r"backward.gif needs Pillow: pip install "
                                          r"'chainrule\[viz\]'"):
        draw_backward_frames(loss, str(tmp_path / "frames"), gif=True)
    assert not (tmp_path / "frames").exists()


def test_summary_is_honoured_at_any_size_and_plain_float_inputs_join_their_neuron():
    # summary=True was ignored up to 500 values: MLP(2, [16, 16, 1]) gave a 2403x21107 px PNG;
    # above 500, every plain-float input had a box of its own
    from nn import MLP
    for sizes, neurons in (([16, 16, 1], 33), ([32, 32, 1], 65)):
        net = MLP(2, sizes)
        out = net([0.5, -0.3])
        src = draw(out, summary=True).source
        assert src.count("shape=record") == neurons           # one box per neuron, no more
        assert "data 0.5" not in src and "L0.n0 | 7 values" in src   # 2 w, b, 2 inputs, Σ, tanh
    assert draw(out, summary=True, max_nodes=None).source == src


def power(n):
    """x*x*…*x with n factors: few nodes, but x feeds every product."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(n - 1):
        y = y * x
    return y


def test_edge_segments_count_each_rank_an_edge_crosses():
    # x*x*…*x: the k-th product's edge from x crosses 2k-1 ranks; n² - 1 segments in all
    for n in (2, 3, 10, 50):
        src = draw(power(n), max_edges=None).source
        edges = [tuple(line.split(" [")[0].strip().split(" -> "))
                 for line in src.splitlines() if " -> " in line]
        assert len(edges) == 3 * (n - 1)
        assert edge_segments(edges) == n * n - 1
    assert edge_segments([("a", "b"), ("b", "c"), ("d", "c")]) == 3      # d sits next to c
    assert edge_segments([]) == 0


def test_a_graph_that_would_keep_dot_busy_for_minutes_is_refused_before_dot_runs():
    # 500 factors (999 characters, inside the CLI's limits) ran 15 minutes inside dot.
    big = power(500)
    with pytest.raises(GraphTooLarge, match=r"1,497 edges cross 249,999 ranks in all, more "
                                            r"than max_edges=2,000.*x\*x\*…\*x"):
        draw(big)
    assert draw(power(40)).source            # 1,599 segments: drawn (dot takes ~0.4 s)
    from nn import MLP
    net = MLP(2, [16, 16, 1])
    assert draw(net([0.5, -0.3])).source     # a real network is nowhere near the bound


@pytest.mark.needs_dot
def test_a_slow_layout_is_stopped_at_the_timeout_with_a_clear_message():
    import time
    slow = draw(power(100), max_edges=None)   # dot needs more than two minutes for this one
    start = time.monotonic()
    with pytest.raises(GraphvizTimeout, match=r"did not finish laying out the graph within "
                                              r"0.5 s and was stopped"):
        render_bytes(slow, "svg", timeout=0.5)
    assert time.monotonic() - start < 10
    slow.timeout = 0.5                        # Jupyter's picture: one line, no traceback
    bundle = slow._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "within 0.5 s" in bundle["text/plain"]

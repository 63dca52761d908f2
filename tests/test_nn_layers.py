"""nn.layers: Neuron / Layer / MLP structure, seeded init, the seed networks, PyTorch check."""

import math
import random

import pytest

from autograd import Value
from nn import MLP, SGD, Layer, Neuron, mse


def set_weights(neuron, w, b):
    for p, x in zip(neuron.w, w, strict=True):
        p.data = float(x)
    neuron.b.data = float(b)


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# ---- structure ------------------------------------------------------------------------------

def test_mlp_parameters_names_labels_and_repr():
    m = MLP(2, [16, 16, 1])
    assert m.num_parameters() == 16 * 3 + 16 * 17 + 17 == 337
    names = [n for n, _ in m.named_parameters()]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b", "layers.0.neurons.1.w.0"]
    assert names[-1] == "layers.2.neurons.0.b"
    assert m.layers[1].neurons[3].w[5].label == "L1.n3.w5"
    assert m.layers[2].neurons[0].b.label == "L2.n0.b"
    assert repr(m).splitlines() == [
        "MLP(nin=2, sizes=[16, 16, 1], parameters=337)",
        "  (layers.0): Layer(nin=2, nout=16, activation='tanh')",
        "  (layers.1): Layer(nin=16, nout=16, activation='tanh')",
        "  (layers.2): Layer(nin=16, nout=1, activation='linear')"]
    assert m.config() == {"nin": 2, "sizes": [16, 16, 1],
                          "activations": ["tanh", "tanh", "linear"]}
    assert repr(Neuron(3, "relu")) == "Neuron(nin=3, activation='relu')"


def test_seeded_init_is_reproducible_and_documented():
    a, b, c = MLP(3, [4, 2], seed=7), MLP(3, [4, 2], seed=7), MLP(3, [4, 2], seed=8)
    assert a.state_dict() == b.state_dict() != c.state_dict()
    rng = random.Random(7)                      # uniform(-1, 1)/sqrt(nin), biases 0
    first = [rng.uniform(-1, 1) / math.sqrt(3) for _ in range(3)]
    assert [p.data for p in a.layers[0].neurons[0].w] == first
    assert all(n.b.data == 0.0 for layer in a.layers for n in layer.neurons)
    assert Neuron(2, seed=1).state_dict() == Neuron(2, rng=random.Random(1)).state_dict()


def test_neurons_built_one_after_another_differ_and_one_seed_reproduces_them():
    # Neuron(nin) always seeded Random(0): the lecture's [Neuron(nin) for _ in range(nout)]
    # gave identical neurons that could never learn different features.
    from nn import manual_seed

    manual_seed(5)
    first = [[p.data for p in Neuron(3).parameters()] for _ in range(4)]
    assert len({tuple(w) for w in first}) == 4
    assert len({tuple(n.state_dict().values()) for n in Layer(3, 4).neurons}) == 4
    manual_seed(5)
    random.seed(1)                              # Python's own generator: not ours
    random.random()
    assert [[p.data for p in Neuron(3).parameters()] for _ in range(4)] == first
    manual_seed(5)
    rng = random.Random(5)                      # the shared generator is Random(seed)
    assert [p.data for p in Neuron(3).w] == [rng.uniform(-1, 1) / math.sqrt(3)
                                              for _ in range(3)]
    random.seed(1)                              # random.seed does not reproduce our weights
    a = Neuron(3).state_dict()
    random.seed(1)
    assert Neuron(3).state_dict() != a
    assert MLP(2, [3, 1]).state_dict() == MLP(2, [3, 1]).state_dict()     # seed=0 by default
    assert MLP(2, [3, 1], seed=None).state_dict() != MLP(2, [3, 1], seed=None).state_dict()
    with pytest.raises(TypeError, match="manual_seed: seed must be an int, got 1.5"):
        manual_seed(1.5)
    with pytest.raises(TypeError, match="Neuron: seed must be an int, got 'a'"):
        Neuron(2, seed="a")


def test_micrograds_nonlin_keyword_is_refused_with_a_message_naming_activation():
    with pytest.raises(TypeError, match=r"Neuron: chainrule has no nonlin= \(micrograd's "
                                        r"keyword\): write activation='linear' for micrograd's "
                                        r"nonlin=False \(chainrule's default is "
                                        r"activation='tanh'\)"):
        Neuron(3, nonlin=False)
    with pytest.raises(TypeError, match=r"Layer: .*activation='relu' for micrograd's nonlin=True"):
        Layer(3, 2, nonlin=True)
    with pytest.raises(ValueError, match=r"unknown activation False \(micrograd's "
                                         r"nonlin=False is activation='linear' here\)"):
        Neuron(3, False)                        # micrograd's positional nonlin
    with pytest.raises(TypeError, match=r"Neuron\(\) got an unexpected keyword argument 'act'"):
        Neuron(3, act="relu")


def test_a_layer_of_one_neuron_returns_a_list_and_an_mlp_unwraps_it():
    assert [type(v) for v in Layer(2, 1, seed=0)([1.0, 2.0])] == [Value]
    assert isinstance(MLP(2, [1])([1.0, 2.0]), Value)


def test_activations_per_layer_and_outputs():
    m = MLP(2, [3, 2], activation=["relu", "sigmoid"])
    assert [layer.activation for layer in m.layers] == ["relu", "sigmoid"]
    out = m([0.5, -1.0])
    assert isinstance(out, list) and len(out) == 2 and all(0 < o.data < 1 for o in out)
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    n = Neuron(2, "linear")
    set_weights(n, [2.0, -3.0], 0.5)
    assert n([1.0, 1.0]).data == -0.5
    for act, f in (("tanh", math.tanh), ("sigmoid", sigmoid), ("relu", lambda z: max(z, 0.0))):
        n = Neuron(2, act)
        set_weights(n, [2.0, -3.0], 0.5)
        assert n([Value(1.0), Value(1.0)]).data == pytest.approx(f(-0.5), rel=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda: Neuron(0), "nin must be a positive int"),
    (lambda: Neuron(2, "swish"), "unknown activation 'swish'; choose one of tanh, relu"),
    (lambda: Layer(2, 0), "nout must be a positive int"),
    (lambda: MLP(2, []), "at least one layer size"),
    (lambda: MLP(2, [3, 2], activation=["relu"]), "1 activations for 2 layers"),
    (lambda: MLP(2, [4, 1])([1.0, 2.0, 3.0]), "Layer expects 2 inputs, got 3"),
    (lambda: Neuron(2)([1.0]), "Neuron expects 2 inputs, got 1"),
    (lambda: MLP(2, [3], activation="foo"), "unknown activation 'foo'"),   # one layer only
    (lambda: MLP(2, [3], out_activation="foo"), "unknown activation 'foo'"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: MLP(2, 3), r"MLP: sizes must be a list such as \[16, 1\], got 3"),
    (lambda: SGD(MLP(2, [1]), lr=0.1), r"SGD: pass model.parameters\(\), not the model"),
    (lambda: SGD(3, lr=0.1), "SGD: params must be a list of parameters"),
])
def test_wrong_argument_types_raise_clear_type_errors(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# ---- the seed network: 2 inputs, 2 sigmoid hidden neurons, 2 linear outputs, MSE ----------

def test_one_gradient_step_by_hand_equals_backward():
    x1, x2 = 0.05, 0.10
    t1, t2 = 0.01, 0.99
    w = [[0.15, 0.20], [0.25, 0.30]]           # hidden neuron j reads inputs i: w[j][i]
    b = [0.35, 0.35]
    v = [[0.40, 0.45], [0.50, 0.55]]           # output k reads hidden j: v[k][j]
    c = [0.60, 0.60]
    lr = 0.5

    net = MLP(2, [2, 2], activation=["sigmoid", "linear"])
    for j in range(2):
        set_weights(net.layers[0].neurons[j], w[j], b[j])
        set_weights(net.layers[1].neurons[j], v[j], c[j])
    out = net([x1, x2])
    loss = mse(out, [t1, t2])
    opt = SGD(net.parameters(), lr=lr)
    opt.zero_grad()
    loss.backward()

    # Forward:   z_j = w_j1 x1 + w_j2 x2 + b_j,  h_j = σ(z_j),  o_k = v_k1 h1 + v_k2 h2 + c_k
    #            L = ((o1 - t1)² + (o2 - t2)²) / 2
    z = [w[j][0] * x1 + w[j][1] * x2 + b[j] for j in range(2)]
    h = [sigmoid(zj) for zj in z]
    o = [v[k][0] * h[0] + v[k][1] * h[1] + c[k] for k in range(2)]
    t = [t1, t2]
    assert loss.data == pytest.approx(((o[0] - t1) ** 2 + (o[1] - t2) ** 2) / 2, abs=1e-15)
    # Backward:  ∂L/∂o_k = 2(o_k - t_k)/2 = o_k - t_k
    #            ∂L/∂v_kj = ∂L/∂o_k · h_j          ∂L/∂c_k = ∂L/∂o_k
    #            ∂L/∂h_j = Σ_k ∂L/∂o_k · v_kj
    #            ∂L/∂z_j = ∂L/∂h_j · σ(z_j)(1 - σ(z_j))
    #            ∂L/∂w_ji = ∂L/∂z_j · x_i         ∂L/∂b_j = ∂L/∂z_j
    d_o = [o[k] - t[k] for k in range(2)]
    d_v = [[d_o[k] * h[j] for j in range(2)] for k in range(2)]
    d_h = [d_o[0] * v[0][j] + d_o[1] * v[1][j] for j in range(2)]
    d_z = [d_h[j] * h[j] * (1 - h[j]) for j in range(2)]
    d_w = [[d_z[j] * x for x in (x1, x2)] for j in range(2)]
    hand = []
    for j in range(2):
        hand += [d_w[j][0], d_w[j][1], d_z[j]]
    for k in range(2):
        hand += [d_v[k][0], d_v[k][1], d_o[k]]
    before = [p.data for p in net.parameters()]
    grads = [p.grad for p in net.parameters()]
    assert grads == pytest.approx(hand, abs=1e-12)
    opt.step()                                  # one step: p ← p - lr·∂L/∂p
    assert [p.data for p in net.parameters()] == pytest.approx(
        [p - lr * g for p, g in zip(before, hand)], abs=1e-12)
    assert mse(net([x1, x2]), t).data < loss.data


# ---- the tower: 5 sigmoid neurons make a plateau over a rectangle ---------------------------

def tower(k=50.0, K=20.0, rect=(0.0, 1.0, 0.0, 2.0)):
    """Four steep sigmoids step up at x=a, x=b, y=c, y=d; the fifth neuron adds
    (step_a - step_b) + (step_c - step_d), ≈2 inside, ≈1 on a band, ≈0 elsewhere, and
    thresholds it at 1.5: σ(K·(sum - 1.5)) ≈ 1 inside the rectangle, ≈ 0 outside."""
    a, b, c, d = rect
    steps = Layer(2, 4, "sigmoid")
    for n, (w, t) in zip(steps.neurons, (([k, 0], a), ([k, 0], b), ([0, k], c), ([0, k], d))):
        set_weights(n, w, -k * t)
    top = Neuron(4, "sigmoid")
    set_weights(top, [K, -K, K, -K], -1.5 * K)
    return lambda x, y: top(steps([x, y]))


def tower_by_hand(x, y, k=50.0, K=20.0, rect=(0.0, 1.0, 0.0, 2.0)):
    a, b, c, d = rect
    s = [sigmoid(k * (x - a)), sigmoid(k * (x - b)), sigmoid(k * (y - c)), sigmoid(k * (y - d))]
    return sigmoid(K * (s[0] - s[1] + s[2] - s[3]) - 1.5 * K)


@pytest.mark.parametrize("x, y, inside", [
    (0.5, 1.0, True), (0.2, 0.3, True), (0.8, 1.7, True),
    (-0.5, 1.0, False), (1.5, 1.0, False), (0.5, -0.5, False), (0.5, 2.5, False),
    (3.0, 3.0, False), (-2.0, -2.0, False), (1.5, -1.0, False),
])
def test_tower_function_plateau(x, y, inside):
    f = tower()
    out = f(x, y).data
    assert out == pytest.approx(tower_by_hand(x, y), abs=1e-15)
    if inside:
        assert out > 0.999
    else:
        assert out < 1e-3


def test_tower_gradient_is_flat_on_the_plateau_and_steep_at_the_edge():
    f = tower()
    x, y = Value(0.5), Value(1.0)
    f(x, y).backward()
    assert abs(x.grad) < 1e-6 and abs(y.grad) < 1e-6
    x, y = Value(0.999), Value(1.0)             # on the right edge x = b = 1
    f(x, y).backward()
    assert x.grad < -10.0


# ---- PyTorch cross-check --------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_mlp_gradients_match_pytorch(activation):
    torch = pytest.importorskip("torch")
    rng = random.Random(3)
    net = MLP(3, [5, 4, 2], activation=activation, seed=11)
    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(6)]
    T = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(6)]
    loss = mse([o for x in X for o in net(x)], [t for row in T for t in row])
    loss.backward()

    act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
    tw = [(torch.tensor([[p.data for p in n.w] for n in layer.neurons], dtype=torch.float64,
                        requires_grad=True),
           torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64,
                        requires_grad=True)) for layer in net.layers]
    h = torch.tensor(X, dtype=torch.float64)
    for i, (W, b) in enumerate(tw):
        h = h @ W.T + b
        if i < len(tw) - 1:
            h = act(h)
    tloss = ((h - torch.tensor(T, dtype=torch.float64)) ** 2).mean()
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    for layer, (W, b) in zip(net.layers, tw):
        for j, n in enumerate(layer.neurons):
            assert [p.grad for p in n.w] == pytest.approx(W.grad[j].tolist(), rel=1e-10,
                                                         abs=1e-14)
            assert n.b.grad == pytest.approx(b.grad[j].item(), rel=1e-10, abs=1e-14)

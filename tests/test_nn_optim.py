"""nn.optim: SGD and Adam by hand, on Values and on tensor-like parameters, checkpoints."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import SGD, Adam, ModelFileError
from nn_check import check_grads


class FakeTensor:
    """A tensor-like parameter: flat ``data`` list, ``shape``, ``grad`` a FakeTensor or None."""

    def __init__(self, data, shape=None):
        self.data = [float(x) for x in data]
        self.shape = (len(self.data),) if shape is None else tuple(shape)
        self.grad = None


def with_grads(values, grads):
    out = []
    for x, g in zip(values, grads):
        v = Value(x)
        v.grad = g
        out.append(v)
    return out


# ---- SGD ------------------------------------------------------------------------------------

def test_sgd_plain_step_by_hand():
    a, b = with_grads([1.0, -2.0], [0.5, -4.0])
    SGD([a, b], lr=0.25).step()
    assert (a.data, b.data) == (1.0 - 0.25 * 0.5, -2.0 + 0.25 * 4.0)


def test_sgd_momentum_and_weight_decay_by_hand():
    (x,) = with_grads([2.0], [1.0])
    opt = SGD([x], lr=0.5, momentum=0.5, weight_decay=0.25)
    opt.step()              # g = 1 + 0.25·2 = 1.5; v = 1.5; x = 2 - 0.75 = 1.25
    assert x.data == 1.25
    x.grad = 1.0
    opt.step()              # g = 1 + 0.3125 = 1.3125; v = 0.75 + 1.3125 = 2.0625; x -= 1.03125
    assert x.data == 1.25 - 0.5 * 2.0625
    assert opt.steps == 2


def test_sgd_step_follows_the_checked_gradient():
    def f(vs):
        return vs[0].sin() * vs[1] ** 2 + (vs[0] * 0.3).exp()

    xs = [0.7, -1.3]
    check_grads(f, xs)                  # backward() agrees with central differences here ...
    vs = [Value(x) for x in xs]
    f(vs).backward()
    grads = [v.grad for v in vs]
    SGD(vs, lr=0.1).step()              # ... and one step moves by exactly -lr times it
    assert [v.data for v in vs] == [x - 0.1 * g for x, g in zip(xs, grads)]


def test_sgd_on_tensor_like_parameters_updates_in_place():
    t = FakeTensor([1.0, 2.0, 3.0, 4.0], (2, 2))
    skipped = FakeTensor([5.0])
    data = t.data
    opt = SGD([t, skipped], lr=0.5)
    t.grad = FakeTensor([1.0, -1.0, 0.0, 2.0], (2, 2))
    opt.step()
    assert t.data is data and t.data == [0.5, 2.5, 3.0, 3.0]
    assert skipped.data == [5.0]                # grad None: not touched
    opt.zero_grad()
    assert t.grad is None


# ---- Adam -----------------------------------------------------------------------------------

def test_adam_two_steps_by_hand():
    (x,) = with_grads([1.0], [2.0])
    opt = Adam([x], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    opt.step()              # m = 1, v = 1; m̂ = 1/0.5 = 2, v̂ = 1/0.25 = 4; x -= 0.1·2/2
    assert x.data == 0.9
    x.grad = -1.0           # m = 0.5 - 0.5 = 0; x unchanged
    opt.step()
    assert x.data == 0.9
    assert opt.m[0] == [0.0] and opt.v[0] == [0.75 * 1.0 + 0.25 * 1.0]


def test_adam_first_step_moves_each_coordinate_by_lr():
    t = FakeTensor([0.0, 0.0, 0.0])
    t.grad = FakeTensor([3.0, -0.001, 1e4])
    Adam([t], lr=0.01, eps=0.0).step()          # m̂/√v̂ = g/|g| at step 1
    assert t.data == pytest.approx([-0.01, 0.01, -0.01], rel=1e-12)


def test_adam_weight_decay_is_added_to_the_gradient():
    (x,) = with_grads([2.0], [0.0])
    Adam([x], lr=0.1, weight_decay=0.5, eps=0.0).step()     # g = 0.5·2 = 1 → x -= 0.1
    assert x.data == pytest.approx(1.9, rel=1e-15)


def test_adam_matches_pytorch():
    torch = pytest.importorskip("torch")
    xs = [0.5, -1.5, 2.0]
    vs = [Value(x) for x in xs]
    tx = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    opt = Adam(vs, lr=0.05, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.1)
    topt = torch.optim.Adam([tx], lr=0.05, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.1)
    for _ in range(5):
        opt.zero_grad()
        sum((v * v * v + v.sin() for v in vs), Value(0.0)).backward()
        opt.step()
        topt.zero_grad()
        (tx ** 3 + tx.sin()).sum().backward()
        topt.step()
    assert [v.data for v in vs] == pytest.approx(tx.tolist(), rel=1e-12)


# ---- scalar and tensor parameters take identical steps (property) ---------------------------

@given(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=1, max_size=5),
       st.sampled_from(["sgd", "momentum", "adam"]), st.integers(1, 4))
def test_scalar_and_tensor_parameters_update_identically(pairs, kind, steps):
    xs = [x for x, _ in pairs]
    gs = [g for _, g in pairs]
    make = {"sgd": lambda p: SGD(p, lr=0.1, weight_decay=0.01),
            "momentum": lambda p: SGD(p, lr=0.1, momentum=0.9),
            "adam": lambda p: Adam(p, lr=0.1, weight_decay=0.01)}[kind]
    scalars = [Value(x) for x in xs]
    tensor = FakeTensor(xs)
    a, b = make(scalars), make([tensor])
    for k in range(steps):
        for v, g in zip(scalars, gs):
            v.grad = g * (k + 1)
        tensor.grad = FakeTensor([g * (k + 1) for g in gs])
        a.step()
        b.step()
    assert [v.data for v in scalars] == tensor.data


# ---- checkpoints ----------------------------------------------------------------------------

def test_state_dict_json_roundtrip_resumes_exactly():
    def run(opt, params, ks):
        for k in ks:
            for i, p in enumerate(params):
                p.grad = math.cos(p.data + i + k)
            opt.step()

    ps = [Value(0.3), Value(-0.7)]
    opt = Adam(ps, lr=0.05)
    run(opt, ps, range(3))
    saved = json.loads(json.dumps(opt.state_dict()))
    qs = [Value(p.data) for p in ps]
    run(opt, ps, range(3, 5))
    opt2 = Adam(qs, lr=0.05)
    opt2.load_state_dict(saved)
    assert opt2.steps == 3
    run(opt2, qs, range(3, 5))
    assert [q.data for q in qs] == [p.data for p in ps]


def test_sgd_state_dict_contents():
    (x,) = with_grads([1.0], [2.0])
    opt = SGD([x], lr=0.1, momentum=0.9)
    opt.step()
    assert opt.state_dict() == {"type": "SGD", "steps": 1, "buffers": {"velocity": [[2.0]]},
                                "hyperparameters": {"lr": 0.1, "momentum": 0.9,
                                                    "weight_decay": 0.0}}


@pytest.mark.parametrize("mutate, message", [
    (lambda s: s.update(type="SGD"), "not a Adam state"),
    (lambda s: s.update(steps=-1), "bad step count"),
    (lambda s: s["buffers"].update(m=[[0.0]]), "one entry per parameter"),
    (lambda s: s["buffers"].update(v=[[1.0, 2.0], None]), "does not fit"),
    (lambda s: s["buffers"].pop("v"), "buffers"),
    (lambda s: s["hyperparameters"].pop("eps"), "hyperparameters"),
    (lambda s: s["hyperparameters"].update(lr="abc"), "lr must be a finite number"),
    (lambda s: s["hyperparameters"].update(lr=-5), "lr must be >= 0"),
    (lambda s: s["hyperparameters"].update(eps=float("inf")), "eps must be a finite number"),
    (lambda s: s["hyperparameters"].update(betas=[0.9]), "betas must be a pair"),
    (lambda s: s["hyperparameters"].update(betas=[0.9, 1.5]), r"betas\[1\] must be < 1.0"),
    (lambda s: s["hyperparameters"].update(weight_decay=True), "weight_decay must be"),
])
def test_bad_optimizer_state_raises_and_changes_nothing(mutate, message):
    ps = [Value(1.0), Value(2.0)]
    opt = Adam(ps, lr=0.1)
    for p in ps:
        p.grad = 1.0
    opt.step()
    state = opt.state_dict()
    before = json.dumps(state)
    mutate(state)
    with pytest.raises(ModelFileError, match=message):
        opt.load_state_dict(state)
    assert json.dumps(opt.state_dict()) == before


@pytest.mark.parametrize("hyper", [{"lr": "abc"}, {"lr": -5}, {"momentum": -0.5},
                                   {"weight_decay": float("nan")}])
def test_sgd_state_with_bad_hyperparameter_values_is_refused(hyper):
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    state = opt.state_dict()
    state["hyperparameters"].update(hyper)
    with pytest.raises(ModelFileError, match="SGD.load_state_dict: SGD: "):
        opt.load_state_dict(state)
    assert opt.hyperparameters() == {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.0}


@pytest.mark.parametrize("call, message", [
    (lambda: SGD([], lr=0.1), "no parameters"),
    (lambda: SGD([Value(1.0)], lr=-1), "lr must be >= 0"),
    (lambda: SGD([Value(1.0)], lr=float("nan")), "lr must be a finite number"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), r"betas\[1\] must be < 1.0"),
    (lambda: Adam([Value(1.0)], betas=0.9), "betas must be a pair"),
    (lambda: SGD([1.0], lr=0.1), "not a parameter"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_shared_parameters_are_updated_once():
    x = Value(1.0)
    x.grad = 1.0
    SGD([x, x], lr=0.5).step()
    assert x.data == 0.5


def test_sgd_and_adam_updates_are_the_formulas_term_for_term():
    """The map()-based updates compute exactly the documented formulas (no reassociation)."""
    import math
    import random

    from autograd import Tensor
    from nn import SGD, Adam

    rng = random.Random(5)
    x0 = [rng.uniform(-2, 2) for _ in range(50)]
    grads = [[rng.uniform(-1, 1) for _ in range(50)] for _ in range(4)]
    for make in (lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
                 lambda p: Adam(p, lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.02)):
        p = Tensor(list(x0), (50,), requires_grad=True)
        opt = make([p])
        x, vel, m, v = list(x0), None, [0.0] * 50, [0.0] * 50
        for t, g in enumerate(grads, 1):
            p.grad = Tensor(list(g), (50,))
            opt.step()
            if isinstance(opt, SGD):
                g = [gj + 0.01 * xj for gj, xj in zip(g, x)]
                vel = list(g) if vel is None else [0.9 * vj + gj for vj, gj in zip(vel, g)]
                x = [xj - 0.1 * vj for xj, vj in zip(x, vel)]
            else:
                g = [gj + 0.02 * xj for gj, xj in zip(g, x)]
                m = [0.8 * mj + (1.0 - 0.8) * gj for mj, gj in zip(m, g)]
                v = [0.95 * vj + (1.0 - 0.95) * gj * gj for vj, gj in zip(v, g)]
                c1, c2 = 1.0 - 0.8 ** t, 1.0 - 0.95 ** t
                x = [xj - 0.01 * (mj / c1) / (math.sqrt(vj / c2) + 1e-6)
                     for xj, mj, vj in zip(x, m, v)]
            assert p.data == x, (type(opt).__name__, t)

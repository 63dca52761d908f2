"""A small local hypothesis strategy: random expressions as replayable programs.

A program is ``(leaf values, instructions)``; each instruction ``(op, i, j)`` applies an op to
two earlier results (picked by index modulo the pool size, so fan-out is common). Replaying
the same program on Values or on Duals builds the same expression, so reverse mode, forward
mode and explain can be compared. Guards keep every step inside its op's domain and away
from overflow; a guarded-out step falls back to ``a + b``. (``autograd.testing`` may later
offer public strategies that replace this one.)
"""

from hypothesis import strategies as st

_STEPS = {
    "add": (lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, lambda a, b: abs(a.item() * b.item()) < 1e3),
    "div": (lambda a, b: a / b, lambda a, b: abs(b.item()) > 0.1),
    "radd": (lambda a, b: 1.5 + a, None),
    "rmul": (lambda a, b: a * -0.5, None),
    "neg": (lambda a, b: -a, None),
    "square": (lambda a, b: a ** 2, lambda a, b: abs(a.item()) < 30),
    "cube": (lambda a, b: a ** 3, lambda a, b: abs(a.item()) < 10),
    "pow": (lambda a, b: a ** b, lambda a, b: 0.1 < a.item() < 10 and abs(b.item()) < 3),
    "tanh": (lambda a, b: a.tanh(), None),
    "sigmoid": (lambda a, b: a.sigmoid(), None),
    "exp": (lambda a, b: a.exp(), lambda a, b: a.item() < 5),
    "log": (lambda a, b: a.log(), lambda a, b: a.item() > 0.1),
    "sqrt": (lambda a, b: a.sqrt(), lambda a, b: a.item() > 0.1),
    "sin": (lambda a, b: a.sin(), None),
    "cos": (lambda a, b: a.cos(), None),
    "softplus": (lambda a, b: a.softplus(), lambda a, b: abs(a.item()) < 30),
    "relu": (lambda a, b: a.relu(), None),
    "abs": (lambda a, b: abs(a), None),
    "max": (lambda a, b: a.max(b), None),
    "min": (lambda a, b: a.min(b), None),
}


@st.composite
def programs(draw, max_leaves=4, max_steps=12):
    values = draw(st.lists(st.floats(-2, 2, allow_nan=False).map(lambda x: round(x, 3)),
                           min_size=1, max_size=max_leaves))
    steps = draw(st.lists(st.tuples(st.sampled_from(sorted(_STEPS)),
                                    st.integers(0, 99), st.integers(0, 99)),
                          min_size=1, max_size=max_steps))
    return values, steps


def run(program, leaves):
    """Replay ``program`` on ``leaves`` (Values or Duals, one per leaf value); the result of
    the last step is the output."""
    pool = list(leaves)
    for name, i, j in program[1]:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        apply, guard = _STEPS[name]
        if guard is not None and not guard(a, b):
            apply = _STEPS["add"][0]
        pool.append(apply(a, b))
    return pool[-1]

"""The Tensor engine's hot loops: the one place for speed tricks.

Everything here works on plain Python data: a matrix is a flat row-major list of floats plus its
sizes, or a list of rows. No function here builds graph nodes; ``autograd.tensor`` calls these
for forward values and for gradients.

Why these loops are fast in pure CPython (measured on Python 3.11):

* **Allocation is the cost.** Every float result is a new object (~30-70 ns). Loops that run in
  C *without* creating a float per element (``math.dist``, ``math.hypot``, ``sum``, ``zip``)
  are 5-10x cheaper per element than ``sum(map(operator.mul, a, b))``.
* **Dot products through ``math.dist``** (see :func:`dot_rows`). ``math.dist`` converts a list
  argument to a tuple on every call, so rows are kept as *tuples* (``zip(*rows)`` makes them).
* **Sparse input rows** (MNIST is ~81% zeros): a row is its nonzero ``(indices, values)``;
  ``X @ W`` touches only the weight rows of nonzero pixels (:func:`sparse_matmul`).
* No per-element Python indexing; lists beat ``array('d')`` (every read of an array boxes a
  float).
"""

import math
from collections import deque
from functools import partial
from itertools import chain, repeat
from operator import add, mul, sub

_dist = math.dist
_hypot = math.hypot
_tanh = math.tanh
_exp = math.exp
_log = math.log
_drain = partial(deque, maxlen=0)

# Relative error bound of one ``dot_rows`` entry, in units of (|a|² + |b|²)/2 (see dot_rows).
DOT_ERROR = 8 * 2.0 ** -52


# ---- layout ------------------------------------------------------------------------------------

def tuple_rows(flat, ncols):
    """The same rows as tuples (what :func:`dot_rows` wants: ``math.dist`` takes tuples as is)."""
    return [tuple(flat[i:i + ncols]) for i in range(0, len(flat), ncols)]


def columns(flat, ncols):
    """The columns of a flat matrix as tuples: ``zip(*rows)`` is a C loop with no new floats."""
    return list(zip(*[flat[i:i + ncols] for i in range(0, len(flat), ncols)]))


def transpose(flat, nrows, ncols):
    """Flat row-major transpose of an ``nrows × ncols`` matrix."""
    if nrows == 1 or ncols == 1:
        return list(flat)
    return list(chain.from_iterable(columns(flat, ncols)))


def sq_norms(rows):
    """|r|² of each row. ``math.hypot`` is a C loop (correctly rounded to within an ulp)."""
    return [_hypot(*r) ** 2 for r in rows]


# ---- dense matrix products ---------------------------------------------------------------------

def dot_rows(a_rows, b_rows, a_norms=None, b_norms=None):
    """All dot products ``C[i][j] = a_i · b_j`` as one flat row-major list (``A @ Bᵀ``).

    Trick: a · b = (|a|² + |b|² − |a − b|²) / 2. ``math.dist(a, b)`` = |a − b| runs in C over
    raw doubles without creating a float per element (~8 ns/element on tuples, against ~30-60 ns
    for ``sum(map(mul, a, b))``), and the squared norms are computed once per row, not once per
    pair. Pass tuples: ``math.dist`` copies any other sequence into a tuple on every call.

    Error: ``dist`` and ``hypot`` are accurate to about one ulp, so each entry is within
    ``DOT_ERROR · (|a|² + |b|²) / 2`` (≈ 1.8e-15 of the squared norms) of the exact dot product —
    an absolute error set by the norms, not by the result: a dot product near zero between long
    vectors keeps only that absolute accuracy. Use :func:`dot_rows_exact` when that matters.
    """
    if a_norms is None:
        a_norms = sq_norms(a_rows)
    if b_norms is None:
        b_norms = sq_norms(b_rows)
    half_b = [n * 0.5 for n in b_norms]
    out = []
    extend = out.extend
    for a, na in zip(a_rows, a_norms):
        h = na * 0.5
        extend([h + hb - d * d * 0.5 for hb, d in zip(half_b, map(_dist, repeat(a), b_rows))])
    return out


def dot_rows_exact(a_rows, b_rows):
    """The same as :func:`dot_rows` with plain multiply-and-add (the reference; ~5x slower)."""
    out = []
    extend = out.extend
    for a in a_rows:
        extend([sum(map(mul, a, b)) for b in b_rows])
    return out


# Products with at most this many multiply-adds are computed exactly (plain sums of products):
# they take well under a millisecond either way, and small teaching examples then show exact
# numbers (1.0, not 1.0000000000000002). Larger ones use the dist trick.
EXACT_BELOW = 20_000


def products(a_rows, b_rows):
    """``A @ Bᵀ`` as a flat list: :func:`dot_rows_exact` for small problems (``EXACT_BELOW``
    multiply-adds), :func:`dot_rows` otherwise."""
    k = len(a_rows[0]) if a_rows else 0
    if len(a_rows) * len(b_rows) * k <= EXACT_BELOW:
        return dot_rows_exact(a_rows, b_rows)
    return dot_rows(a_rows, b_rows)


def matmul(a, n, k, b, m):
    """``A @ B`` for flat row-major ``A`` (n × k) and ``B`` (k × m): a flat n × m list."""
    return products(tuple_rows(a, k), columns(b, m))


# ---- sparse input rows -------------------------------------------------------------------------

# Below this share of nonzeros the gather-based sparse product wins; above it the dense one does
# (a gathered element costs zip + dist + hypot ≈ 3 dense dist elements).
SPARSE_DENSITY = 0.3


def densify(rows, ncols):
    """Sparse rows ``[(indices, values), ...]`` as dense tuples of ``ncols`` floats.

    ``map(r.__setitem__, indices, values)`` scatters a row's values in a C loop; ``deque(...,
    maxlen=0)`` just drains the map."""
    out = []
    for idx, vals in rows:
        r = [0.0] * ncols
        _drain(map(r.__setitem__, idx, vals))
        out.append(tuple(r))
    return out


def sparse_matmul(rows, ncols, w, m, dense=None):
    """``X @ W`` for sparse rows X (each ``(indices, values)``, ``ncols`` wide) and flat W
    (ncols × m): a flat ``len(rows) × m`` list.

    Sparse path: for one row, ``zip(*[W[i] for i in indices])`` gathers the m columns of W
    restricted to the row's nonzero entries (a C loop, no new floats); each output is then the
    dist-trick dot product of the row's values with one gathered column. Work ∝ nonzeros.
    Denser inputs (more than ``SPARSE_DENSITY`` nonzero) and small problems go through
    :func:`products` on the dense rows (``dense``: the rows from :func:`densify`, if known).
    """
    nnz = sum(len(idx) for idx, _ in rows)
    if nnz > SPARSE_DENSITY * ncols * max(len(rows), 1) or nnz * m <= EXACT_BELOW:
        return products(dense or densify(rows, ncols), columns(w, m))
    w_rows = tuple_rows(w, m)
    out = []
    extend = out.extend
    getrow = w_rows.__getitem__
    for idx, vals in rows:
        if not idx:
            extend([0.0] * m)
            continue
        cols = list(zip(*map(getrow, idx)))          # m tuples: W[idx, j]
        vals = tuple(vals)
        h = _hypot(*vals) ** 2 * 0.5
        extend([h + _hypot(*c) ** 2 * 0.5 - d * d * 0.5
                for c, d in zip(cols, map(_dist, repeat(vals), cols))])
    return out


def sparse_t_matmul(dense, g, m):
    """``Xᵀ @ G`` for an input batch X (``dense``: n row tuples, ``ncols`` wide, from
    :func:`densify`) and a flat G (n × m): the weight gradient ``dW = Xᵀ·dH`` of ``X @ W``, as a
    flat ``ncols × m`` list.

    ``zip(*dense)`` transposes X in C; entries whose column is zero over the whole batch
    (``any`` is a C loop too) get a zero gradient row without any arithmetic; the others are
    dist-trick dot products of the column with each column of G.
    """
    xt = list(zip(*dense))
    active = [i for i, col in enumerate(xt) if any(col)]
    out = [0.0] * (len(xt) * m)
    if not active:
        return out
    if len(active) == len(xt):
        return products(xt, columns(g, m))
    block = products([xt[i] for i in active], columns(g, m))
    for k, i in enumerate(active):
        out[i * m:(i + 1) * m] = block[k * m:(k + 1) * m]
    return out


# ---- optimizer helper --------------------------------------------------------------------------

def axpy(y, a, x):
    """``y + a·x`` elementwise (the SGD update ``w - lr·g`` is ``axpy(w, -lr, g)``)."""
    return list(map(add, y, map(mul, x, repeat(a))))


# ---- fast elementwise paths (each checked against autograd.ops.OPS by the tests) ---------------

def tanh_forward(x):
    """tanh(x): ``map`` of the C function ``math.tanh``."""
    return list(map(_tanh, x))


def tanh_backward(out, g):
    """g · (1 − tanh²), written as the op table writes it (so the two agree exactly)."""
    return [gi * (1.0 - o * o) for gi, o in zip(g, out)]


def relu_forward(x):
    """max(0, x)."""
    return [v if not v <= 0.0 else 0.0 for v in x]       # relu(nan) is nan, as in the table


def relu_backward(x, g):
    """g where x > 0, else 0."""
    return [gi if v > 0.0 else 0.0 for gi, v in zip(g, x)]


def add_same(a, b):
    """a + b, same shape."""
    return list(map(add, a, b))


def sub_same(a, b):
    """a − b, same shape."""
    return list(map(sub, a, b))


def mul_same(a, b):
    """a · b, same shape."""
    return list(map(mul, a, b))


# ---- row-wise softmax --------------------------------------------------------------------------

def _shifted_exps(row):
    """(max, [exp(x − max) for x in row]): every exponent ≤ 0, so nothing overflows."""
    mx = max(row)
    return mx, [_exp(v - mx) for v in row]


def log_softmax_rows(flat, ncols):
    """log softmax of each row: x − max − log Σ exp(x − max)."""
    out = []
    for i in range(0, len(flat), ncols):
        r = flat[i:i + ncols]
        mx, e = _shifted_exps(r)
        lse = mx + _log(sum(e))
        out.extend([v - lse for v in r])
    return out


def softmax_rows(flat, ncols):
    """softmax of each row: exp(x − max) / Σ exp(x − max)."""
    out = []
    for i in range(0, len(flat), ncols):
        _, e = _shifted_exps(flat[i:i + ncols])
        s = 1.0 / sum(e)
        out.extend([v * s for v in e])
    return out

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

Accuracy: every product entry is within ``DOT_TOL`` (1e-12) · |a| · |b| of the exact dot product
of its row and column, whatever the operands' scales (see THE GUARANTEE below): the norms the
dist trick needs anyway say when it could lose more, and then a row is rescaled or computed
exactly.
"""

import math
from collections import deque
from functools import partial
from itertools import chain, repeat, starmap
from operator import add, itemgetter, mul, sub

_dist = math.dist
_hypot = math.hypot
_fsum = math.fsum
_tanh = math.tanh
_exp = math.exp
_log = math.log
_drain = partial(deque, maxlen=0)

# ---- the accuracy every product kernel here keeps ------------------------------------------------
#
# THE GUARANTEE: every entry of a matrix product (dot_rows, products, matmul, sparse_matmul,
# sparse_t_matmul) is within DOT_TOL · |a| · |b| of the exact dot product a · b of its row and
# column (|.|: Euclidean norms; plus k·2⁻¹⁰⁷⁴ where terms underflow into subnormal floats, as in
# any float sum), and exactly 0 when a or b is zero. Plain left-to-right float sums
# give k·2⁻⁵³·|a|·|b| at worst (k terms), so this is as good as plain sums for k up to 9,000.
# (Relative to |a · b| itself no method short of exact arithmetic can promise anything when
# a · b nearly cancels.)
#
# The dist trick (dot_rows) is within DOT_ERROR · (|a|² + |b|²)/2: math.hypot and math.dist are
# within 1 ulp (2⁻⁵² relative) since Python 3.10; |a|² then carries 5·2⁻⁵³, |a − b|² 7·2⁻⁵³ (the
# componentwise differences are rounded too), the additions 2·2⁻⁵³ more, and |a − b|² ≤ 2(|a|²
# + |b|²), so 21·2⁻⁵³ = 10.5·2⁻⁵² to first order; DOT_ERROR rounds that up to 12·2⁻⁵².
# That bound is within DOT_TOL·|a|·|b| only while |b|²/|a|² stays inside [1/DOT_RATIO,
# DOT_RATIO]: (1 + t)/2 · DOT_ERROR ≤ DOT_TOL·√t for t = |b|²/|a|². Outside it (operands of very
# different scale: pixels 0..255 against weights of 1e-4, one matrix times 1e6), a row is
# first scaled by a power of two (exact: no rounding) that brings its norm into the middle of
# the columns' norms; a pair still outside the window, or with a norm that could overflow or
# underflow, gets an exact dot product (math.fsum of the products: within 2·2⁻⁵³·|a|·|b|).
DOT_ERROR = 12 * 2.0 ** -52
DOT_TOL = 1e-12
_Q = 2 * DOT_TOL / DOT_ERROR
DOT_RATIO = 0.99 * ((_Q + math.sqrt(_Q * _Q - 4)) / 2) ** 2     # ≈ 5.6e5; 1% margin
_TINY, _HUGE = 2.0 ** -900, 2.0 ** 900        # squared norms safe from underflow/overflow
# Plain sums of up to this many products keep DOT_TOL (k·2⁻⁵³ ≤ 1e-12); longer ones use fsum.
SUM_EXACT_K = 8192


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
    """|r|² of each row. ``math.hypot`` is a C loop (within an ulp). Squared as ``h * h``, the
    way the trick squares ``math.dist``: ``h ** 2`` (libm's pow) can differ from it by an ulp,
    and then a column of zeros would not give exactly 0."""
    norms = list(starmap(_hypot, rows))
    return list(map(mul, norms, norms))


# ---- dense matrix products ---------------------------------------------------------------------

def dot_rows(a_rows, b_rows, a_norms=None, b_norms=None, sgd=None):
    """All dot products ``C[i][j] = a_i · b_j`` as one flat row-major list (``A @ Bᵀ``), each
    within ``DOT_TOL · |a_i| · |b_j|`` of the exact value (see the guarantee above).

    ``sgd=(w, offsets, lr)`` applies the products instead of returning them: row ``i`` of C is
    the gradient of ``w[offsets[i]:offsets[i] + len(b_rows)]``, which becomes ``w − C_i·lr``
    in place, in the same pass (the same roundings, so bit for bit ``axpy(w, -lr, C)`` on
    those rows); returns None.

    Trick: a · b = (|a|² + |b|² − |a − b|²) / 2. ``math.dist(a, b)`` = |a − b| runs in C over
    raw doubles without creating a float per element (~8 ns/element on tuples, against ~30-60 ns
    for ``sum(map(mul, a, b))``), and the squared norms are computed once per row, not once per
    pair. Pass tuples: ``math.dist`` copies any other sequence into a tuple on every call.

    Its error, ``DOT_ERROR · (|a|² + |b|²) / 2``, is set by the norms, not by the result, so the
    norms (known anyway) decide first. When every |b|²/|a|² is within ``DOT_RATIO`` the trick
    keeps ``DOT_TOL`` as it is (MNIST's forward products). Otherwise the smaller matrix is
    multiplied by a power of two 2**S (exact) that puts the middle of its norms on the middle of
    the other's, and the results by 2**-S (folded into the halved norms: no extra work per
    entry); this alone fixes a matrix times 1e6, or pixels against small gradients (MNIST's
    weight gradients). Rows still outside the window go through :class:`_Careful`.
    """
    if a_norms is None:
        a_norms = sq_norms(a_rows)
    if b_norms is None:
        b_norms = sq_norms(b_rows)
    lo, hi = _norm_range(b_rows, b_norms)
    shift = 0
    a_src, b_src = a_rows, b_rows                 # unscaled, for the exact fallback
    if a_norms and not (_TINY <= lo and hi <= _HUGE
                        and hi / DOT_RATIO <= min(a_norms) and max(a_norms) <= lo * DOT_RATIO):
        shift = _balance(a_norms, b_norms)
        if shift and len(b_rows) <= len(a_rows):            # scale the smaller side
            b_rows, b_norms = _scaled(b_rows, shift)
            lo, hi = _norm_range(b_rows, b_norms)
        elif shift:
            a_rows, a_norms = _scaled(a_rows, -shift)
            shift = -shift
    inv = 2.0 ** -shift                                # the products carry 2**shift
    half_b = [n * 0.5 * inv for n in b_norms]         # |b|²/2, times the result's 2**-shift
    c = 0.5 * inv
    top, bottom = lo * DOT_RATIO, hi / DOT_RATIO       # a row's |a|² must lie in [bottom, top]
    b_fine = _TINY <= lo and hi <= _HUGE
    out = []
    extend = out.extend
    careful = None
    w, offsets, lr = sgd if sgd is not None else (None, None, None)
    m = len(b_rows)
    for i, (a, na) in enumerate(zip(a_rows, a_norms)):
        if b_fine and bottom <= na <= top:
            h = na * c
            dists = map(_dist, repeat(a), b_rows)
            if w is None:
                extend([h + hb - d * d * c for hb, d in zip(half_b, dists)])
            else:                           # x − g·lr with g written as in the line above
                o = offsets[i]
                w[o:o + m] = [x - (h + hb - d * d * c) * lr
                              for x, hb, d in zip(w[o:o + m], half_b, dists)]
            continue
        if careful is None:
            careful = _Careful(b_rows, b_norms, lo, hi, shift, b_src)
        row = careful.row(a, na, a_src[i])
        if w is None:
            extend(row)
        else:
            o = offsets[i]
            w[o:o + m] = map(sub, w[o:o + m], map(mul, row, repeat(lr)))
    return out if w is None else None


def _balance(a_norms, b_norms):
    """The power S such that B times 2**S has the geometric middle of its |b|² range where the
    |a|² range has its middle (0 where a range is empty or out of the safe scale)."""
    ranges = []
    for norms in (a_norms, b_norms):
        good = [n for n in (min(norms), max(norms)) if _TINY <= n <= _HUGE]
        if len(good) < 2:
            return 0
        ranges.append(0.25 * (math.log2(good[0]) + math.log2(good[1])))
    return round(ranges[0] - ranges[1])


def _scaled(rows, e):
    """``rows`` times 2**e (exact) and their squared norms."""
    s = 2.0 ** e
    rows = [tuple(map(mul, r, repeat(s))) for r in rows]
    return rows, sq_norms(rows)


def _norm_range(b_rows, b_norms):
    """The smallest and largest |b|², leaving out columns of zeros: the trick gives them exactly
    0 (|a|²/2 − dist(a, 0)²/2, the same square twice). A column whose |b|² underflowed to 0
    stays in (and then takes the careful path). (1, 1) when every column is zero."""
    lo, hi = min(b_norms, default=1.0), max(b_norms, default=1.0)
    if lo == 0.0:
        rest = [n for n, b in zip(b_norms, b_rows) if n or any(b)]
        lo, hi = (min(rest), hi) if rest else (1.0, 1.0)
    return lo, hi


class _Careful:
    """The rows of one product (``B`` possibly pre-scaled: the products carry 2**``shift``;
    ``b_src``: the unscaled columns) whose norm is far from the columns' norms (``lo``, ``hi``:
    the smallest and largest |b|²).

    :meth:`row` takes ``u = 2**e · a`` (exact) with ``e`` chosen so that |u|² sits at the
    geometric middle of the columns' |b|² range; then ``u · b`` by the dist trick for every
    column whose |b|² is within ``DOT_RATIO`` of |u|², and ``math.fsum`` of the products
    for the rest: columns of zeros, or so small (|b|² < 2⁻⁹⁰⁰, maybe underflowed to 0) or large
    (> 2⁹⁰⁰) that the trick's squares could lose them. A row of zeros gives zeros; a row that
    has an infinite or NaN entry, or whose norm underflowed or overflowed, is computed exactly.
    The result's factor ``2**-(e + shift)`` is folded into the halved column norms (cached per
    ``e``); powers of two commute with rounding, so this costs nothing and changes no bit.
    """

    __slots__ = ("b_rows", "b_norms", "lo", "hi", "fine", "middle", "shift", "halves", "b_src")

    def __init__(self, b_rows, b_norms, lo, hi, shift=0, b_src=None):
        self.b_rows, self.b_norms, self.shift = b_rows, b_norms, shift
        self.b_src = b_rows if b_src is None else b_src
        self.fine = _TINY <= lo and hi <= _HUGE       # every column on the trick's scale
        if not self.fine:
            good = [n for n in b_norms if _TINY <= n <= _HUGE]
            lo, hi = (min(good), max(good)) if good else (1.0, 1.0)
        self.lo, self.hi = lo, hi
        self.middle = 0.25 * (math.log2(lo) + math.log2(hi))       # log2 of the middle |b|
        self.halves = {}

    def row(self, a, na, a_src=None):
        """The row ``a`` (``a_src``: the same row unscaled, for exact products)."""
        b_rows, shift = self.b_rows, self.shift
        a_src = a if a_src is None else a_src
        if not _TINY <= na < math.inf:
            if not any(a):
                return [0.0] * len(b_rows)
            if not 0.0 < na < math.inf:
                return self._exact(a_src)
        e = round(self.middle - 0.5 * math.log2(na))
        u = tuple(map(mul, a, repeat(2.0 ** e))) if e else a
        if e:
            nu = _hypot(*u)
            nu *= nu
        else:
            nu = na
        if not _TINY <= nu <= _HUGE or abs(e + shift) > 1000:    # 2**-(e+shift) must exist
            return self._exact(a_src)
        inv = 2.0 ** -(e + shift)
        c = 0.5 * inv
        hu = nu * c
        halves = self.halves.get(e)
        if halves is None:
            halves = self.halves[e] = [n * c for n in self.b_norms]
        low, high = nu / DOT_RATIO, nu * DOT_RATIO
        dists = map(_dist, repeat(u), b_rows)
        if self.fine and low <= self.lo and self.hi <= high:
            return [hu + hb - d * d * c for hb, d in zip(halves, dists)]
        return [hu + hb - d * d * c if low <= nb <= high else _exact_dot(a_src, b)
                for b, nb, hb, d in zip(self.b_src, self.b_norms, halves, dists)]

    def _exact(self, a):
        return [_exact_dot(a, b) for b in self.b_src]


def _exact_dot(a, b):
    """a · b within 2·2⁻⁵³·|a|·|b|: ``math.fsum`` adds the rounded products exactly. Where fsum
    refuses (inf − inf, an intermediate overflow) the plain sum gives IEEE's NaN or inf."""
    try:
        return _fsum(map(mul, a, b))
    except (ValueError, OverflowError):
        return sum(map(mul, a, b))


def dot_rows_exact(a_rows, b_rows):
    """The same as :func:`dot_rows` by multiply-and-add (the reference; ~5x slower): plain sums
    for rows of up to ``SUM_EXACT_K`` entries (within k·2⁻⁵³·|a|·|b| ≤ ``DOT_TOL``·|a|·|b|),
    ``math.fsum`` beyond."""
    out = []
    extend = out.extend
    if a_rows and len(a_rows[0]) > SUM_EXACT_K:
        for a in a_rows:
            extend([_exact_dot(a, b) for b in b_rows])
        return out
    for a in a_rows:
        extend([sum(map(mul, a, b)) for b in b_rows])
    return out


# Products with at most this many multiply-adds are computed exactly (plain sums of products):
# they take well under a millisecond either way, and small teaching examples then show exact
# numbers (1.0, not 1.0000000000000002). Larger ones use the dist trick.
EXACT_BELOW = 20_000


def products(a_rows, b_rows):
    """``A @ Bᵀ`` as a flat list: :func:`dot_rows_exact` for small problems (``EXACT_BELOW``
    multiply-adds), :func:`dot_rows` otherwise. Either way within ``DOT_TOL``·|a|·|b|."""
    if is_small(a_rows, b_rows):
        return dot_rows_exact(a_rows, b_rows)
    return dot_rows(a_rows, b_rows)


def is_small(a_rows, b_rows):
    """Whether :func:`products` computes ``A @ Bᵀ`` exactly (``EXACT_BELOW`` multiply-adds)."""
    k = len(a_rows[0]) if a_rows else 0
    return len(a_rows) * len(b_rows) * k <= EXACT_BELOW


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
        half_b = [h * h * 0.5 for h in starmap(_hypot, cols)]      # |column|²/2
        na = _hypot(*vals)
        na *= na
        lo, hi = min(half_b) * 2.0, max(half_b) * 2.0
        if _TINY <= lo and hi <= _HUGE and hi / DOT_RATIO <= na <= lo * DOT_RATIO:
            h = na * 0.5
            extend([h + hb - d * d * 0.5 for hb, d in zip(half_b, map(_dist, repeat(vals), cols))])
        else:
            nb = [hb * 2.0 for hb in half_b]
            extend(_Careful(cols, nb, lo, hi).row(vals, na))
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


def gather(data, idx):
    """``[data[i] for i in idx]`` through one C-level ``itemgetter`` call (empty and single
    indices handled, since ``itemgetter`` returns a bare item for one index)."""
    if not idx:
        return []
    if len(idx) == 1:
        return [data[idx[0]]]
    return list(itemgetter(*idx)(data))

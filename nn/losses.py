"""Loss functions and accuracy helpers on lists of scalar ``Value``\\ s.

Every loss is a mean over the examples and returns one ``Value`` to call ``backward()`` on.
Predictions are Values (or numbers); targets are plain numbers.

=========================  ====================================================================
``mse(p, y)``              ``mean((pᵢ - yᵢ)²)``
``hinge(s, y)``            ``mean(max(0, 1 - yᵢ·sᵢ))``, labels ±1 (the SVM max-margin loss)
``bce(p, y)``              ``-mean(yᵢ·log pᵢ + (1 - yᵢ)·log(1 - pᵢ))``, probabilities, labels 0/1
``bce_with_logits(z, y)``  the same with ``pᵢ = σ(zᵢ)``, as ``mean(softplus(zᵢ) - yᵢ·zᵢ)``
``cross_entropy(z, k)``    ``mean(logsumexp(zᵢ) - zᵢ[kᵢ])``: softmax cross-entropy, class index
``l2(params)``             ``Σ p²``, to add ``alpha * l2(model.parameters())`` (weight decay)
=========================  ====================================================================
"""

import math

from autograd import add_n, dot
from autograd.errors import ShapeError

__all__ = ["mse", "hinge", "bce", "bce_with_logits", "cross_entropy", "softmax",
           "log_softmax", "logsumexp", "l2", "sign_accuracy", "threshold_accuracy",
           "argmax", "argmax_accuracy"]


def _pairs(name, predictions, targets):
    """Accept one prediction or a list; check the lengths match and are non-empty."""
    if not isinstance(predictions, (list, tuple)):
        predictions = [predictions]
    if not isinstance(targets, (list, tuple)):
        targets = [targets]
    if len(predictions) != len(targets):
        raise ShapeError(f"{name}: {len(predictions)} predictions but {len(targets)} targets; "
                         "give one target per prediction")
    if not predictions:
        raise ShapeError(f"{name}: no predictions (an empty batch has no mean)")
    return predictions, targets


def _mean(terms):
    """``(t₀ + t₁ + …) / n``, the sum as one ``add_n`` node."""
    return add_n(terms) / len(terms)


def _labels(name, targets, allowed, hint):
    for y in targets:
        if isinstance(y, bool) or y not in allowed:
            raise ValueError(f"{name}: label {y!r} is not one of {sorted(allowed)}; {hint}")


def _value(x):
    return x.data if hasattr(x, "data") else float(x)


# ---- regression and margins -----------------------------------------------------------------

def mse(predictions, targets):
    """Mean squared error ``mean((pᵢ - yᵢ)²)``; ∂/∂pᵢ = 2(pᵢ - yᵢ)/n."""
    predictions, targets = _pairs("mse", predictions, targets)
    return _mean([(p - y) ** 2 for p, y in zip(predictions, targets)])


def hinge(scores, labels):
    """SVM max-margin loss ``mean(relu(1 - yᵢ·sᵢ))`` for labels ``yᵢ`` in {-1, +1}.

    Zero once every example is on the right side with margin 1; ∂/∂sᵢ = -yᵢ/n while violated.
    """
    scores, labels = _pairs("hinge", scores, labels)
    _labels("hinge", labels, {-1, 1}, "hinge needs labels -1/+1 (make_moons(labels='pm1'))")
    # 1 - y·s is 1 - s for y = +1 and 1 + s for y = -1: one node per example instead of two
    return _mean([(1.0 - s if y > 0 else 1.0 + s).relu() for s, y in zip(scores, labels)])


def l2(params):
    """``Σ p²`` over parameters (Values); add ``alpha * l2(model.parameters())`` to a loss."""
    params = list(params)
    if not params:
        raise ShapeError("l2: no parameters")
    return dot(params, params)          # Σ p·p as one node; ∂/∂p = p + p = 2p


# ---- binary cross-entropy -------------------------------------------------------------------

def bce(probs, labels, eps=1e-12):
    """Binary cross-entropy of probabilities ``pᵢ`` in [0, 1] against labels 0/1:
    ``-mean(yᵢ·log pᵢ + (1 - yᵢ)·log(1 - pᵢ))``.

    Only the log that the label selects is built (``log pᵢ`` for y=1, ``log(1 - pᵢ)`` for y=0),
    and its argument is clamped below at ``eps`` so a confident wrong answer gives a large
    finite loss instead of ``log(0)``. From raw scores, prefer ``bce_with_logits``.
    """
    probs, labels = _pairs("bce", probs, labels)
    _labels("bce", labels, {0, 1}, "bce needs labels 0/1 (make_moons(labels='01'))")
    terms = []
    for p, y in zip(probs, labels):
        v = _value(p)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"bce: probability {v!r} is outside [0, 1]; pass sigmoid outputs, "
                             "or raw scores to bce_with_logits")
        q = p if y == 1 else 1.0 - p
        if hasattr(q, "data"):
            terms.append(-q.max(eps).log())
        else:
            terms.append(-math.log(max(q, eps)))
    return _mean(terms)


def bce_with_logits(logits, labels):
    """Binary cross-entropy of ``σ(zᵢ)`` computed from the logits ``zᵢ`` (stable):

    ``-(y·log σ(z) + (1-y)·log(1-σ(z))) = softplus(z) - y·z``, with
    ``softplus(z) = log(1 + eᶻ) = max(z, 0) + log(1 + e^-|z|)`` (never overflows).
    ∂/∂zᵢ = (σ(zᵢ) - yᵢ)/n.
    """
    logits, labels = _pairs("bce_with_logits", logits, labels)
    _labels("bce_with_logits", labels, {0, 1}, "labels must be 0/1")
    return _mean([z.softplus() - y * z if y else z.softplus() for z, y in zip(logits, labels)])


# ---- softmax --------------------------------------------------------------------------------

def _row(name, logits):
    if not isinstance(logits, (list, tuple)) or not logits:
        raise ShapeError(f"{name}: expected a non-empty list of logits, got {logits!r}")
    return logits


def logsumexp(logits):
    """``log Σⱼ e^zⱼ = m + log Σⱼ e^(zⱼ - m)`` with ``m = max zⱼ`` (a constant: the shift
    cancels exactly, so the gradient, softmax(z), is unchanged and no exp overflows)."""
    logits = _row("logsumexp", logits)
    m = max(_value(z) for z in logits)
    exps = [(z - m).exp() for z in logits]
    return add_n(exps).log() + m


def log_softmax(logits):
    """``log softmax(z)ᵢ = zᵢ - logsumexp(z)``, a list of Values."""
    lse = logsumexp(logits)
    return [z - lse for z in logits]


def softmax(logits):
    """``softmax(z)ᵢ = e^(zᵢ - m) / Σⱼ e^(zⱼ - m)`` (shifted by ``m = max z``, no overflow)."""
    logits = _row("softmax", logits)
    m = max(_value(z) for z in logits)
    exps = [(z - m).exp() for z in logits]
    total = add_n(exps)
    return [e / total for e in exps]


def cross_entropy(logits, targets):
    """Softmax cross-entropy: ``-log softmax(z)[k] = logsumexp(z) - z[k]``.

    One example: ``cross_entropy([z0, z1, z2], k)``. A batch: ``cross_entropy(rows, ks)``,
    the mean over rows. ∂/∂zⱼ = softmax(z)ⱼ - [j = k] (per example, divided by n).
    """
    if isinstance(targets, int):
        logits, targets = [logits], [targets]
    logits, targets = _pairs("cross_entropy", logits, targets)
    terms = []
    for row, k in zip(logits, targets):
        row = _row("cross_entropy", row)
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(row):
            raise ValueError(f"cross_entropy: target {k!r} is not a class index in "
                             f"0..{len(row) - 1}")
        terms.append(logsumexp(row) - row[k])
    return _mean(terms)


# ---- accuracy -------------------------------------------------------------------------------

def _fraction(name, predictions, targets, correct):
    predictions, targets = _pairs(name, predictions, targets)
    hits = sum(1 for p, y in zip(predictions, targets) if correct(p, y))
    return hits / len(predictions)


def sign_accuracy(scores, labels):
    """Fraction of ±1 labels whose sign the score gets right (score > 0 means +1)."""
    return _fraction("sign_accuracy", scores, labels, lambda s, y: (_value(s) > 0) == (y > 0))


def threshold_accuracy(outputs, labels, threshold=0.5):
    """Fraction of 0/1 labels predicted by ``output > threshold`` (0.5 for probabilities,
    0.0 for logits)."""
    return _fraction("threshold_accuracy", outputs, labels,
                     lambda o, y: (_value(o) > threshold) == (y == 1))


def argmax(row):
    """Index of the largest entry (the first one on ties)."""
    values = [_value(z) for z in _row("argmax", row)]
    return max(range(len(values)), key=values.__getitem__)


def argmax_accuracy(rows, targets):
    """Fraction of rows whose argmax is the target class."""
    return _fraction("argmax_accuracy", rows, targets, lambda r, k: argmax(r) == k)

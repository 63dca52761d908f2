"""Losses and accuracy on a batch of logits (a :class:`autograd.Tensor` of shape (N, C)).

``softmax_cross_entropy(z, y)``: ``L = (1/N) Σᵢ [log Σⱼ exp(zᵢⱼ) − zᵢ,yᵢ]``,
    ∂L/∂z = (softmax(z) − onehot(y))/N.
``squared_error(z, y)``: ``L = (1/N) Σᵢ Σⱼ (softmax(zᵢ)ⱼ − [j = yᵢ])²`` (the seeds' loss: the
    squared distance between the predicted distribution and the one-hot target).

Labels are a list of class numbers (ints in [0, C)). Both losses return a 0-d Tensor.
"""

from autograd.errors import OperandError, ShapeError
from autograd.tensor import Tensor

__all__ = ["softmax_cross_entropy", "squared_error", "LOSSES", "predictions", "correct"]


def softmax_cross_entropy(logits, labels):
    """Mean softmax cross-entropy; the Tensor's fused ``cross_entropy`` node (one backward
    step, log-sum-exp shifted by the row maximum, so nothing overflows)."""
    return logits.cross_entropy(labels)


def _one_hot(labels, n, c):
    if len(labels) != n:
        raise ShapeError(f"squared_error: {n} rows of logits but {len(labels)} labels")
    flat = [0.0] * (n * c)
    for i, y in enumerate(labels):
        if isinstance(y, bool) or not isinstance(y, int) or not 0 <= y < c:
            raise OperandError(f"squared_error: label {i} is {y!r}; labels must be ints in "
                               f"[0, {c})")
        flat[i * c + y] = 1.0
    return Tensor(flat, (n, c))


def squared_error(logits, labels):
    """``(1/N) Σᵢ |softmax(zᵢ) − onehot(yᵢ)|²``; ∂L/∂p = 2(p − t)/N, then through softmax
    (the Tensor's softmax node)."""
    if not isinstance(logits, Tensor) or logits.ndim != 2:
        raise ShapeError("squared_error: logits must be a 2-d Tensor (N, C), got "
                         f"{getattr(logits, 'shape', type(logits).__name__)}")
    n, c = logits.shape
    diff = logits.softmax(axis=1) - _one_hot(list(labels), n, c)
    return (diff * diff).sum() * (1.0 / n)


LOSSES = {"cross-entropy": softmax_cross_entropy, "squared-error": squared_error}


def _logit_rows(logits, who):
    shape = getattr(logits, "shape", None)
    if shape is None or len(shape) != 2:
        raise ShapeError(f"{who}: logits must be 2-d (N, C), got shape "
                         f"{shape if shape is not None else type(logits).__name__}")
    return shape


def predictions(logits):
    """The class with the largest logit in each row (the first one on a tie)."""
    _, c = _logit_rows(logits, "predictions")
    data = logits.data
    out = []
    for i in range(0, len(data), c):
        row = data[i:i + c]
        out.append(row.index(max(row)))
    return out


def correct(logits, labels):
    """How many rows' largest logit is at the label."""
    n, _ = _logit_rows(logits, "correct")
    labels = list(labels)
    if len(labels) != n:
        raise ShapeError(f"correct: {n} rows of logits but {len(labels)} labels")
    return sum(p == y for p, y in zip(predictions(logits), labels))

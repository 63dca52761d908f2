"""Replay ``autograd.testing`` expressions on PyTorch tensors (for the float64 cross-checks)."""

from autograd.testing import apply_op


def torch_apply(torch):
    """An ``apply`` for ``Expression.replay``: each op of the table as torch computes it."""
    unary = {"exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
             "relu": torch.relu, "sqrt": torch.sqrt, "abs": torch.abs, "sin": torch.sin,
             "cos": torch.cos, "neg": torch.neg,
             "softplus": lambda a: torch.logaddexp(a, torch.zeros_like(a))}
    binary = {"max": torch.maximum, "min": torch.minimum}

    def apply(name, a, b):
        if name in unary:
            return unary[name](a)
        if name in binary:
            if not torch.is_tensor(b):
                b = torch.tensor(float(b), dtype=torch.float64)
            return binary[name](a, b)
        return apply_op(name, a, b)
    return apply

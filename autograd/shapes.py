"""Shapes for the pure-Python Tensor: nested lists to flat lists, broadcasting, axes.

A tensor's data is a flat row-major list; its shape is a tuple. Broadcasting follows NumPy:
shapes are aligned on the right, and a size-1 (or missing) axis stretches to the other size.
The gradient of a broadcast input is the output gradient *summed* over the stretched axes
(:func:`reduce_to`), because one input element fed many output elements.
"""

import math
import numbers

from .errors import OperandError, ShapeError


def size_of(shape):
    """Number of elements of a shape: the product of its sizes (1 for the scalar shape ())."""
    return math.prod(shape)


# ---- nested lists -----------------------------------------------------------------------------

def _path(path):
    return "".join(f"[{i}]" for i in path)


def _number(x, path):
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not getattr(x, "__chainrule_tensor__", False):
        if hasattr(x, "_op") and hasattr(x, "grad"):       # a Value: refuse, do not detach silently
            raise OperandError(f"Tensor(): entry {_path(path)} is a Value ({x!r}); "
                               "pass numbers (value.data)")
        return float(x)
    if hasattr(x, "_op") and hasattr(x, "grad"):
        raise OperandError(f"Tensor(): entry {_path(path)} is a Value ({x!r}); "
                           "pass numbers (value.data)")
    raise OperandError(f"Tensor(): entry {_path(path) or '(the data)'} is {x!r} of type "
                       f"{type(x).__name__}, expected a real number")


def flatten(nested):
    """``(flat list of floats, shape)`` of a number or a nested list/tuple of numbers.

    Raises :class:`ShapeError` for ragged lists ("row [3] has 5 items, expected 4") and
    :class:`OperandError` for entries that are not real numbers.
    """
    if not isinstance(nested, (list, tuple)):
        return [_number(nested, ())], ()
    shape = []
    probe = nested
    while isinstance(probe, (list, tuple)):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    shape = tuple(shape)
    flat = []
    _fill(nested, shape, 0, (), flat)
    return flat, shape


def _fill(node, shape, depth, path, flat):
    if depth == len(shape):
        if isinstance(node, (list, tuple)):
            raise ShapeError(f"Tensor(): ragged nested list: entry {_path(path)} is a list, "
                             f"expected a number at depth {depth}")
        flat.append(_number(node, path))
        return
    if not isinstance(node, (list, tuple)):
        raise ShapeError(f"Tensor(): ragged nested list: row {_path(path)} is a number, "
                         f"expected a list of {shape[depth]} items")
    if len(node) != shape[depth]:
        raise ShapeError(f"Tensor(): ragged nested list: row {_path(path)} has {len(node)} items, "
                         f"expected {shape[depth]}")
    if depth == len(shape) - 1 and all(type(x) is float for x in node):
        flat.extend(node)
        return
    for i, child in enumerate(node):
        _fill(child, shape, depth + 1, path + (i,), flat)


def nest(flat, shape):
    """The nested-list form of a flat list (``Tensor.tolist``)."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = size_of(shape[1:])
    return [nest(flat[i:i + step], shape[1:]) for i in range(0, len(flat), step)]


def check_shape(shape, what="Tensor()"):
    """A shape as a tuple of non-negative ints, or a ShapeError naming what was wrong."""
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise ShapeError(f"{what}: shape must be a tuple of ints, got {shape!r}") from None
    for s in shape:
        if not isinstance(s, int) or isinstance(s, bool) or s < 0:
            raise ShapeError(f"{what}: shape must be a tuple of non-negative ints, got {shape!r}")
    return shape


def normalize_axis(axis, ndim, what):
    """A possibly negative axis as an index in ``range(ndim)``."""
    if isinstance(axis, bool):
        raise ShapeError(f"{what}: axis {axis!r} is a bool; pass an int axis (or None)")
    if not isinstance(axis, int) or not -ndim <= axis < ndim:
        raise ShapeError(f"{what}: axis {axis!r} is out of range for a {ndim}-d tensor")
    return axis % ndim


# ---- broadcasting ------------------------------------------------------------------------------

def broadcast_shape(sa, sb, what):
    """The NumPy broadcast of two shapes, or a ShapeError naming both."""
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    out = []
    for x, y in zip(pa, pb):
        if x != y and x != 1 and y != 1:
            raise ShapeError(f"{what}: shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast "
                             f"(sizes {x} and {y} differ and neither is 1)")
        out.append(y if x == 1 else x)
    return tuple(out)


def _source_index(shape, out_shape):
    """For each position of ``out_shape`` (row-major), the flat index in a tensor of ``shape``
    broadcast to it (stride 0 along stretched axes)."""
    pad = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    strides = []
    step = 1
    for s in reversed(pad):
        strides.append(step if s != 1 else 0)
        step *= s
    strides.reverse()
    idx = [0]
    for n, st in zip(out_shape, strides):
        idx = [i + k * st for i in idx for k in range(n)]
    return idx


def _leading_only(shape, out_shape):
    """How many leading output positions repeat a whole ``shape`` block, or None when the
    broadcast is not "whole rows repeated" (then the general index path is used)."""
    pad = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    k = 0
    while k < len(pad) and pad[k] == 1 and pad[k:] != tuple(out_shape[k:]):
        k += 1
    if pad[k:] != tuple(out_shape[k:]):
        return None
    return size_of(out_shape[:k])


def expand(data, shape, out_shape):
    """``data`` (a tensor of ``shape``) broadcast to ``out_shape``, as a flat list."""
    if tuple(shape) == tuple(out_shape):
        return data
    if len(data) == 1:
        return data * size_of(out_shape)
    reps = _leading_only(shape, out_shape)
    if reps is not None:
        return data * reps                       # whole blocks repeated: C-level concatenation
    return [data[i] for i in _source_index(shape, out_shape)]


def reduce_to(g, out_shape, shape):
    """Sum a gradient of ``out_shape`` back to the ``shape`` it was broadcast from."""
    if tuple(shape) == tuple(out_shape):
        return g
    if not g:                                # broadcast to an empty shape: nothing flowed back
        return [0.0] * size_of(shape)
    if size_of(shape) == 1:
        return [math.fsum(g)] if len(g) > 64 else [sum(g)]
    reps = _leading_only(shape, out_shape)
    if reps is not None:
        block = size_of(shape)
        return list(map(sum, zip(*[g[i:i + block] for i in range(0, len(g), block)])))
    out = [0.0] * size_of(shape)
    for i, v in zip(_source_index(shape, out_shape), g):
        out[i] += v
    return out


# ---- axes ---------------------------------------------------------------------------------------

def check_lanes(shape, axis, what):
    """A ShapeError naming ``what`` if :func:`lanes` along ``axis`` cannot be formed: the axis
    itself, or an axis after it, has size 0 (lanes of no entries)."""
    if shape[axis] == 0:
        raise ShapeError(f"{what}: axis {axis} of shape {tuple(shape)} has size 0: there is "
                         f"nothing to {what} along it")
    if size_of(shape[axis + 1:]) == 0:
        raise ShapeError(f"{what}: shape {tuple(shape)} has an axis of size 0 after axis "
                         f"{axis}; {what} along axis {axis} of such an empty tensor is not "
                         "supported")


def lanes(data, shape, axis):
    """The 1-d lanes along ``axis``: a list of lists of ``shape[axis]`` values, ordered as the
    reduced tensor's elements (outer axes first). Contiguous slices when ``axis`` is last."""
    n = shape[axis]
    inner = size_of(shape[axis + 1:])
    if inner == 1:
        return [data[i:i + n] for i in range(0, len(data), n)]
    block = n * inner
    return [data[b + i:b + block:inner] for b in range(0, len(data), block) for i in range(inner)]


def unlanes(lane_list, shape, axis):
    """Inverse of :func:`lanes`: the flat list from lanes of the same layout."""
    n = shape[axis]
    inner = size_of(shape[axis + 1:])
    if inner == 1:
        return [v for lane in lane_list for v in lane]
    out = [0.0] * size_of(shape)
    block = n * inner
    for k, lane in enumerate(lane_list):
        b, i = divmod(k, inner)
        out[b * block + i:(b + 1) * block:inner] = lane
    return out


def permute_index(shape, axes):
    """Flat source indices of the transpose of ``shape`` by ``axes`` (NumPy ``transpose``)."""
    strides = []
    step = 1
    for s in reversed(shape):
        strides.append(step)
        step *= s
    strides.reverse()
    idx = [0]
    for ax in axes:
        n, st = shape[ax], strides[ax]
        idx = [i + k * st for i in idx for k in range(n)]
    return idx

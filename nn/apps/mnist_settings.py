"""The settings of a ``chainrule mnist`` run: defaults, one set of rules, the learning rate.

A run's settings are the flags over :data:`DEFAULTS`, or, with ``--resume``, the settings
stored in the checkpoint. Both go through the same rules (:data:`RULES`): the flags' argparse
types and choices are built from them, and :func:`check_settings` applies them to the values a
checkpoint stores, so a damaged checkpoint (``batch_size 0``, ``activation "bogus"``, ``limit
"5"``, ``optimizer "bogus"``) is refused in one line exactly where the same flag would be.

Default learning rate (:func:`default_lr`): SGD's 0.2 was tuned at batch 256. Below that it is
scaled linearly with the batch size, ``lr = 0.2 · batch/256`` (the linear scaling rule of Goyal
et al., 2017: k times more steps per epoch, each k times smaller); above it, it stays 0.2.
Measured on Fashion-MNIST (60,000 images, one epoch, 784-128-10 tanh, momentum 0.9), test
accuracy::

    batch   32: lr 0.2 61.42% (loss 4.1: near divergence)   lr 0.025 (the rule) 83.36%
    batch   64: lr 0.2 61.49%   lr 0.1 80.51%                lr 0.05  (the rule) 82.44%
    batch  128: lr 0.2 75.85%                                lr 0.1   (the rule) 78.20%
    batch  256: lr 0.2 75.65%
    batch  512: lr 0.4 (scaled up) 69.56% (loss 4.3)         lr 0.2   (the rule) 80.97%

Adam's step does not grow with the gradient's noise the same way; its default stays 0.001.
``chainrule mnist`` prints the rate it uses and why.
"""

import math
import sys

__all__ = ["DEFAULTS", "TRAINING_KEYS", "OPTIMIZERS", "SCHEDULES", "UsageError", "RULES",
           "check_settings", "default_lr", "dataset_spec", "network_sizes", "check_size",
           "MAX_PARAMETERS", "plural", "load_split", "exit_2_on_usage_error"]

DEFAULTS = {"dataset": ["bundled"], "hidden": [128], "activation": "tanh",
            "loss": "cross-entropy", "optimizer": "sgd", "lr": None, "momentum": 0.9,
            "schedule": "constant",
            "epochs": 10, "batch_size": 256, "seed": 0, "limit": None, "test_limit": None}
TRAINING_KEYS = tuple(k for k in DEFAULTS if k != "epochs")
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "cosine")
SGD_LR, SGD_BATCH, ADAM_LR = 0.2, 256, 0.001
# Pure Python keeps ~100 bytes per parameter (weight, gradient, momentum, their float objects)
# and takes ~1 us per parameter and sample: 10 million is gigabytes and hours per epoch.
MAX_PARAMETERS = 10_000_000


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit code 2."""


def exit_2_on_usage_error(command):
    """Run a command function; a :class:`UsageError` becomes one line on stderr and exit 2."""
    def wrap(fn):
        def run(args):
            try:
                return fn(args)
            except UsageError as e:
                print(f"chainrule {command}: error: {e}", file=sys.stderr)
                return 2
        run.__name__, run.__doc__ = fn.__name__, fn.__doc__
        return run
    return wrap


def plural(n, word):
    """``1 epoch``, ``2 epochs``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---- one rule per setting ---------------------------------------------------------------------

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def positive_int(v):
    return is_int(v) and v >= 1


def finite_nonnegative(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < math.inf


def _choices(table):
    return lambda v: isinstance(v, str) and v in table()


def _activations():
    from ..linear import ACTIVATION_MODULES
    return tuple(ACTIVATION_MODULES)


def _losses():
    from ..tensor_losses import LOSSES
    return tuple(LOSSES)


def _dataset_ok(v):
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        return False
    try:
        return dataset_spec(v) == v
    except UsageError:
        return False


# key -> (test of a value, what the value must be)
RULES = {
    "dataset": (_dataset_ok, 'a dataset: ["bundled"], ["fashion"], ["fashion", DIR] or '
                             '["mnist-dir", DIR]'),
    "hidden": (lambda v: isinstance(v, list) and len(v) >= 1 and all(map(positive_int, v)),
               "a list of positive integers"),
    "activation": (_choices(_activations), "an activation name"),
    "loss": (_choices(_losses), "a loss name"),
    "optimizer": (_choices(lambda: OPTIMIZERS), "one of " + ", ".join(OPTIMIZERS)),
    "lr": (finite_nonnegative, "a finite number >= 0"),
    "momentum": (finite_nonnegative, "a finite number >= 0"),
    "schedule": (_choices(lambda: SCHEDULES), "one of " + ", ".join(SCHEDULES)),
    "epochs": (positive_int, "a positive integer"),
    "batch_size": (positive_int, "a positive integer"),
    "seed": (is_int, "an integer"),
    "limit": (lambda v: v is None or positive_int(v), "a positive integer or null"),
    "test_limit": (lambda v: v is None or positive_int(v), "a positive integer or null"),
}


def check_settings(settings, where):
    """Raise :class:`UsageError` (``{where}: setting 'k' is v; expected ...``) unless
    ``settings`` has exactly the keys of :data:`DEFAULTS`, each passing its rule."""
    if not isinstance(settings, dict) or set(settings) != set(DEFAULTS):
        raise UsageError(f"{where} was not written by chainrule mnist (its settings are "
                         "missing or incomplete)")
    for key, (ok, what) in RULES.items():
        value = settings[key]
        if not ok(value):
            if key in ("activation", "loss"):
                what = "one of " + ", ".join((_activations if key == "activation"
                                              else _losses)())
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise UsageError(f"{where}: setting {key!r} is {shown}; expected {what} (the "
                             "file is damaged or was not written by chainrule mnist)")
    return settings


def default_lr(optimizer, batch_size):
    """``(lr, why)``: the learning rate a run uses when ``--lr`` is not given (module doc);
    ``why`` says how it follows from the batch size, None where it does not depend on it."""
    if optimizer == "adam":
        return ADAM_LR, None
    if batch_size == SGD_BATCH:
        return SGD_LR, None
    if batch_size > SGD_BATCH:
        return SGD_LR, f"{SGD_LR:g} at batch {SGD_BATCH}, not scaled up for batch {batch_size}"
    return (SGD_LR * batch_size / SGD_BATCH,
            f"{SGD_LR:g} at batch {SGD_BATCH}, scaled linearly to batch {batch_size}")


# ---- the dataset and the network's size -------------------------------------------------------

def dataset_spec(values, download=None):
    """Normalise ``--dataset`` / ``--download`` into ``[kind]`` or ``[kind, dir]``."""
    if download is not None:
        if values and values != ["mnist-dir", download]:
            raise UsageError("--download DIR trains on the downloaded MNIST; do not combine it "
                             "with --dataset")
        return ["mnist-dir", download]
    values = list(values or DEFAULTS["dataset"])
    kind = values[0]
    if kind not in ("bundled", "fashion", "mnist-dir"):
        raise UsageError(f"--dataset: unknown kind {kind!r}; use bundled, fashion [DIR] or "
                         "mnist-dir DIR")
    if len(values) > 2 or (kind == "bundled" and len(values) > 1):
        raise UsageError(f"--dataset {' '.join(values)}: too many values ({kind} takes "
                         f"{'no' if kind == 'bundled' else 'one'} directory)")
    if kind == "mnist-dir" and len(values) != 2:
        raise UsageError("--dataset mnist-dir needs a directory: --dataset mnist-dir DIR")
    return values


def network_sizes(settings, train):
    """``[inputs, *hidden, classes]`` of the network the settings build for ``train``."""
    return [train.rows * train.cols, *settings["hidden"], len(train.classes)]


def check_size(sizes, where):
    """Refuse, before anything is built, a network of more than :data:`MAX_PARAMETERS`."""
    count = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        raise UsageError(f"{where}the network {'-'.join(map(str, sizes))} would have "
                         f"{count:,} parameters; chainrule mnist trains at most "
                         f"{MAX_PARAMETERS:,} (pure Python: ~100 bytes and ~1 us per parameter "
                         "and sample)")
    return count


def load_split(spec, split):
    """The ImageDataset of ``split`` for a dataset spec (raises UsageError if missing)."""
    from ..data import IDXError, load_fashion_mnist, load_mnist, load_mnist_dir

    kind = spec[0]
    try:
        if kind == "bundled":
            return load_mnist(split)
        if kind == "fashion":
            return load_fashion_mnist(split, spec[1] if len(spec) > 1 else None)
        return load_mnist_dir(spec[1], split)
    except (FileNotFoundError, IDXError) as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot read the {kind} dataset: {e.strerror or e}") from None

"""The training loop: shuffled mini-batches, per-epoch evaluation, checkpoints, Ctrl-C, resume.

``fit`` trains any model on any dataset with any loss. A dataset is anything with ``len(ds)``
and ``ds.batch(indices) -> (inputs, targets)``: :class:`ArrayDataset` wraps a Tensor or a list
of examples, and an MNIST :class:`~nn.data.ImageDataset` gives constant sparse batches. The
model is called as ``forward(model, inputs)`` (``model(inputs)`` unless told otherwise) and the
loss as ``loss(outputs, targets)``. A scalar-Value network trains the same way::

    >>> from autograd import Value
    >>> from nn import MLP, SGD
    >>> from nn.losses import mse
    >>> xs = [[Value(x / 10)] for x in range(-10, 11)]
    >>> data = ArrayDataset(xs, [2 * x[0].data + 1 for x in xs])      # y = 2x + 1
    >>> model = MLP(1, [1], seed=0)
    >>> result = fit(model, data, None, epochs=30, batch_size=7, progress=False,
    ...              optimizer=SGD(model.parameters(), lr=0.3), loss=mse,
    ...              forward=lambda m, X: [m(x) for x in X])
    >>> result.history[-1]["loss"] < 1e-6
    True

The MNIST network:

>>> from nn.data import load_mnist
>>> from nn.linear import TensorMLP
>>> from nn.optim import SGD
>>> model = TensorMLP(784, [128], 10)
>>> result = fit(model, load_mnist("train"), load_mnist("test"), epochs=10, batch_size=64,
...              optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9))   # doctest: +SKIP

One epoch = every training image once, in the order of a permutation drawn by
``random.Random(epoch_seed(seed, epoch))``, ``batch_size`` images at a time; each batch goes in
as a constant sparse batch (:class:`autograd.sparse.SparseRows`), so the first layer only touches
the weights of nonzero pixels. For each batch: ``loss = L(model(X), y)``, ``zero_grad``,
``loss.backward()``, ``optimizer.step()``.

After each epoch the model is evaluated on the test set under ``no_grad()`` and one record is
appended to the history::

    {"epoch": 1, "loss": 0.41, "train_acc": 0.88, "test_loss": 0.25, "test_acc": 0.93,
     "lr": 0.1, "seconds": 9.8, "eval_seconds": 0.9, "samples": 8000}

``train_acc`` is measured on each batch by the model as it was when it saw that batch (no extra
pass over the training set). Then, with ``checkpoint=path``, the model, the optimizer's state,
the epoch, the history and the seed are written to ``path`` as JSON, atomically (a temporary
file, then a rename): the file always holds the last *completed* epoch. Because the batch order
of each epoch depends only on ``(seed, epoch)`` and JSON keeps every float exactly (``repr``),
``resume=True`` continues from that file to exactly the weights an uninterrupted run reaches.

Ctrl-C (``KeyboardInterrupt``) anywhere in an epoch stops the loop: the checkpoint on disk is
the last completed epoch (never half a file), and ``fit`` returns with ``interrupted=True``.
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autograd.engine import no_grad
from autograd.errors import OperandError, ShapeError
from autograd.sparse import SparseRows
from autograd.tensor import Tensor

from .errors import read_json
from .layers import check_choice
from .module import ModelFileError, write_json
from .progress import ProgressBar
from .tensor_losses import LOSSES, correct

if TYPE_CHECKING:
    from .module import Module
    from .optim import Optimizer

__all__ = ["fit", "evaluate", "FitResult", "ArrayDataset", "CHECKPOINT_FORMAT",
           "read_checkpoint", "epoch_seed", "batch_inputs", "index_batches", "cosine_schedule"]

CHECKPOINT_FORMAT = "chainrule.checkpoint"
CHECKPOINT_VERSION = 1


def epoch_seed(seed, epoch):
    """The seed of epoch ``epoch``'s batch order: it depends on nothing else, so a resumed run
    draws the same batches as an uninterrupted one."""
    return seed * 1_000_003 + epoch


def batch_inputs(ds, indices):
    """Images ``indices`` of ``ds`` as a constant sparse batch (N, rows·cols)."""
    return SparseRows(ds.sparse_rows(indices), ds.rows * ds.cols)


def index_batches(n, batch_size, shuffle=True, seed=0):
    """Lists of indices covering ``range(n)`` once, ``batch_size`` at a time; shuffled by
    ``random.Random(seed)`` (the same order :meth:`ImageDataset.batches` draws)."""
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    return [order[k:k + batch_size] for k in range(0, n, batch_size)]


class ArrayDataset:
    """Examples and their targets for :func:`fit`: ``inputs`` a Tensor whose rows are the
    examples (a batch is the Tensor of its rows) or a list (a batch is a list), ``targets`` a
    list or a Tensor of the same length."""

    def __init__(self, inputs, targets):
        if len(inputs) != len(targets):
            raise ShapeError(f"ArrayDataset: {len(inputs)} inputs but {len(targets)} targets")
        self.inputs, self.targets = inputs, targets

    def __len__(self):
        return len(self.targets)

    @staticmethod
    def _take(items, indices):
        if isinstance(items, Tensor):
            return items[list(indices)]
        return [items[i] for i in indices]

    def batch(self, indices):
        """``(inputs, targets)`` of the examples at ``indices``."""
        return self._take(self.inputs, indices), self._take(self.targets, indices)


def batch_of(ds, indices):
    """``ds.batch(indices)``; an MNIST ImageDataset gives a constant sparse batch and its
    labels."""
    batch = getattr(ds, "batch", None)
    if batch is not None:
        return batch(indices)
    if hasattr(ds, "sparse_rows"):
        return batch_inputs(ds, indices), ds.label_list(indices)
    raise OperandError(f"fit: a dataset needs len() and batch(indices) -> (inputs, targets); "
                       f"{type(ds).__name__} has no batch() (wrap it: ArrayDataset(X, y))")


def _loss_fn(loss):
    if callable(loss):
        return getattr(loss, "__name__", "loss"), loss
    return loss, LOSSES[check_choice("loss", loss, LOSSES)]


def _metric_fn(metric, loss):
    """Correct predictions per batch: ``metric(outputs, targets) -> count``; "auto" counts
    argmax hits for the named classification losses and nothing for a loss of one's own."""
    if metric == "auto":
        return None if callable(loss) else correct
    if metric is None or callable(metric):
        return metric
    raise OperandError(f"fit: metric must be 'auto', None or a function (outputs, targets) -> "
                       f"number correct, got {metric!r}")


def _call(model, forward, inputs):
    return model(inputs) if forward is None else forward(model, inputs)


def evaluate(model: Module, ds: Any, loss: str | Callable = "cross-entropy", batch_size: int = 1000,
             metric: str | Callable | None = "auto",
             forward: Callable | None = None) -> tuple[float | None, float]:
    """``(accuracy, mean loss)`` of ``model`` on all of ``ds``, under ``no_grad()``
    (accuracy None when there is no metric)."""
    _, fn = _loss_fn(loss)
    count = _metric_fn(metric, loss)
    model.eval()
    hits, total = 0, 0.0
    try:
        with no_grad():
            for ix in index_batches(len(ds), batch_size, shuffle=False):
                inputs, targets = batch_of(ds, ix)
                outputs = _call(model, forward, inputs)
                if count is not None:
                    hits += count(outputs, targets)
                total += fn(outputs, targets).item() * len(ix)
    finally:
        model.train()
    n = max(len(ds), 1)
    return (None if count is None else hits / n), total / n


@dataclass
class FitResult:
    """What :func:`fit` did: the full history (including resumed epochs), whether Ctrl-C
    stopped it, and the training seconds / samples of this call."""
    history: list = field(default_factory=list)
    interrupted: bool = False
    epochs_done: int = 0
    seconds: float = 0.0
    samples: int = 0
    checkpoint_epoch: int = 0


def cosine_schedule(lr, epochs):
    """Learning rate of epoch e (1-based) decaying from ``lr`` towards 0 along half a cosine:
    ``lr_e = lr · ½(1 + cos(π·(e − 1)/epochs))`` (epoch 1 uses ``lr``; the last ≈ 2.5% of it
    for 10 epochs). Large steps early, small ones to settle at the end."""
    def schedule(epoch):
        return lr * 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / epochs))
    return schedule


def fit(model: Module, train_ds: Any, test_ds: Any, epochs: int, batch_size: int,
        optimizer: Optimizer, loss: str | Callable[[Any, Any], Any] = "cross-entropy",
        seed: int = 0, on_epoch: Callable | None = None, on_batch: Callable | None = None,
        checkpoint: str | os.PathLike | None = None, resume: bool = False,
        progress: bool = True, extra: dict | None = None, stream: Any = None,
        lr_schedule: Callable[[int], float] | None = None,
        metric: str | Callable[[Any, Any], int] | None = "auto",
        forward: Callable[[Any, Any], Any] | None = None) -> FitResult:
    """Train ``model`` for ``epochs`` epochs (counting epochs already in a resumed checkpoint).

    ``train_ds``/``test_ds`` (``test_ds`` may be None): datasets as in the module docstring.
    ``loss``: a name in :data:`nn.tensor_losses.LOSSES` or a function ``(outputs, targets) ->``
    a scalar (a 0-d Tensor or a Value). ``metric(outputs, targets) -> number correct`` gives
    ``train_acc``/``test_acc`` ("auto": argmax accuracy for the named losses, none for a
    function). ``forward(model, inputs)`` calls the model (default ``model(inputs)``).
    ``on_epoch(record, result)`` runs after each epoch's checkpoint is saved;
    ``on_batch(epoch, batch_number, loss)`` after each step (either may raise
    ``KeyboardInterrupt`` to stop, like Ctrl-C). ``checkpoint``: a path for the per-epoch
    checkpoint; ``resume=True`` loads it first. ``extra``: JSON data stored in the checkpoint
    (e.g. the command line). ``progress``: draw a bar on ``stream`` (stderr) if it is a
    terminal. ``lr_schedule(epoch) -> lr`` (e.g. :func:`cosine_schedule`) sets
    ``optimizer.lr`` at the start of each epoch. Returns a :class:`FitResult`.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive int, got {batch_size!r}")
    loss_name, loss_fn = _loss_fn(loss)
    count = _metric_fn(metric, loss)
    stream = stream if stream is not None else sys.stderr
    result = FitResult()
    start_epoch = 0
    if resume:
        if checkpoint is None:
            raise ValueError("fit: resume=True needs checkpoint=path")
        doc = read_checkpoint(checkpoint)
        _restore(doc, model, optimizer, seed, batch_size, loss_name, checkpoint)
        start_epoch = doc["epoch"]
        result.history = list(doc["history"])
        result.checkpoint_epoch = start_epoch
    result.epochs_done = start_epoch
    bar = ProgressBar(progress, stream)
    nbatches = -(-len(train_ds) // batch_size)
    epoch = start_epoch
    try:
        for epoch in range(start_epoch + 1, epochs + 1):
            bar.start(f"epoch {epoch}/{epochs}")
            if lr_schedule is not None:
                optimizer.lr = lr_schedule(epoch)
            t0 = time.perf_counter()
            total = hits = seen = 0
            model.train()
            order = index_batches(len(train_ds), batch_size, seed=epoch_seed(seed, epoch))
            for b, ix in enumerate(order, 1):
                inputs, targets = batch_of(train_ds, ix)
                outputs = _call(model, forward, inputs)
                batch_loss = loss_fn(outputs, targets)
                optimizer.zero_grad()
                batch_loss.backward()
                optimizer.step()
                value = batch_loss.item()
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"epoch {epoch}, batch {b}: the loss is {value}; training diverged - "
                        "lower the learning rate")
                total += value * len(ix)
                if count is not None:
                    hits += count(outputs, targets)
                seen += len(ix)
                bar.update(b, nbatches, total / seen, seen)
                if on_batch is not None:
                    on_batch(epoch, b, value)
            seconds = time.perf_counter() - t0
            bar.close()
            t1 = time.perf_counter()
            test_acc = test_loss = None
            if test_ds is not None:
                test_acc, test_loss = evaluate(model, test_ds, loss_fn, metric=count,
                                               forward=forward)
            record = {"epoch": epoch, "loss": total / max(seen, 1),
                      "train_acc": None if count is None else hits / max(seen, 1),
                      "test_loss": test_loss,
                      "test_acc": test_acc, "lr": getattr(optimizer, "lr", None),
                      "seconds": seconds,
                      "eval_seconds": time.perf_counter() - t1, "samples": seen}
            result.history.append(record)
            result.epochs_done = epoch
            result.seconds += seconds
            result.samples += seen
            if checkpoint is not None:
                save_checkpoint(checkpoint, model, optimizer, epoch, result.history, seed,
                                batch_size, loss_name, extra)
                result.checkpoint_epoch = epoch
            if on_epoch is not None:
                on_epoch(record, result)
    except KeyboardInterrupt:
        bar.close()
        result.interrupted = True
        where = (f"{checkpoint} holds epoch {result.checkpoint_epoch} of {epochs}"
                 if checkpoint is not None and result.checkpoint_epoch
                 else "no epoch was completed, nothing was saved" if checkpoint is not None
                 else "no checkpoint path was given")
        stream.write(f"\ninterrupted in epoch {epoch}: {where}\n")
        stream.flush()
    return result


# ---- checkpoint files -------------------------------------------------------------------------

def save_checkpoint(path, model, optimizer, epoch, history, seed, batch_size, loss_name,
                    extra=None):
    """Write the training state after ``epoch`` to ``path`` atomically (JSON)."""
    doc = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "epoch": epoch,
           "seed": seed, "batch_size": batch_size, "loss": loss_name,
           "model": {"architecture": model.architecture(), "state": model.state_dict()},
           "optimizer": optimizer.state_dict(), "history": history, "extra": extra or {}}
    write_json(path, doc)


def read_checkpoint(path):
    """Parse and check a checkpoint file; raise :class:`ModelFileError` if it is not one
    (FileNotFoundError if there is none; a FIFO, device or directory raises
    :class:`autograd.fileio.NotRegularFileError` before anything is read)."""
    path = os.fspath(path)
    if not os.path.lexists(path):
        raise FileNotFoundError(f"no checkpoint at {path} (train without --resume first)")
    doc = read_json(path, "checkpoint")          # strict: no NaN/Infinity, no duplicate keys
    if not isinstance(doc, dict) or doc.get("format") != CHECKPOINT_FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ModelFileError(f"{path}: not a chainrule checkpoint (format {found!r}, expected "
                             f"{CHECKPOINT_FORMAT!r})")
    if doc.get("version") != CHECKPOINT_VERSION:
        raise ModelFileError(f"{path}: checkpoint version {doc.get('version')!r} is not "
                             f"supported (expected {CHECKPOINT_VERSION})")
    epoch = doc.get("epoch")
    if (isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0
            or not isinstance(doc.get("history"), list) or len(doc["history"]) != epoch
            or not isinstance(doc.get("model"), dict)
            or not isinstance(doc.get("optimizer"), dict)):
        raise ModelFileError(f"{path}: damaged checkpoint (epoch, history, model or optimizer "
                             "missing or inconsistent)")
    for i, record in enumerate(doc["history"]):
        _check_record(path, i, record)
    if not isinstance(doc.get("extra", {}), dict):
        raise ModelFileError(f"{path}: damaged checkpoint ('extra' must be an object)")
    return doc


# Numbers or null: no metric gives no accuracies, no test set no test loss (see fit).
_RECORD_NUMBERS = ("train_acc", "test_loss", "test_acc", "lr", "seconds", "eval_seconds",
                   "samples")


def _check_record(path, i, record):
    """History record ``i`` must be ``{"epoch": i + 1, "loss": x, ...}``: a finite loss, and
    finite numbers or null for the rest (what the curve, the summary and a resumed run read)."""
    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    problem = None
    if not isinstance(record, dict):
        problem = f"is {type(record).__name__} {record!r:.40}, not an object"
    elif record.get("epoch") != i + 1 or isinstance(record.get("epoch"), bool):
        problem = f"has epoch {record.get('epoch')!r:.40}, expected {i + 1}"
    else:
        bad = [] if number(record.get("loss")) else ["loss"]
        bad += [k for k in _RECORD_NUMBERS if record.get(k) is not None and not number(record[k])]
        if bad:
            problem = f"needs finite numbers for {', '.join(bad)}"
    if problem:
        raise ModelFileError(f"{path}: damaged checkpoint (history record {i + 1} {problem})")


def _restore(doc, model, optimizer, seed, batch_size, loss_name, path):
    """Load the checkpoint's model and optimizer state after checking it fits this run."""
    for key, want in (("seed", seed), ("batch_size", batch_size), ("loss", loss_name)):
        if doc.get(key) != want:
            raise ModelFileError(f"{path}: the checkpoint was made with {key} "
                                 f"{doc.get(key)!r}, this run has {want!r}; resume with the "
                                 "same settings")
    arch = doc["model"].get("architecture")
    if arch != model.architecture():
        raise ModelFileError(f"{path}: the checkpoint holds a different model "
                             f"({(arch or {}).get('type')!r} {(arch or {}).get('config')!r})")
    model.load_state_dict(doc["model"].get("state"), strict=True)
    optimizer.load_state_dict(doc["optimizer"])

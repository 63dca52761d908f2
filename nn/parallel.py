"""Train a one-hidden-layer ``TensorMLP`` on several cores: the hidden units split across
processes.

``HiddenSplit(model, optimizer, workers)`` cuts ``Linear(nin, H) → act → Linear(H, nout)`` into
``workers`` shards of hidden units (:func:`split_sizes`). Shard k owns ``W1[:, k]``, ``b1[k]``,
``W2[k, :]`` and computes its part of the logits, ``z_k = act(X·W1[:, k] + b1[k])·W2[k, :]``;
the logits are ``z = (z_0 + z_1 + …) + b2``. Only the partial logits (forward) and ``∂L/∂z``
(backward), N × nout floats each, cross between processes: every other gradient
(``∂L/∂W2[k] = h_kᵀ·∂L/∂z``, ``∂L/∂h_k = ∂L/∂z·W2[k]ᵀ``, ``∂L/∂W1[:, k] = Xᵀ·∂L/∂h_k``) and each
shard's optimizer update (elementwise: SGD, Adam) stay in the shard's process. Splitting the
batch instead would sum all H·(nin + nout) gradients across processes at every step and have
every process update every weight. Shard 0 runs in this process, the others in fresh
interpreters (``subprocess``, in a session of their own, so a terminal's Ctrl-C reaches this
process only; they import chainrule, never the caller's ``__main__``), each through a
``multiprocessing`` pipe. No shared memory is used.

With one worker the arithmetic is exactly :class:`~nn.linear.TensorMLP`'s. With more, ``h·W2``
is summed in another order (per shard, then across shards): the logits differ by rounding
(~1e-16 relative), and training amplifies it a little (the tests bound the losses' difference).

``hs.model`` and ``hs.optimizer`` stand in for the model and optimizer in :func:`nn.fit`:
their ``state_dict()``/``load_state_dict()`` gather and scatter the shards in the full model's
and optimizer's format, so checkpoints resume with any number of workers. :meth:`sync` copies
the shards back into the original model and optimizer. Leaving the ``with`` block (normally,
on an error, on Ctrl-C) stops the workers; a worker whose parent dies sees its pipe close and
exits.
"""

import os
import signal
import subprocess
import sys
import traceback
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from operator import add

from autograd.engine import enable_grad, is_grad_enabled, no_grad
from autograd.sparse import SparseRows
from autograd.tensor import Tensor

from .linear import Linear, TensorMLP
from .optim import SGD, Adam

__all__ = ["HiddenSplit", "WorkerError", "split_sizes", "default_workers", "serve"]

OPTIMIZERS = {"SGD": SGD, "Adam": Adam}
STOP_SECONDS = 5.0               # how long a stopping child may take before it is killed


class WorkerError(RuntimeError):
    """A worker process failed (its traceback is in the message) or disappeared."""


def default_workers(cap=4):
    """The cores this process may use (``os.sched_getaffinity`` where there is one), at most
    ``cap``; 1 where worker processes cannot be started (not POSIX)."""
    if os.name != "posix":
        return 1
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, cap))


def split_sizes(hidden, workers):
    """Hidden units per shard: ``hidden // workers``, the first ``hidden % workers`` one more."""
    q, r = divmod(hidden, workers)
    return [q + (k < r) for k in range(workers)]


def _cols(flat, ncols, lo, hi):
    """Columns ``lo:hi`` of a row-major matrix, flat."""
    out = []
    for a in range(0, len(flat), ncols):
        out.extend(flat[a + lo:a + hi])
    return out


def _join_cols(parts, nrows):
    """The inverse of :func:`_cols` over consecutive column blocks ``parts``."""
    widths = [len(p) // nrows for p in parts]
    out = []
    for i in range(nrows):
        for p, w in zip(parts, widths):
            out.extend(p[i * w:(i + 1) * w])
    return out


class _Shard:
    """Hidden units ``lo:hi``: ``W1[:, lo:hi]``, ``b1[lo:hi]``, ``W2[lo:hi, :]`` as Tensors,
    with their own optimizer (same type and hyper-parameters)."""

    def __init__(self, w1, b1, w2, nin, nout, activation, opt_type, hyper):
        k = len(b1)
        self.W1 = Tensor(w1, (nin, k), requires_grad=True)
        self.B1 = Tensor(b1, (k,), requires_grad=True)
        self.W2 = Tensor(w2, (k, nout), requires_grad=True)
        self.params = [self.W1, self.B1, self.W2]
        self.act = activation
        self.opt = OPTIMIZERS[opt_type](self.params, **hyper)
        self.z = None

    def forward(self, x, train):
        """This shard's part of the logits (a flat list); the graph is kept when training."""
        with enable_grad() if train else no_grad():
            z = getattr(x @ self.W1 + self.B1, self.act)() @ self.W2
        self.z = z if train else None
        return z.data

    def step(self, dz, lr, zero):
        """Back-propagate ``∂L/∂z`` through the kept graph, then one optimizer step."""
        if self.z is None:
            raise RuntimeError("step() without a training forward() before it")
        if zero:
            self.opt.zero_grad()
        self.z.backward(Tensor(dz, self.z.shape))
        self.z = None
        self.opt.lr = lr
        self.opt.step()

    def weights(self):
        return [list(p.data) for p in self.params]

    def load_weights(self, weights):
        for p, w in zip(self.params, weights):
            p.data[:] = w

    def opt_state(self):
        return self.opt.state_dict()

    def load_opt_state(self, state):
        self.opt.load_state_dict(state)


def _child_input(x):
    """What a child needs to rebuild the batch ``x``."""
    if isinstance(x, SparseRows):
        return ("sparse", x.rows, x.ncols)
    return ("dense", list(x.data), x.shape)


def _rebuild(payload):
    if payload[0] == "sparse":
        return SparseRows(payload[1], payload[2])
    return Tensor(payload[1], payload[2])


def serve(fd):
    """A worker process (``python -c "from nn.parallel import serve; serve(FD)"``): build the
    shard it is sent over the pipe ``fd``, then answer requests until told to stop or until
    the parent's end closes. Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    shard = None
    try:
        while True:
            try:
                kind, *args = conn.recv()
            except (EOFError, OSError):
                return
            if kind == "stop":
                return
            try:
                if kind == "init":
                    shard, reply = _Shard(*args), None
                elif kind == "forward":
                    reply = shard.forward(_rebuild(args[0]), args[1])
                else:
                    reply = getattr(shard, kind)(*args)
            except Exception:                      # noqa: BLE001 - sent to the parent
                conn.send(("error", traceback.format_exc()))
            else:
                conn.send(("ok", reply))
    finally:
        conn.close()


class HiddenSplit:
    """Run ``model`` (a :class:`TensorMLP` with one hidden layer) and ``optimizer`` (``SGD`` or
    ``Adam`` over ``model.parameters()``) as ``workers`` shards; a context manager."""

    def __init__(self, model, optimizer, workers):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"HiddenSplit: workers must be a positive int, got {workers!r}")
        linears = [m for m in getattr(model, "layers", ()) if isinstance(m, Linear)]
        if not isinstance(model, TensorMLP) or len(linears) != 2:
            raise ValueError("HiddenSplit splits the hidden units of a TensorMLP with one "
                             "hidden layer (784-128-10); this model has "
                             f"{max(len(linears) - 1, 0)} hidden layers")
        if type(optimizer).__name__ not in OPTIMIZERS or type(optimizer) not in (SGD, Adam):
            raise ValueError(f"HiddenSplit: the optimizer must be SGD or Adam, got "
                             f"{type(optimizer).__name__}")
        if [id(p) for p in optimizer.params] != [id(p) for p in model.parameters()]:
            raise ValueError("HiddenSplit: the optimizer must hold model.parameters() "
                             "(all of them, in order)")
        self.full, self.full_opt = model, optimizer
        self.nin, hidden = linears[0].nin, linears[0].nout
        self.nout = linears[1].nout
        if workers > hidden:
            raise ValueError(f"HiddenSplit: {workers} workers for {hidden} hidden units; "
                             "each worker needs at least one")
        self.sizes = split_sizes(hidden, workers)
        self.bounds = [(sum(self.sizes[:k]), sum(self.sizes[:k + 1])) for k in range(workers)]
        self.activation = model.activation
        self.b2 = Tensor(list(linears[1].bias.data), (self.nout,), requires_grad=True)
        self.conns, self.procs = [], []
        self.closed = False
        self.model = _SplitModel(self)
        self.optimizer = _SplitOptimizer(self)
        try:
            self._start(workers)
        except BaseException:
            self.close()
            raise

    # ---- the processes -------------------------------------------------------------------------

    def _start(self, workers):
        if workers > 1 and os.name != "posix":
            raise WorkerError("worker processes need a POSIX system (their pipes are passed "
                              "as file descriptors); train with one worker")
        shards = self._shard_weights()
        opt_type, hyper = type(self.full_opt).__name__, self.full_opt.hyperparameters()
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        for _ in range(1, workers):
            parent, child = Pipe()
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-c", f"from nn.parallel import serve; "
                                           f"serve({child.fileno()})"],
                    pass_fds=(child.fileno(),), env=env, stdin=subprocess.DEVNULL,
                    start_new_session=True)
            except OSError as e:
                parent.close()
                raise WorkerError(f"cannot start a worker process ({sys.executable}): "
                                  f"{e.strerror or e}; train with --workers 1") from None
            finally:
                child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        self.local = _Shard(*shards[0], self.nin, self.nout, self.activation, opt_type, hyper)
        self._all("init", [(*w, self.nin, self.nout, self.activation, opt_type, hyper)
                           for w in shards[1:]], local=False)
        self._load_opt(self.full_opt.state_dict())

    def _send(self, conn, message):
        try:
            conn.send(message)
        except (OSError, ValueError) as e:
            raise WorkerError(f"a worker process is gone ({e}); stopping") from None

    def _recv(self, k, conn):
        try:
            status, reply = conn.recv()
        except (EOFError, OSError):
            raise WorkerError(f"worker {k} exited unexpectedly (exit code "
                              f"{self.procs[k - 1].poll()})") from None
        if status == "error":
            raise WorkerError(f"worker {k} failed:\n{reply}")
        return reply

    def _all(self, kind, child_args, local=True, local_args=None):
        """Send ``kind`` to every child (``child_args[k - 1]``), run it on shard 0 meanwhile
        (``local_args``), then collect the replies in shard order."""
        if self.closed:
            raise WorkerError("HiddenSplit: the worker processes were stopped")
        try:
            for conn, args in zip(self.conns, child_args):
                self._send(conn, (kind, *args))
            replies, failure = [], None
            try:
                if local:
                    replies.append(getattr(self.local, kind)(*local_args))
            except Exception as e:                  # noqa: BLE001 - raised once all replied
                failure = e
            for k, conn in enumerate(self.conns, 1):       # every reply is read, so the next
                try:                                       # request finds the pipes in step
                    replies.append(self._recv(k, conn))
                except WorkerError as e:
                    failure = failure or e
        except BaseException:               # Ctrl-C mid-exchange: the pipes are out of step
            self.close()
            raise
        if failure is not None:
            raise failure
        return replies

    def close(self):
        """Stop the child processes (idempotent): ask, wait, then terminate."""
        if self.closed:
            return
        self.closed = True
        for conn in self.conns:
            try:
                conn.send(("stop",))
            except (OSError, ValueError):
                pass
        for proc in self.procs:
            try:
                proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for conn in self.conns:
            conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- weights and optimizer state -------------------------------------------------------------

    def _shard_weights(self):
        W1, B1, W2, _ = (p.data for p in self.full.parameters())
        h = len(B1)
        return [(_cols(W1, h, lo, hi), list(B1[lo:hi]), list(W2[lo * self.nout:hi * self.nout]))
                for lo, hi in self.bounds]

    def _gather(self):
        """The full model's parameter lists from the shards (W1, b1, W2, b2)."""
        parts = self._all("weights", [()] * len(self.conns), local_args=())
        W1 = _join_cols([p[0] for p in parts], self.nin)
        B1 = [v for p in parts for v in p[1]]
        W2 = [v for p in parts for v in p[2]]
        return [W1, B1, W2, list(self.b2.data)]

    def _scatter(self):
        shards = self._shard_weights()
        self.local.load_weights(list(shards[0]))
        self._all("load_weights", [(list(s),) for s in shards[1:]], local=False)
        self.b2.data[:] = self.full.parameters()[3].data

    def _opt_states(self):
        return self._all("opt_state", [()] * len(self.conns), local_args=())

    def _gathered_opt_state(self):
        """The full optimizer's state_dict assembled from the shards' (the same format)."""
        states = self._opt_states()
        head = self.optimizer.head.state_dict()
        full = dict(states[0], buffers={})
        for name in states[0]["buffers"]:
            per = [s["buffers"][name] for s in states]          # per shard: [W1k, b1k, W2k]
            if any(b is None for p in per for b in p):
                joined = [None, None, None]
            else:
                joined = [_join_cols([p[0] for p in per], self.nin),
                          [v for p in per for v in p[1]], [v for p in per for v in p[2]]]
            full["buffers"][name] = joined + head["buffers"][name]
        return full

    def _load_opt(self, state):
        """Scatter a full optimizer state_dict (checked by the full optimizer first)."""
        self.full_opt.load_state_dict(state)
        state = self.full_opt.state_dict()
        h = sum(self.sizes)
        per_shard = []
        for lo, hi in self.bounds:
            bufs = {}
            for name, (w1, b1, w2, _) in state["buffers"].items():
                bufs[name] = ([None, None, None] if w1 is None or b1 is None or w2 is None
                              else [_cols(w1, h, lo, hi), b1[lo:hi],
                                    w2[lo * self.nout:hi * self.nout]])
            per_shard.append(dict(state, buffers=bufs))
        self.local.load_opt_state(per_shard[0])
        self._all("load_opt_state", [(s,) for s in per_shard[1:]], local=False)
        head = dict(state, buffers={n: [b[3]] for n, b in state["buffers"].items()})
        self.optimizer.head.load_state_dict(head)

    def sync(self):
        """Copy the shards' weights and optimizer state into the original model and optimizer
        (e.g. before saving the model); returns the model."""
        for p, w in zip(self.full.parameters(), self._gather()):
            p.data[:] = w
        self.full_opt.load_state_dict(self._gathered_opt_state())
        return self.full


class _SplitModel:
    """The model :func:`nn.fit` calls: logits from the shards, checkpoints in the full
    model's format."""

    def __init__(self, split):
        self.split = split
        self.z = None                        # the summed partial logits of the last batch

    def __call__(self, x):
        s = self.split
        train = is_grad_enabled()
        payload = _child_input(x)
        parts = s._all("forward", [(payload, train)] * len(s.conns), local_args=(x, train))
        z = parts[0]
        for part in parts[1:]:
            z = list(map(add, z, part))
        zt = Tensor(z, (len(z) // s.nout, s.nout), requires_grad=train)
        self.z = zt if train else None
        return zt + s.b2

    def train(self, mode=True):
        return self

    def eval(self):
        return self

    def architecture(self):
        return self.split.full.architecture()

    def num_parameters(self):
        return self.split.full.num_parameters()

    def state_dict(self):
        s = self.split
        for p, w in zip(s.full.parameters(), s._gather()):
            p.data[:] = w
        return s.full.state_dict()

    def load_state_dict(self, state, strict=True):
        self.split.full.load_state_dict(state, strict=strict)
        self.split._scatter()
        return self


class _SplitOptimizer:
    """The optimizer :func:`nn.fit` steps: ``∂L/∂z`` to every shard, b2 updated here."""

    def __init__(self, split):
        self.split = split
        opt = split.full_opt
        self.head = type(opt)([split.b2], **opt.hyperparameters())
        self.zero = False

    @property
    def lr(self):
        return self.head.lr

    @lr.setter
    def lr(self, value):
        self.head.lr = value

    def zero_grad(self):
        self.zero = True
        self.head.zero_grad()

    def step(self):
        s = self.split
        z = s.model.z
        if z is None or z.grad is None:
            raise RuntimeError("HiddenSplit: step() needs a training forward and backward()")
        dz, lr, zero = list(z.grad.data), self.head.lr, self.zero
        s._all("step", [(dz, lr, zero)] * len(s.conns), local_args=(dz, lr, zero))
        self.head.step()
        self.zero = False
        s.model.z = None

    def state_dict(self):
        return self.split._gathered_opt_state()

    def load_state_dict(self, state):
        self.split._load_opt(state)

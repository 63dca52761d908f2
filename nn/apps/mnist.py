"""``chainrule mnist`` (train a network on handwritten digits) and ``chainrule predict``.

    chainrule mnist [--dataset bundled | fashion [DIR] | mnist-dir DIR] [--download DIR]
                    [--hidden 128 [SIZE ...]] [--activation tanh|relu|sigmoid]
                    [--loss cross-entropy|squared-error] [--optimizer sgd|adam] [--lr LR]
                    [--momentum M] [--schedule constant|cosine] [--epochs 10]
                    [--batch-size 256] [--seed 0] [--limit N] [--test-limit N]
                    [--out runs/mnist] [--resume] [--workers N] [--quiet]
    chainrule predict [MODEL] (IMAGE.png | --index N) [--dataset ...] [--split test]

Each ``mnist`` run gets its own numbered folder in ``--out`` (``runs/mnist/1``, ``2``, ...;
``runs/mnist/latest`` names the newest, see :mod:`nn.apps.run_folder`) and writes ``model.json``
(architecture + weights + class names), ``model.safetensors`` (the same model as the
equivalent ``torch.nn.Sequential``'s weights, for PyTorch), ``checkpoint.json`` (everything
needed to resume), ``history.json`` and ``curve.svg`` there after every epoch: a run never
replaces another run's files. ``--resume`` continues a run folder (default: the latest run)
under a lock. ``predict`` reads a model file, a run folder or a runs folder (its latest run;
default ``runs/mnist``).
``--workers N`` trains with N processes, the hidden units split between them
(:mod:`nn.parallel`; default: the cores this machine has, at most 4; one process for a network
with more than one hidden layer); ``--workers 1`` is the one-process path. It is not a training
setting: a run resumes with any number of workers.
Bad arguments, missing files, wrong model files and failed writes print one line and exit with
2; a diverging run or a failed worker exits with 1; Ctrl-C exits with 130 after saying how to
resume.
"""

import argparse
import json
import os
import sys
import time

from .predict import RUNS, run_predict
from .mnist_settings import (DEFAULTS, OPTIMIZERS, RULES, SCHEDULES, TRAINING_KEYS, UsageError,
                             check_settings, check_size, dataset_spec, default_lr,
                             exit_2_on_usage_error, load_split, network_sizes, plural)

EXAMPLE = "chainrule mnist --out runs/mnist"
WORKERS_CAP = 4                 # the default's ceiling (the speed-up flattens past a few cores)
WORKERS_MAX = 64                # what --workers accepts at all
OUTPUTS = ("model.json", "model.safetensors", "checkpoint.json", "history.json", "curve.svg")


def _one_line(parser, command):
    def error(message):
        print(f"chainrule {command}: error: {message} (see chainrule {command} --help)",
              file=sys.stderr)
        raise SystemExit(2)

    parser.error = error
    return parser


def _checked(convert, ok, what):
    """An argparse type: ``convert(text)``, accepted when ``ok(value)``."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    return parse


# The flags' types apply the same rules as a checkpoint's stored settings (nn.apps.mnist_settings).
_positive = _checked(int, RULES["batch_size"][0], RULES["batch_size"][1])
_nonnegative_float = _checked(float, RULES["lr"][0], RULES["lr"][1])


def _dataset_option(p):
    p.add_argument("--dataset", nargs="+", metavar=("KIND", "DIR"),
                   help="bundled (10,000 real digits shipped with chainrule; default), "
                        "fashion [DIR] (Fashion-MNIST, default DIR /usr/share/datasets/"
                        "fashion-mnist), or mnist-dir DIR (the four standard MNIST IDX files)")


def register(subparsers):
    from ..linear import ACTIVATION_MODULES
    from ..tensor_losses import LOSSES

    p = subparsers.add_parser(
        "mnist", help="train a network on handwritten digits in pure Python",
        description="Train 784 → hidden → 10 on MNIST-style images (default: the bundled "
                    "8,000/2,000 real digits) with a progress bar, per-epoch test accuracy, "
                    "checkpoints and a loss/accuracy curve.",
        epilog=f"example: {EXAMPLE}")
    _dataset_option(p)
    p.add_argument("--download", metavar="DIR",
                   help="download the full MNIST (checksum-verified) into DIR and train on it")
    p.add_argument("--hidden", nargs="+", type=_positive, metavar="SIZE",
                   help="hidden layer sizes (default 128)")
    p.add_argument("--activation", choices=tuple(ACTIVATION_MODULES))
    p.add_argument("--loss", choices=tuple(LOSSES))
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--lr", type=_nonnegative_float,
                   help="learning rate (default: sgd 0.2 at batch 256 and above, scaled "
                        "linearly below: 0.05 at batch 64; adam 0.001)")
    p.add_argument("--momentum", type=_nonnegative_float, help="SGD momentum (default 0.9)")
    p.add_argument("--schedule", choices=SCHEDULES,
                   help="learning rate per epoch: constant (default) or a cosine decay from "
                        "--lr towards 0")
    p.add_argument("--epochs", type=_positive, help="total epochs (default 10)")
    p.add_argument("--batch-size", type=_positive, help="default 256")
    p.add_argument("--seed", type=int, help="weights and batch order (default 0)")
    p.add_argument("--limit", type=_positive, metavar="N", help="use the first N training images")
    p.add_argument("--test-limit", type=_positive, metavar="N",
                   help="use the first N test images")
    p.add_argument("--out", metavar="DIR",
                   help=f"runs folder: each run writes a new numbered folder DIR/1, DIR/2, ... "
                        f"(default {RUNS}); with --resume, the run folder to continue "
                        "(default: the latest run)")
    p.add_argument("--resume", action="store_true",
                   help="continue a run from its checkpoint.json with its settings "
                        "(--epochs may raise the total; the cosine schedule then stretches "
                        "over the new total)")
    p.add_argument("--workers", type=_positive, metavar="N",
                   help="processes to train with, the hidden units split between them "
                        f"(default: this machine's cores, at most {WORKERS_CAP}; 1: one "
                        "process)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no per-epoch lines")
    p.set_defaults(func=run_mnist)
    _one_line(p, "mnist")

    q = subparsers.add_parser(
        "predict", help="classify an image with a model saved by chainrule mnist",
        description="Load a model written by chainrule mnist (model.json or "
                    "model.safetensors), classify a PNG image or image N of a dataset, print "
                    "the top-3 classes and an ASCII preview.",
        epilog="example: chainrule predict --index 0   (the latest run's model)")
    q.add_argument("model", nargs="?",
                   help=f"model.json or model.safetensors, a run folder, or a runs folder (its "
                        f"latest run); default {RUNS}")
    q.add_argument("image", nargs="?", help="a PNG file (8-bit grey/RGB/RGBA)")
    q.add_argument("--index", type=int, metavar="N", help="image N of the dataset instead")
    _dataset_option(q)
    q.add_argument("--split", choices=("train", "test"), default="test",
                   help="dataset split for --index (default test)")
    q.add_argument("--no-preview", dest="preview", action="store_false",
                   help="do not print the ASCII preview")
    q.set_defaults(func=run_predict)
    _one_line(q, "predict")


# ---- data -------------------------------------------------------------------------------------

def _download(directory, quiet):
    from ..data import DownloadError, download_mnist

    log = None if quiet else (lambda message: print(f"download: {message}", file=sys.stderr))
    try:
        download_mnist(directory, log=log)
    except DownloadError as e:
        raise UsageError(str(e)) from None


# ---- mnist ------------------------------------------------------------------------------------

def _settings(args, checkpoint_path):
    """``(settings, lr note)``: the flags over the defaults, or the checkpoint's on --resume
    (checked by the same rules as the flags). The note says why a default lr was chosen."""
    given = {"dataset": args.dataset, "hidden": args.hidden, "activation": args.activation,
             "loss": args.loss, "optimizer": args.optimizer, "lr": args.lr,
             "momentum": args.momentum, "schedule": args.schedule, "epochs": args.epochs,
             "batch_size": args.batch_size,
             "seed": args.seed, "limit": args.limit, "test_limit": args.test_limit}
    if args.download is not None:
        given["dataset"] = dataset_spec(args.dataset, args.download)
    if args.resume:
        from ..train import read_checkpoint

        where = f"--resume: {checkpoint_path}"
        try:
            extra = read_checkpoint(checkpoint_path).get("extra")
        except FileNotFoundError:
            raise UsageError(f"--resume: no checkpoint at {checkpoint_path}; train without "
                             "--resume first") from None
        except OSError as e:
            raise UsageError(f"{where}: cannot read it: {e.strerror or e}") from None
        saved = check_settings(extra.get("settings") if isinstance(extra, dict) else None,
                               where)
        clash = [k for k in TRAINING_KEYS if given[k] is not None and given[k] != saved[k]]
        if clash:
            raise UsageError(f"--resume continues with the checkpoint's settings; drop "
                             f"{', '.join('--' + k.replace('_', '-') for k in clash)} "
                             "(only --epochs may change)")
        settings = dict(saved)
        if args.epochs is not None:
            settings["epochs"] = args.epochs
        return settings, None
    settings = {k: (DEFAULTS[k] if v is None else v) for k, v in given.items()}
    settings["dataset"] = dataset_spec(settings["dataset"])
    note = None
    if settings["lr"] is None:
        settings["lr"], note = default_lr(settings["optimizer"], settings["batch_size"])
    return settings, note


def _optimizer(settings, params):
    from ..optim import SGD, Adam

    if settings["optimizer"] == "adam":
        return Adam(params, lr=settings["lr"])
    return SGD(params, lr=settings["lr"], momentum=settings["momentum"])


def describe(settings, train, test, model, lr_note=None):
    opt = settings["optimizer"]
    lr = f"lr {settings['lr']:g}" + (f" ({lr_note})" if lr_note else "")
    hyper = (f"SGD {lr} momentum {settings['momentum']:g}" if opt == "sgd"
             else f"Adam {lr}") + f" ({settings['schedule']})"
    sizes = "-".join(map(str, network_sizes(settings, train)))
    return (f"training {sizes} {settings['activation']} ({model.num_parameters():,} parameters) "
            f"on {train.name} ({len(train):,} train / {len(test):,} test), {settings['loss']}, "
            f"{hyper}, batch {settings['batch_size']}, {plural(settings['epochs'], 'epoch')}, "
            f"seed {settings['seed']}")


def _write_outputs(out, model, meta, result, settings, train_name):
    from ..model_file import save_model
    from .plot import training_curves
    from autograd.fileio import atomic_write

    save_model(model, os.path.join(out, "model.json"), meta)
    save_model(model, os.path.join(out, "model.safetensors"), meta)     # for PyTorch
    atomic_write(os.path.join(out, "history.json"),
                 json.dumps({"settings": settings, "history": result.history}, indent=1))
    atomic_write(os.path.join(out, "curve.svg"),
                 training_curves(result.history, f"{train_name}: {meta['architecture']}"))


def _resume_target(out):
    """``(run folder, checkpoint path)`` of the run ``--resume`` continues: ``out`` (default
    the runs folder) if it holds a checkpoint, else its latest run."""
    from .run_folder import RunFolderError, resolve_run

    try:
        checkpoint, folder, _ = resolve_run(out or RUNS, "checkpoint.json")
    except (RunFolderError, OSError) as e:            # FileNotFoundError says what is missing
        raise UsageError(f"--resume: {e}") from None
    return folder, checkpoint


def _claim(folder, parent, command):
    """Lock the run folder, remove the temporary files killed runs left (in it, and for a new
    run in the whole runs folder), and check that a file can be written there: all before any
    training."""
    from autograd.fileio import atomic_write, remove_stale_temp_files

    from .run_folder import RunLock, RunLocked, run_numbers

    lock = RunLock(folder, command)
    try:
        lock.acquire()
    except RunLocked as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot lock {folder}: {e.strerror or e}") from None
    try:
        sweep = [folder]                 # a new run also sweeps the runs folder and its runs
        if parent is not None:
            sweep += [parent] + [os.path.join(parent, str(n)) for n in run_numbers(parent)]
        for where in sweep:
            remove_stale_temp_files(where)          # only files of dead processes
        for name in OUTPUTS:
            path = os.path.join(folder, name)
            if os.path.lexists(path) and not os.path.isfile(path):
                raise UsageError(f"{path} is not a regular file; move it away first")
        probe = os.path.join(folder, ".chainrule-write-test")
        try:
            atomic_write(probe, b"")
            os.unlink(probe)
        except OSError as e:
            raise UsageError(f"cannot write to {folder}: {e.strerror or e}; nothing was "
                             "trained") from None
    except BaseException:
        lock.release()
        raise
    return lock


@exit_2_on_usage_error("mnist")
def run_mnist(args):
    from ..module import ModelFileError
    from .run_folder import holds_a_run, new_run

    parent = None
    if args.resume:
        folder, checkpoint = _resume_target(args.out)
    else:
        parent = args.out or RUNS
        # An explicit run folder is refused; the default runs/mnist may hold the files of a
        # run from before numbered runs: they stay, and the new run goes into runs/mnist/1.
        if args.out is not None and holds_a_run(parent):
            raise UsageError(f"--out {parent} holds a run (checkpoint.json or model.json): "
                             f"continue it with --out {parent} --resume, or give a runs folder "
                             "for a new run")
        folder = checkpoint = None
    try:
        settings, lr_note = _settings(args, checkpoint)
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    spec = settings["dataset"]
    if spec[0] == "mnist-dir" and args.download is not None:
        _download(spec[1], args.quiet)
    train, test = load_split(spec, "train"), load_split(spec, "test")
    if settings["limit"]:
        train = train[:settings["limit"]]
    if settings["test_limit"]:
        test = test[:settings["test_limit"]]
    check_size(network_sizes(settings, train), f"--resume: {checkpoint}: " if checkpoint else "")
    workers = _workers(args.workers, settings["hidden"])
    if folder is None:
        try:
            folder = new_run(parent)
        except OSError as e:
            raise UsageError(f"cannot create a run folder in --out {parent}: "
                             f"{e.strerror or e}") from None
        checkpoint = os.path.join(folder, "checkpoint.json")
    command = "chainrule mnist " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["mnist"] else ""
    try:
        lock = _claim(folder, parent, command)
        try:
            return _train(args, settings, lr_note, train, test, folder, parent, checkpoint,
                          workers)
        finally:
            lock.release()
    finally:
        if parent is not None:
            try:
                os.rmdir(folder)          # a new run that saved nothing leaves no folder
            except OSError:
                pass


def _workers(requested, hidden):
    """The number of processes: ``--workers``, checked against the network (the split needs
    one hidden layer and a unit per worker), or the default."""
    if requested is None:
        from ..parallel import default_workers
        return 1 if len(hidden) != 1 else min(default_workers(WORKERS_CAP), hidden[0])
    if requested > WORKERS_MAX:
        raise UsageError(f"--workers {requested}: at most {WORKERS_MAX}")
    if requested > 1 and len(hidden) != 1:
        raise UsageError(f"--workers {requested} splits the units of one hidden layer; "
                         f"--hidden {' '.join(map(str, hidden))} has {len(hidden)} layers: "
                         "use --workers 1")
    if requested > hidden[0]:
        raise UsageError(f"--workers {requested}: the hidden layer has {hidden[0]} units, and "
                         "each worker needs at least one")
    return requested


def _train(args, settings, lr_note, train, test, folder, parent, checkpoint, workers=1):
    from ..linear import TensorMLP
    from ..parallel import HiddenSplit, WorkerError, split_sizes
    from ..module import ModelFileError
    from .run_folder import set_latest
    from ..train import cosine_schedule, fit

    model = TensorMLP(train.rows * train.cols, settings["hidden"], len(train.classes),
                      activation=settings["activation"], seed=settings["seed"])
    try:
        optimizer = _optimizer(settings, model.parameters())
    except ValueError as e:
        raise UsageError(str(e)) from None
    arch = "-".join(map(str, network_sizes(settings, train))) + " " + settings["activation"]
    meta = {"dataset": settings["dataset"], "classes": list(train.classes),
            "image_shape": [train.rows, train.cols], "architecture": arch}
    quiet = args.quiet
    if not quiet:
        print(describe(settings, train, test, model, lr_note), flush=True)
    saved = {"epoch": 0}            # the epoch whose checkpoint is on disk
    split = None
    if workers > 1 and not quiet:
        sizes = " + ".join(map(str, split_sizes(settings["hidden"][0], workers)))
        print(f"{workers} worker processes, the hidden units split {sizes} "
              "(--workers 1: one process)", flush=True)

    def current():
        return split.sync() if split is not None else model

    def on_epoch(record, result):
        saved["epoch"] = record["epoch"]
        _write_outputs(folder, current(), meta, result, settings, train.name)
        if parent is not None and record["epoch"] == 1:       # a new run: now the latest
            set_latest(parent, folder)
        if not quiet:
            print(f"epoch {record['epoch']:>2}/{settings['epochs']}  loss {record['loss']:.4f}  "
                  f"train {100 * record['train_acc']:.2f}%  test {100 * record['test_acc']:.2f}%"
                  f"  {record['seconds']:.1f} s  "
                  f"{record['samples'] / max(record['seconds'], 1e-9):,.0f} samples/s",
                  flush=True)

    t0 = time.perf_counter()
    try:
        if workers > 1:
            try:
                split = HiddenSplit(model, optimizer, workers)
            except KeyboardInterrupt:
                print("\ninterrupted while the workers started: nothing was trained",
                      file=sys.stderr)
                return 130
        result = fit(split.model if split else model, train, test, settings["epochs"],
                     settings["batch_size"], split.optimizer if split else optimizer,
                     settings["loss"], settings["seed"], on_epoch=on_epoch,
                     checkpoint=checkpoint, resume=args.resume, progress=not quiet,
                     extra={"settings": settings, "meta": meta},
                     lr_schedule=(cosine_schedule(settings["lr"], settings["epochs"])
                                  if settings["schedule"] == "cosine" else None))
        if not result.samples and result.history and not result.interrupted:
            _write_outputs(folder, current(), meta, result, settings, train.name)  # refresh
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    except (FloatingPointError, WorkerError) as e:        # diverged, or a worker failed
        print(f"chainrule mnist: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:                  # a full disk, a permission, a file that changed
        resume = f"continue with: chainrule mnist --out {folder} --resume"
        kept = (f"the files written before are kept, {checkpoint} holds epoch {saved['epoch']} "
                f"({resume})" if saved["epoch"] else
                f"{folder} keeps the files it had ({resume})" if args.resume else
                "no epoch was saved")
        raise UsageError(f"cannot write {e.filename or folder}: {e.strerror or e}; "
                         f"{kept}") from None
    finally:
        if split is not None:
            split.close()                 # on success, error and Ctrl-C alike
    wall = time.perf_counter() - t0
    if result.interrupted:
        if result.checkpoint_epoch or args.resume:    # else the empty folder is removed
            print(f"to resume: chainrule mnist --out {folder} --resume", file=sys.stderr)
        return 130
    if not result.samples:            # resumed at the end: the outputs were refreshed
        print(f"nothing to do: {checkpoint} already has {plural(result.epochs_done, 'epoch')} "
              "(raise --epochs to train more)")
        return 0
    last = result.history[-1]
    rate = result.samples / max(result.seconds, 1e-9)
    print(f"final test accuracy {100 * last['test_acc']:.2f}% after "
          f"{plural(last['epoch'], 'epoch')}; {wall:.1f} s in all ({result.seconds:.1f} s "
          f"training, {rate:,.0f} samples/s)")
    print(f"wrote {folder}/model.json, model.safetensors, checkpoint.json, history.json, "
          "curve.svg")
    return 0

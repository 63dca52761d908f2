"""``chainrule mnist`` (train a network on handwritten digits) and ``chainrule predict``.

    chainrule mnist [--dataset bundled | fashion [DIR] | mnist-dir DIR] [--download DIR]
                    [--hidden 128 [SIZE ...]] [--activation tanh|relu|sigmoid]
                    [--loss cross-entropy|squared-error] [--optimizer sgd|adam] [--lr LR]
                    [--momentum M] [--schedule constant|cosine] [--epochs 10]
                    [--batch-size 256] [--seed 0] [--limit N] [--test-limit N]
                    [--out runs/mnist] [--resume] [--quiet]
    chainrule predict MODEL.json|MODEL.safetensors (IMAGE.png | --index N) [--dataset ...]
                      [--split test]

``mnist`` writes ``model.json`` (architecture + weights + class names), ``model.safetensors``
(the same model as the equivalent ``torch.nn.Sequential``'s weights, for PyTorch),
``checkpoint.json`` (everything needed to resume), ``history.json`` and ``curve.svg`` into
``--out`` after every epoch. Bad arguments, missing files and wrong model files print one line
and exit with 2; a diverging run exits with 1; Ctrl-C exits with 130 after saying how to resume.
"""

import argparse
import json
import os
import sys
import time

EXAMPLE = "chainrule mnist --out runs/mnist"
DEFAULTS = {"dataset": ["bundled"], "hidden": [128], "activation": "tanh",
            "loss": "cross-entropy", "optimizer": "sgd", "lr": None, "momentum": 0.9,
            "schedule": "constant",
            "epochs": 10, "batch_size": 256, "seed": 0, "limit": None, "test_limit": None}
DEFAULT_LR = {"sgd": 0.2, "adam": 0.001}
TRAINING_KEYS = tuple(k for k in DEFAULTS if k != "epochs")


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit code 2."""


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


_positive = _checked(int, lambda n: n >= 1, "a positive integer")
_nonnegative_float = _checked(float, lambda x: 0.0 <= x < float("inf"), "a finite number >= 0")


def _dataset_option(p):
    p.add_argument("--dataset", nargs="+", metavar=("KIND", "DIR"),
                   help="bundled (10,000 real digits shipped with chainrule; default), "
                        "fashion [DIR] (Fashion-MNIST, default DIR /usr/share/datasets/"
                        "fashion-mnist), or mnist-dir DIR (the four standard MNIST IDX files)")


def register(subparsers):
    from .linear import ACTIVATION_MODULES
    from .tensor_losses import LOSSES

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
    p.add_argument("--optimizer", choices=("sgd", "adam"))
    p.add_argument("--lr", type=_nonnegative_float,
                   help="learning rate (default 0.2 for sgd, 0.001 for adam)")
    p.add_argument("--momentum", type=_nonnegative_float, help="SGD momentum (default 0.9)")
    p.add_argument("--schedule", choices=("constant", "cosine"),
                   help="learning rate per epoch: constant (default) or a cosine decay from "
                        "--lr towards 0")
    p.add_argument("--epochs", type=_positive, help="total epochs (default 10)")
    p.add_argument("--batch-size", type=_positive, help="default 256")
    p.add_argument("--seed", type=int, help="weights and batch order (default 0)")
    p.add_argument("--limit", type=_positive, metavar="N", help="use the first N training images")
    p.add_argument("--test-limit", type=_positive, metavar="N",
                   help="use the first N test images")
    p.add_argument("--out", default="runs/mnist", metavar="DIR",
                   help="output directory (default runs/mnist)")
    p.add_argument("--resume", action="store_true",
                   help="continue from DIR/checkpoint.json with its settings "
                        "(--epochs may raise the total; the cosine schedule then stretches "
                        "over the new total)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no per-epoch lines")
    p.set_defaults(func=run_mnist)
    _one_line(p, "mnist")

    q = subparsers.add_parser(
        "predict", help="classify an image with a model saved by chainrule mnist",
        description="Load MODEL.json or MODEL.safetensors (written by chainrule mnist), "
                    "classify a PNG image or image N of a dataset, print the top-3 classes and "
                    "an ASCII preview.",
        epilog="example: chainrule predict runs/mnist/model.json --index 0")
    q.add_argument("model", help="model.json or model.safetensors written by chainrule mnist")
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


def load_split(spec, split):
    """The ImageDataset of ``split`` for a dataset spec (raises UsageError if missing)."""
    from .data import IDXError, load_fashion_mnist, load_mnist, load_mnist_dir

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


def _download(directory, quiet):
    from .data import DownloadError, download_mnist

    log = None if quiet else (lambda message: print(f"download: {message}", file=sys.stderr))
    try:
        download_mnist(directory, log=log)
    except DownloadError as e:
        raise UsageError(str(e)) from None


# ---- mnist ------------------------------------------------------------------------------------

def _settings(args, checkpoint_path):
    """The training settings: the flags over the defaults, or the checkpoint's on --resume."""
    given = {"dataset": args.dataset, "hidden": args.hidden, "activation": args.activation,
             "loss": args.loss, "optimizer": args.optimizer, "lr": args.lr,
             "momentum": args.momentum, "schedule": args.schedule, "epochs": args.epochs,
             "batch_size": args.batch_size,
             "seed": args.seed, "limit": args.limit, "test_limit": args.test_limit}
    if args.download is not None:
        given["dataset"] = dataset_spec(args.dataset, args.download)
    if args.resume:
        from .train import read_checkpoint

        try:
            saved = read_checkpoint(checkpoint_path)["extra"].get("settings")
        except FileNotFoundError:
            raise UsageError(f"--resume: no checkpoint at {checkpoint_path}; train without "
                             "--resume first (same --out)") from None
        if not isinstance(saved, dict) or set(saved) != set(DEFAULTS):
            raise UsageError(f"--resume: {checkpoint_path} was not written by chainrule mnist")
        clash = [k for k in TRAINING_KEYS if given[k] is not None and given[k] != saved[k]]
        if clash:
            raise UsageError(f"--resume continues with the checkpoint's settings; drop "
                             f"{', '.join('--' + k.replace('_', '-') for k in clash)} "
                             "(only --epochs may change)")
        settings = dict(saved)
        if args.epochs is not None:
            settings["epochs"] = args.epochs
        return settings
    settings = {k: (DEFAULTS[k] if v is None else v) for k, v in given.items()}
    settings["dataset"] = dataset_spec(settings["dataset"])
    if settings["lr"] is None:
        settings["lr"] = DEFAULT_LR[settings["optimizer"]]
    return settings


def _optimizer(settings, params):
    from .optim import SGD, Adam

    if settings["optimizer"] == "adam":
        return Adam(params, lr=settings["lr"])
    return SGD(params, lr=settings["lr"], momentum=settings["momentum"])


def describe(settings, train, test, model):
    opt = settings["optimizer"]
    hyper = (f"SGD lr {settings['lr']:g} momentum {settings['momentum']:g}" if opt == "sgd"
             else f"Adam lr {settings['lr']:g}") + f" ({settings['schedule']})"
    sizes = "-".join(str(s) for s in [train.rows * train.cols, *settings["hidden"],
                                      len(train.classes)])
    return (f"training {sizes} {settings['activation']} ({model.num_parameters():,} parameters) "
            f"on {train.name} ({len(train):,} train / {len(test):,} test), {settings['loss']}, "
            f"{hyper}, batch {settings['batch_size']}, {settings['epochs']} epochs, "
            f"seed {settings['seed']}")


def _write_outputs(out, model, meta, result, settings, train_name):
    from .model_file import save_model
    from .plot import training_curves
    from autograd.fileio import atomic_write

    save_model(model, os.path.join(out, "model.json"), meta)
    save_model(model, os.path.join(out, "model.safetensors"), meta)     # for PyTorch
    atomic_write(os.path.join(out, "history.json"),
                 json.dumps({"settings": settings, "history": result.history}, indent=1))
    atomic_write(os.path.join(out, "curve.svg"),
                 training_curves(result.history, f"{train_name}: {meta['architecture']}"))


def _exit_2_on_usage_error(command):
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


@_exit_2_on_usage_error("mnist")
def run_mnist(args):
    from .linear import TensorMLP
    from .module import ModelFileError
    from .train import cosine_schedule, fit

    out = args.out
    checkpoint = os.path.join(out, "checkpoint.json")
    try:
        settings = _settings(args, checkpoint)
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
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create --out {out}: {e.strerror or e}") from None
    model = TensorMLP(train.rows * train.cols, settings["hidden"], len(train.classes),
                      activation=settings["activation"], seed=settings["seed"])
    try:
        optimizer = _optimizer(settings, model.parameters())
    except ValueError as e:
        raise UsageError(str(e)) from None
    arch = "-".join(str(s) for s in [train.rows * train.cols, *settings["hidden"],
                                     len(train.classes)]) + " " + settings["activation"]
    meta = {"dataset": spec, "classes": list(train.classes),
            "image_shape": [train.rows, train.cols], "architecture": arch}
    quiet = args.quiet
    if not quiet:
        print(describe(settings, train, test, model), flush=True)

    def on_epoch(record, result):
        _write_outputs(out, model, meta, result, settings, train.name)
        if not quiet:
            print(f"epoch {record['epoch']:>2}/{settings['epochs']}  loss {record['loss']:.4f}  "
                  f"train {100 * record['train_acc']:.2f}%  test {100 * record['test_acc']:.2f}%"
                  f"  {record['seconds']:.1f} s  "
                  f"{record['samples'] / max(record['seconds'], 1e-9):,.0f} samples/s",
                  flush=True)

    t0 = time.perf_counter()
    try:
        result = fit(model, train, test, settings["epochs"], settings["batch_size"], optimizer,
                     settings["loss"], settings["seed"], on_epoch=on_epoch,
                     checkpoint=checkpoint, resume=args.resume, progress=not quiet,
                     extra={"settings": settings, "meta": meta},
                     lr_schedule=(cosine_schedule(settings["lr"], settings["epochs"])
                                  if settings["schedule"] == "cosine" else None))
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    except FloatingPointError as e:
        print(f"chainrule mnist: error: {e}", file=sys.stderr)
        return 1
    wall = time.perf_counter() - t0
    if result.interrupted:
        print(f"to resume: chainrule mnist --out {out} --resume", file=sys.stderr)
        return 130
    if not result.samples:            # resumed at the end: refresh the outputs, train nothing
        if result.history:
            _write_outputs(out, model, meta, result, settings, train.name)
        print(f"nothing to do: {checkpoint} already has {result.epochs_done} epochs "
              "(raise --epochs to train more)")
        return 0
    last = result.history[-1]
    rate = result.samples / max(result.seconds, 1e-9)
    print(f"final test accuracy {100 * last['test_acc']:.2f}% after {last['epoch']} epochs; "
          f"{wall:.1f} s in all ({result.seconds:.1f} s training, {rate:,.0f} samples/s)")
    print(f"wrote {out}/model.json, model.safetensors, checkpoint.json, history.json, "
          "curve.svg")
    return 0


# ---- predict ----------------------------------------------------------------------------------

def _load_image(args, meta):
    """``(28×28 grey bytes, description)`` from the PNG or the dataset index."""
    from .png import PNGError, read_png, to_mnist

    rows, cols = meta.get("image_shape") or [28, 28]
    if (args.image is None) == (args.index is None):
        raise UsageError("give either an IMAGE.png or --index N (not both)")
    if args.image is not None:
        if args.dataset:
            raise UsageError("--dataset is only used with --index")
        try:
            grey, w, h = read_png(args.image)
        except PNGError as e:
            raise UsageError(str(e)) from None
        if rows != cols:
            raise UsageError(f"the model expects {rows}x{cols} images; only square ones can be "
                             "made from a PNG")
        return to_mnist(grey, w, h, size=rows, box=round(rows * 20 / 28)), \
            f"{args.image} ({w}x{h}, as {rows}x{cols})"
    spec = dataset_spec(args.dataset or meta.get("dataset"))      # the default if neither
    ds = load_split(spec, args.split)
    if not -len(ds) <= args.index < len(ds):
        raise UsageError(f"--index {args.index} is out of range: {ds.name} has {len(ds)} images")
    i = args.index % len(ds)
    if (ds.rows, ds.cols) != (rows, cols):
        raise UsageError(f"{ds.name} has {ds.rows}x{ds.cols} images, the model expects "
                         f"{rows}x{cols}")
    label = ds.classes[ds.label(i)]
    return ds.image(i), f"#{i} of {ds.name} (label {label})"


@_exit_2_on_usage_error("predict")
def run_predict(args):
    from autograd.engine import no_grad

    from .data import ImageDataset
    from .linear import Sequential
    from .model_file import load_model
    from .module import ModelFileError
    from .train import batch_inputs

    try:
        model, meta = load_model(args.model)
    except FileNotFoundError:
        raise UsageError(f"model file {args.model} does not exist (train one with "
                         "chainrule mnist)") from None
    except IsADirectoryError:
        raise UsageError(f"{args.model} is a directory; pass its model.json or "
                         "model.safetensors") from None
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot read {args.model}: {e.strerror or e}") from None
    if not isinstance(model, Sequential):
        raise UsageError(f"{args.model}: a {type(model).__name__} (a scalar-Value network from "
                         "nn.MLP, say); chainrule predict needs a Tensor model saved by chainrule "
                         "mnist")
    img, what = _load_image(args, meta)
    rows, cols = meta.get("image_shape") or [28, 28]
    classes = meta.get("classes")
    first = model.layers[0] if hasattr(model, "layers") else None
    nin = getattr(first, "nin", rows * cols)
    if nin != rows * cols:
        raise UsageError(f"{args.model}: the model takes {nin} inputs, not {rows}x{cols} images")
    one = ImageDataset(img, b"\x00", rows, cols, ["?"])
    with no_grad():
        logits = model(batch_inputs(one, [0]))
    probs = logits.softmax(axis=1).data
    if not isinstance(classes, list) or len(classes) != len(probs):
        classes = [str(k) for k in range(len(probs))]
    top = sorted(range(len(probs)), key=lambda k: -probs[k])[:3]
    print(what)
    if args.preview:
        art = one.ascii_art(0)
        print(art.split("\n", 1)[1].strip("\n"))         # without the blank rows around it
    best = top[0]
    print(f"predicted: {classes[best]} ({100 * probs[best]:.1f}%)")
    print("top 3: " + "  ".join(f"{classes[k]} {100 * probs[k]:.1f}%" for k in top))
    return 0

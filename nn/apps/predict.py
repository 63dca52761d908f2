"""``chainrule predict``: classify an image with a model saved by ``chainrule mnist``.

    chainrule predict [MODEL] (IMAGE.png | --index N) [--dataset ...] [--split test]

``MODEL`` is a model file (``model.json`` or ``model.safetensors``), a run folder, or a runs
folder (its latest run; the default is ``runs/mnist``, so ``chainrule predict --index 3`` asks
the newest run). A ``.png`` given alone is the image, not the model.
"""

import sys

from .mnist_settings import UsageError, dataset_spec, exit_2_on_usage_error, load_split

__all__ = ["run_predict", "RUNS"]

RUNS = "runs/mnist"


def _model_path(args):
    """The model file the arguments name (see the module docstring); says on stderr which
    run it is when it came through a ``latest`` pointer."""
    from .run_folder import RunFolderError, resolve_run

    model = args.model
    if args.image is None and model is not None and model.lower().endswith(".png"):
        args.image, model = model, None
    try:
        path, folder, how = resolve_run(model or RUNS, ("model.json", "model.safetensors"))
    except FileNotFoundError as e:
        raise UsageError(f"no model: {e}" if model is None else str(e)) from None
    except (RunFolderError, OSError) as e:
        raise UsageError(str(e)) from None
    if how == "latest":
        print(f"using {path} (the latest run)", file=sys.stderr)
    return path


def _load_image(args, meta):
    """``(28×28 grey bytes, description)`` from the PNG or the dataset index."""
    from .png import PNGError, read_png, to_mnist

    rows, cols = meta.get("image_shape") or [28, 28]
    if args.image is None and args.index is None:
        raise UsageError("give an IMAGE.png or --index N")
    if args.image is not None and args.index is not None:
        raise UsageError("give an IMAGE.png or --index N, not both")
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


@exit_2_on_usage_error("predict")
def run_predict(args):
    from autograd.engine import no_grad

    from ..data import ImageDataset
    from ..linear import Sequential
    from ..model_file import load_model
    from ..module import ModelFileError
    from ..train import batch_inputs

    path = _model_path(args)
    try:
        model, meta = load_model(path)
    except FileNotFoundError:
        raise UsageError(f"model file {path} does not exist (train one with "
                         "chainrule mnist)") from None
    except ModelFileError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    if not isinstance(model, Sequential):
        raise UsageError(f"{path}: a {type(model).__name__} (a scalar-Value network from "
                         "nn.MLP, say); chainrule predict needs a Tensor model saved by chainrule "
                         "mnist")
    img, what = _load_image(args, meta)
    rows, cols = meta.get("image_shape") or [28, 28]
    classes = meta.get("classes")
    first = model.layers[0] if hasattr(model, "layers") else None
    nin = getattr(first, "nin", rows * cols)
    if nin != rows * cols:
        raise UsageError(f"{path}: the model takes {nin} inputs, not {rows}x{cols} images")
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

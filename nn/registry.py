"""Every module type by name: how a model file's architecture becomes a module again.

A model file describes its model as ``{"type": "MLP", "config": {...}}`` (what
:meth:`Module.architecture` writes). Every :class:`~nn.module.Module` subclass of ``nn`` is
registered here under its class name when it is defined; a model of your own joins with
:func:`register_module`. Then, for any registered type, with one mechanism:

* :func:`build_module` calls the type's ``from_config(config)`` (``cls(**config)`` unless the
  type says otherwise), so ``nn.load_model`` rebuilds a scalar ``MLP``, a ``TensorMLP`` or a
  ``Sequential`` of them from the file alone;
* :func:`parameter_shapes` asks the type for the parameter shapes its config implies
  (``shapes_from_config``), computed without allocating for the built-in types, so a file's
  sizes are checked, and a config asking for more than :data:`MAX_PARAMETERS` numbers is
  refused, before anything is built.
"""

from .errors import ModelFileError

__all__ = ["register_module", "build_module", "parameter_shapes", "MAX_PARAMETERS"]

TYPES = {}
MAX_PARAMETERS = 10_000_000     # 80 MB of floats as Tensors, far more as scalar Values


def register_module(cls: type) -> type:
    """Make ``cls`` (a Module subclass) loadable from files by its class name; returns it, so
    it works as a decorator. Its ``config()`` must give the keyword arguments that rebuild it
    (or override the classmethod ``from_config``)."""
    TYPES[cls.__name__] = cls
    return cls


def _type_of(description):
    if not isinstance(description, dict):
        raise ModelFileError(f"a module description must be an object, got {description!r}")
    kind, config = description.get("type"), description.get("config")
    if kind not in TYPES:
        raise ModelFileError(f"unknown module type {kind!r}; known: {', '.join(sorted(TYPES))} "
                             "(a module class of your own: nn.register_module(cls))")
    if not isinstance(config, dict):
        raise ModelFileError(f"{kind}: config must be an object, got {config!r}")
    return TYPES[kind], config


def build_module(description: dict):
    """A fresh module from ``{"type": name, "config": {...}}`` (as in ``architecture()``);
    its weights are a seed-0 initialisation until a state dict is loaded."""
    cls, config = _type_of(description)
    check_total(cls.__name__, sum(size(s) for s in parameter_shapes(description).values()))
    return cls.from_config(config)


def parameter_shapes(description: dict, prefix: str = "") -> dict[str, list[int]]:
    """``{dotted name: shape}`` that ``build_module(description)`` would create (``[]`` for a
    scalar Value), from the config alone where the type can say (every built-in type)."""
    cls, config = _type_of(description)
    return cls.shapes_from_config(config, prefix)


def size(shape):
    """The number of floats a parameter of ``shape`` holds (1 for a scalar, ``[]``)."""
    n = 1
    for d in shape:
        n *= d
    return n


def check_total(kind, count):
    """ModelFileError when a config asks for more than :data:`MAX_PARAMETERS` numbers."""
    if count > MAX_PARAMETERS:
        raise ModelFileError(f"{kind}: the config asks for {count:,} parameters, more than "
                             f"nn.registry.MAX_PARAMETERS ({MAX_PARAMETERS:,}); refused before "
                             "building")


def config_count(config, key, kind):
    """``config[key]`` if it is a positive int, else the ModelFileError a damaged file gets."""
    n = config.get(key) if isinstance(config, dict) else None
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ModelFileError(f"bad {kind} config {config!r}: {key} must be a positive int")
    return n

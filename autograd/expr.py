"""A safe expression parser: ``"tanh(w*x + b)"`` → a graph of Values. Never ``eval``.

The text is parsed with ``ast.parse(mode="eval")`` and every node is checked against a
whitelist before anything is computed:

* numbers (int or float literals, finite), names (variables, given values with ``--at``);
* ``+ - * / **`` and unary ``-``/``+``;
* calls of known functions by name with positional arguments: the unary ops of
  :data:`autograd.ops.OPS` (``exp log tanh sigmoid relu sqrt abs sin cos softplus``, one
  argument) and the binary ops written as calls (``max min``, two), read from the table when
  an expression is parsed, so an op added with ``ops.op``/``register_op`` can be called too.

Everything else is refused with :class:`ExprError`, whose message names the column: attribute
access, subscripts, strings, lambdas, comprehensions, comparisons, conditionals, keyword or
starred arguments, ``**`` towers (an exponent containing ``**``), constant exponents above
``MAX_EXPONENT`` in size, text longer than ``MAX_LENGTH`` characters and nesting deeper than
``MAX_DEPTH`` (a chain ``a + b + c`` counts as one level, however long). Each variable becomes
one labelled leaf Value (used twice = fan-out).
"""

import ast
import math

from .errors import ChainruleError

MAX_LENGTH = 1000
MAX_DEPTH = 100
MAX_EXPONENT = 1000

_NOT_FUNCTIONS = ("neg", "pos", "powc")        # unary ops written as operators: -x, +x, x ** 3


def unary_functions():
    """Names callable with one argument: the op table's unary ops except ``neg``/``powc``."""
    from .ops import OPS
    return tuple(n for n, o in OPS.items()
                 if o.arity == 1 and n not in _NOT_FUNCTIONS and n.isidentifier())


def binary_functions():
    """Names callable with two arguments: binary ops written as calls (``max(a, b)``)."""
    from .ops import OPS
    return tuple(n for n, o in OPS.items()
                 if o.arity == 2 and o.expr.replace(" ", "").startswith(n + "("))


def function_names():
    """Every callable name, unary first: ``("exp", "log", ..., "max", "min")``."""
    return unary_functions() + binary_functions()

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

_FORBIDDEN = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons", ast.BoolOp: "boolean operators", ast.IfExp: "conditionals",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.Starred: "starred arguments", ast.NamedExpr: "assignments",
    ast.JoinedStr: "strings", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


class ExprError(ChainruleError, ValueError):
    """A rejected expression; ``col`` is the 1-based column (or None)."""

    def __init__(self, message, col=None):
        super().__init__(f"col {col}: {message}" if col else message)
        self.message = message
        self.col = col

    def shifted(self, by):
        """The same error with its column moved ``by`` characters to the right."""
        return ExprError(self.message, self.col + by if self.col else None)


def _col(node):
    return getattr(node, "col_offset", -1) + 1 or None


def parse(text):
    """Check ``text`` and return ``(tree, names)``: the ``ast.Expression`` and the variable
    names it uses, in order of first appearance. Raises :class:`ExprError`."""
    if not isinstance(text, str):
        raise ExprError(f"expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression too long ({len(text)} characters, at most {MAX_LENGTH})")
    if not text.strip():
        raise ExprError("empty expression")
    depth = 0
    for i, ch in enumerate(text):           # before ast.parse, which recurses on nesting
        depth += (ch == "(") - (ch == ")")
        if depth > MAX_DEPTH:
            raise ExprError(f"parentheses nested too deeply (more than {MAX_DEPTH})", i + 1)
    lead = len(text) - len(text.lstrip())  # columns count from the start of the given text
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        detail = "" if e.msg == "invalid syntax" else f": {e.msg}"
        raise ExprError(f"invalid syntax{detail}", e.offset and e.offset + lead) from None
    except (RecursionError, MemoryError, ValueError) as e:
        raise ExprError(f"cannot parse the expression: {type(e).__name__}") from None
    names = []
    try:
        _check(tree.body, names)
    except ExprError as e:
        raise e.shifted(lead) from None
    return tree, names


def _check(root, names):
    """Walk the tree iteratively (no recursion, bounded depth), refusing anything unlisted."""
    stack = [(root, 1, False)]
    while stack:
        node, depth, in_exponent = stack.pop()
        col = _col(node)
        if depth > MAX_DEPTH:
            raise ExprError(f"expression nested too deeply (more than {MAX_DEPTH} levels)", col)
        if type(node) in _FORBIDDEN:
            raise ExprError(f"not allowed: {_FORBIDDEN[type(node)]}", col)
        if isinstance(node, ast.Constant):
            _number(node)
        elif isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ExprError(f"name {node.id!r} is not allowed", col)
            if node.id not in names:
                names.append(node.id)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExprError(f"operator {type(node.op).__name__} is not allowed "
                                "(use + - * / **)", col)
            stack.append((node.operand, depth + 1, in_exponent))
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise ExprError(f"operator {type(node.op).__name__} is not allowed "
                                "(use + - * / **)", col)
            if isinstance(node.op, ast.Pow):
                if in_exponent:
                    raise ExprError("a power inside an exponent (a ** b ** c) is not allowed",
                                    col)
                k = _constant(node.right)
                if k is not None and abs(k) > MAX_EXPONENT:
                    raise ExprError(f"exponent {k:g} is too large (at most {MAX_EXPONENT})",
                                    _col(node.right))
                stack.append((node.right, depth + 1, True))
            else:
                stack.append((node.right, depth + 1, in_exponent))
            # The left operand is not deeper: a flat sum x + x + ... + x parses as a
            # left-leaning chain, and its length is already bounded by MAX_LENGTH.
            stack.append((node.left, depth, in_exponent))
        elif isinstance(node, ast.Call):
            _check_call(node, col)
            for arg in reversed(node.args):
                stack.append((arg, depth + 1, in_exponent))
        else:
            raise ExprError(f"{type(node).__name__} is not allowed here", col)


def _check_call(node, col):
    if not isinstance(node.func, ast.Name):
        raise ExprError("only calls of known functions by name are allowed", col)
    name = node.func.id
    if node.keywords:
        raise ExprError(f"{name}() takes no keyword arguments", col)
    if name in unary_functions():
        wanted = 1
    elif name in binary_functions():
        wanted = 2
    else:
        raise ExprError(f"unknown function {name!r} (known: {', '.join(function_names())})",
                        col)
    if len(node.args) != wanted:
        raise ExprError(f"{name}() takes {wanted} argument{'s' * (wanted > 1)}, "
                        f"got {len(node.args)}", col)


def _number(node):
    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        what = "strings" if isinstance(v, (str, bytes)) else f"{type(v).__name__} constants"
        raise ExprError(f"not allowed: {what} (only numbers)", _col(node))
    try:
        x = float(v)
    except OverflowError:
        raise ExprError("number too large for a float", _col(node)) from None
    if not math.isfinite(x):
        raise ExprError(f"number {v!r} is not finite", _col(node))
    return x


def _constant(node):
    """The number a literal (or a signed literal) stands for, else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant):
        return sign * _number(node)
    return None


def parse_bindings(pairs):
    """``["x=0.5", "w=-1.2,b=0.3"]`` → ``{"x": 0.5, "w": -1.2, "b": 0.3}``; ExprError on bad
    syntax, a non-number, a non-finite number or a name given twice."""
    values = {}
    for pair in pairs:
        for item in pair.split(","):
            item = item.strip()
            if not item:
                continue
            name, eq, number = item.partition("=")
            name, number = name.strip(), number.strip()
            if not eq:
                raise ExprError(f"--at expects name=value, got {item!r}")
            if not name.isidentifier() or name.startswith("_"):
                raise ExprError(f"--at: {name!r} is not a variable name")
            try:
                x = float(number)
            except ValueError:
                raise ExprError(f"--at {name}: {number!r} is not a number") from None
            if not math.isfinite(x):
                raise ExprError(f"--at {name}: {number!r} is not a finite number")
            if name in values:
                raise ExprError(f"--at: {name} is given twice")
            values[name] = x
    return values


def build(text, values):
    """Parse ``text`` and compute it on Values: ``(output, {name: leaf Value})``.

    Each variable is a leaf ``Value(values[name], label=name)``; numbers are constant leaves.
    Raises :class:`ExprError` (bad text, a missing value) or the op's own error
    (:class:`~autograd.errors.DomainError`, ``FloatOverflow``) while computing.
    """
    from .value import Value

    tree, names = parse(text)
    missing = [n for n in names if n not in values]
    if missing:
        raise ExprError(f"no value for {', '.join(missing)}: add --at "
                        + " ".join(f"{n}=..." for n in missing))
    leaves = {n: Value(values[n], label=n) for n in names}
    return _evaluate(tree.body, leaves), leaves


def _evaluate(root, leaves):
    """Post-order evaluation with an explicit stack (the tree is already checked)."""
    from .value import Value

    done = []
    stack = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            done.append(float(node.value))
        elif isinstance(node, ast.Name):
            done.append(leaves[node.id])
        elif not ready:
            stack.append((node, True))
            children = ([node.operand] if isinstance(node, ast.UnaryOp) else
                        [node.left, node.right] if isinstance(node, ast.BinOp) else node.args)
            stack.extend((c, False) for c in reversed(children))
        elif isinstance(node, ast.UnaryOp):
            x = done.pop()
            done.append(-x if isinstance(node.op, ast.USub) else x)
        elif isinstance(node, ast.BinOp):
            b, a = done.pop(), done.pop()
            done.append(_binop(node.op, a, b, Value))
        else:
            args = [done.pop() for _ in node.args][::-1]
            done.append(_call(node.func.id, args, Value))
    out = done.pop()
    return out if isinstance(out, Value) else Value(out)


def _binop(op, a, b, Value):
    if not isinstance(a, Value) and not isinstance(b, Value):
        a = Value.constant(a)                 # 2 * 3: compute in the graph, so errors are ours
    if isinstance(op, ast.Pow) and not isinstance(a, Value):
        a = Value.constant(a)                 # 2 ** x: a constant leaf base
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    if isinstance(op, ast.Div):
        return a / b
    return a ** b


def _call(name, args, Value):
    from .ops import OPS, call

    args = [a if isinstance(a, Value) else Value.constant(a) for a in args]
    op = OPS[name]                            # checked by parse: a unary or call-like binary op
    return call(op, *args)

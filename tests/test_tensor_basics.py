"""Tensor construction, introspection and the error messages for bad input."""

import pytest

from autograd import DomainError, OperandError, ShapeError, Tensor, Value
from autograd.sparse import SparseRows


def test_nested_lists_give_flat_row_major_data_and_shape():
    t = Tensor([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6
    assert t.data == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert all(type(v) is float for v in t.data)
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_flat_list_and_shape():
    t = Tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape=(3, 2))
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_scalar_tensor_and_item():
    t = Tensor(2.5)
    assert t.shape == () and t.item() == 2.5 and t.tolist() == 2.5


def test_item_needs_one_element():
    with pytest.raises(ShapeError, match=r"item\(\): needs a one-element tensor, got shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_constructors_are_seeded_and_shaped():
    assert Tensor.zeros((2, 3)).data == [0.0] * 6
    assert Tensor.ones(4).shape == (4,)
    a, b = Tensor.randn((3, 4), seed=7), Tensor.randn((3, 4), seed=7)
    assert a.data == b.data and a.shape == (3, 4)
    u = Tensor.uniform((100,), -0.5, 0.5, seed=1)
    assert all(-0.5 <= v < 0.5 for v in u.data)
    assert Tensor.randn((2,), seed=1, requires_grad=True).requires_grad


def test_ragged_nested_list_names_the_row():
    with pytest.raises(ShapeError, match=r"row \[3\] has 5 items, expected 4"):
        Tensor([[0.0] * 4] * 3 + [[0.0] * 5])


def test_ragged_depth_is_reported():
    with pytest.raises(ShapeError, match=r"row \[1\] is a number"):
        Tensor([[1.0, 2.0], 3.0])


@pytest.mark.parametrize("bad", ["a", None, [1.0], Value(1.0)])
def test_non_numeric_entries_are_refused(bad):
    with pytest.raises((OperandError, ShapeError), match=r"entry \[0\]\[1\]"):
        Tensor([[1.0, bad]])


def test_flat_data_must_fill_the_shape():
    with pytest.raises(ShapeError, match=r"5 values do not fill shape \(2, 3\) \(6 values\)"):
        Tensor([1.0] * 5, shape=(2, 3))


def test_matmul_inner_size_error_names_both_shapes():
    with pytest.raises(ShapeError, match=r"matmul: \(64, 784\) @ \(128, 10\): inner sizes 784 "
                                         r"and 128 differ"):
        Tensor.zeros((64, 784)) @ Tensor.zeros((128, 10))


def test_sparse_matmul_inner_size_error():
    x = SparseRows([([0], [1.0])], 784)
    with pytest.raises(ShapeError, match=r"matmul: \(1, 784\) @ \(128, 10\): inner sizes 784 "
                                         r"and 128 differ"):
        x @ Tensor.zeros((128, 10))


def test_broadcast_error_names_both_shapes():
    with pytest.raises(ShapeError, match=r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        Tensor.zeros((2, 3)) + Tensor.zeros((4,))


def test_log_of_non_positive_names_the_first_index_and_value():
    with pytest.raises(DomainError, match=r"log\(\) needs a positive input, got -2.0 at flat "
                                          r"index 2"):
        Tensor([1.0, 3.0, -2.0, 0.0]).log()


def test_division_by_zero_names_the_index():
    with pytest.raises(ZeroDivisionError, match="index 1"):
        Tensor([1.0, 2.0]) / Tensor([1.0, 0.0])


def test_exp_overflow_is_reported():
    with pytest.raises(OverflowError, match=r"exp\(1000.0\) at flat index 1 is too large"):
        Tensor([0.0, 1000.0]).exp()


def test_wrong_operand_types():
    with pytest.raises(OperandError, match="unsupported operand 'x'"):
        Tensor([1.0]) + "x"
    with pytest.raises(OperandError, match="value.data"):
        Tensor([1.0]) * Value(2.0)


def test_reshape_errors_and_inference():
    t = Tensor.zeros((2, 6))
    assert t.reshape(3, -1).shape == (3, 4)
    assert t.reshape((4, 3)).shape == (4, 3)
    with pytest.raises(ShapeError, match=r"cannot reshape \(2, 6\) \(12 values\) into \(5,\)"):
        t.reshape(5)


def test_take_rows_range_error():
    with pytest.raises(ShapeError, match="row 3 is out of range for 3 rows"):
        Tensor.zeros((3, 2))[[0, 3]]


def test_cross_entropy_label_errors():
    x = Tensor.zeros((2, 3))
    with pytest.raises(OperandError, match=r"label 1 is 3; labels must be ints in \[0, 3\)"):
        x.cross_entropy([0, 3])
    with pytest.raises(ShapeError, match="2 rows of logits but 1 labels"):
        x.cross_entropy([0])


def test_backward_needs_a_parameter_and_a_scalar():
    with pytest.raises(OperandError, match="requires_grad=True"):
        Tensor([1.0]).sum().backward()
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ShapeError, match=r"shape \(2,\) needs an explicit gradient"):
        (w * 2.0).backward()


def test_broadcasting_values_follow_numpy():
    a = Tensor([[1.0], [2.0]])          # (2, 1)
    b = Tensor([10.0, 20.0, 30.0])      # (3,)
    assert (a + b).tolist() == [[11.0, 21.0, 31.0], [12.0, 22.0, 32.0]]
    assert (a * 2).shape == (2, 1) and (3 - a).tolist() == [[2.0], [1.0]]


def test_reductions_values():
    t = Tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    assert t.sum().item() == 21.0
    assert t.sum(axis=0).tolist() == [5.0, 7.0, 9.0]
    assert t.sum(axis=1, keepdims=True).tolist() == [[9.0], [12.0]]
    assert t.mean(axis=-1).tolist() == [3.0, 4.0]
    assert t.max(axis=0).tolist() == [4.0, 5.0, 6.0]
    assert t.max().item() == 6.0
    assert t.T.tolist() == [[1.0, 4.0], [5.0, 2.0], [3.0, 6.0]]


def test_softmax_rows_sum_to_one():
    s = Tensor([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]).softmax()
    assert sum(s.data[:3]) == pytest.approx(1.0, abs=1e-15)
    assert s.data[3:] == pytest.approx([1 / 3] * 3, abs=1e-15)


def test_sparse_rows_validate_their_input():
    with pytest.raises(ShapeError, match="row 0 has index 5, outside"):
        SparseRows([([5], [1.0])], 4)
    with pytest.raises(ShapeError, match="row 0 has 2 indices but 1 values"):
        SparseRows([([0, 1], [1.0])], 4)
    x = SparseRows.from_dense([[0.0, 2.0], [3.0, 0.0]])
    assert x.rows == [([1], [2.0]), ([0], [3.0])] and x.shape == (2, 2)
    assert x.to_dense().tolist() == [[0.0, 2.0], [3.0, 0.0]]


def test_iterating_gives_rows():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert [r.tolist() for r in t] == [[1.0, 2.0], [3.0, 4.0]]
    assert len(t) == 2
    with pytest.raises(ShapeError, match="len"):
        len(Tensor(1.0))


def test_argmax_gives_plain_ints():
    t = Tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 6.0]])
    assert t.argmax() == [1, 0] and t.argmax(axis=0) == [1, 0, 1]
    assert t.argmax(axis=None) == 3 and Tensor([0.0, 2.0]).argmax() == 1


def test_a_tuple_index_is_refused_not_read_as_rows():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(OperandError, match=r"\(0, 1\).*x\[i\]\[j\].*x\[\[i, j\]\]"):
        x[0, 1]
    assert x[0][1].item() == 2.0 and x[[0, 1]].tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_operator_methods_come_from_the_op_table():
    from autograd import OPS
    for dunder, name in (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div")):
        for r in ("", "r"):
            method = getattr(Tensor, f"__{r}{dunder}__")
            assert method.__name__ == f"__{r}{dunder}__" and OPS[name].formula(1) in method.__doc__
    for name in ("relu", "tanh", "exp", "log", "sigmoid", "sqrt", "sin"):
        assert OPS[name].expr in getattr(Tensor, name).__doc__
    x = Tensor([1.0, 4.0])
    assert (2.0 - x).tolist() == [1.0, -2.0] and (2.0 / x).tolist() == [2.0, 0.5]
    assert (2.0 ** Tensor([3.0])).tolist() == [8.0] and (3.0 * x + 1.0).tolist() == [4.0, 13.0]


@pytest.mark.parametrize("make, match", [
    (lambda: Tensor.zeros((2, 3)) @ Tensor.zeros((2, 3)), r"matmul: \(2, 3\) @ \(2, 3\): inner"),
    (lambda: Tensor.zeros((2, 0)).mean(axis=1), r"mean: no elements to average over axis 1"),
    (lambda: Tensor.zeros((2, 0)).max(axis=1), r"max: axis 1 of shape \(2, 0\) is empty"),
    (lambda: Tensor.zeros((3, 2)).transpose("ab"), r"transpose: axes must be ints.*'a', 'b'"),
    (lambda: Tensor.zeros((3, 2)).sum(axis=True), r"sum: axis True is a bool"),
    (lambda: Tensor.zeros((3, 2)).softmax(axis=False), r"softmax: axis False is a bool"),
])
def test_empty_axes_and_bad_axes_are_shape_errors_naming_the_op(make, match):
    with pytest.raises(ShapeError, match=match):
        make()


@pytest.mark.parametrize("make, match", [
    (lambda: Tensor.zeros((3, 2)).take_rows(1), r"take_rows: indices must be a list of ints"),
    (lambda: Tensor.zeros((3, 2)).cross_entropy(1), r"cross_entropy: labels must be a list"),
    (lambda: SparseRows([([0.0], [1.0])], 3), r"row 0 has index 0.0 of type float; indices must"),
    (lambda: SparseRows([([True], [1.0])], 3), r"row 0 has index True of type bool"),
])
def test_non_list_indices_and_labels_are_operand_errors(make, match):
    with pytest.raises(OperandError, match=match):
        make()


def test_empty_batches_still_work_and_give_zero_weight_gradients():
    w = Tensor.ones((2, 3), requires_grad=True)
    (Tensor.zeros((0, 2)) @ w).sum().backward()
    assert w.grad.tolist() == [[0.0] * 3] * 2
    assert Tensor.zeros((0, 2)).softmax().shape == (0, 2)
    assert Tensor.zeros((0, 2)).sum(axis=1).shape == (0,)

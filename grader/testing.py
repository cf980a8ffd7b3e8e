"""Assertions for specs whose failures speak arrays and tensors.

Every failure says what was compared, the shapes and dtypes, how many elements
differ, the largest absolute and relative differences and where, the first
mismatching index with both values, the tolerance used, and (when the spec
gives one) the likely cause::

    from grader.testing import assert_close
    assert_close(got, expected, name="weights", hint="did you forget the bias column?")

numpy arrays, torch tensors, Python scalars and (nested) lists all work; torch
is never imported here unless the values already are tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# (rtol, atol) by dtype, as torch.testing.assert_close uses them.
TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _to_numpy(x: Any) -> tuple[np.ndarray, str]:
    """The value as a numpy array, and the name of its original dtype."""
    if _is_tensor(x):
        dtype = str(x.dtype).removeprefix("torch.")
        t = x.detach().cpu()
        if dtype == "bfloat16":
            t = t.float()
        return t.numpy(), dtype
    arr = np.asarray(x)
    return arr, str(arr.dtype)


def _fmt_index(idx: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + ("," if len(idx) == 1 else "") + ")" if idx else "()"


def _fail(name: str, lines: list[str], hint: str) -> None:
    msg = "\n".join([lines[0]] + ["  " + line for line in lines[1:]])
    if hint:
        msg += f"\nLikely cause: {hint}"
    raise AssertionError(msg)


def check(condition: Any, message: str, hint: str = "") -> None:
    """Fail with ``message`` (and the likely cause) when ``condition`` is false."""
    if not condition:
        _fail("", [message], hint)


def _kind(x: Any) -> str:
    return type(x).__module__ + "." + type(x).__qualname__ if type(x).__module__ != "builtins" else type(x).__name__


def _as_array(value: Any, name: str, hint: str) -> tuple[np.ndarray, str]:
    if value is None:
        _fail(name, [f"{name} is None: the function returned nothing.", "Did you forget a `return` statement?"], hint)
    try:
        arr, dtype = _to_numpy(value)
    except Exception as exc:  # noqa: BLE001
        _fail(name, [f"{name} could not be read as an array ({_kind(value)}): {exc}"], hint)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        _fail(name, [f"{name} is not numeric: got {_kind(value)} holding {arr.ravel()[:3].tolist()!r}..."], hint)
    return arr, dtype


def _as_plain_array(value: Any, name: str, hint: str) -> np.ndarray:
    """Numbers, booleans or strings as an array (for exact comparisons); anything else fails."""
    if value is None:
        _fail(name, [f"{name} is None: the function returned nothing.", "Did you forget a `return` statement?"], hint)
    try:
        arr = _to_numpy(value)[0]
    except Exception as exc:  # noqa: BLE001
        _fail(name, [f"{name} could not be read as an array ({_kind(value)}): {exc}"], hint)
    if arr.dtype.kind not in "biufcUS":
        _fail(name, [f"{name} holds {_kind(arr.ravel()[0]) if arr.size else 'objects'}, not plain numbers or strings."], hint)
    return arr


def assert_shape(actual: Any, shape: tuple[int, ...], *, name: str = "result", hint: str = "") -> None:
    """The value has exactly this shape."""
    arr, _ = _as_array(actual, name, hint)
    if tuple(arr.shape) != tuple(shape):
        _fail(name, [f"{name} has shape {tuple(arr.shape)}, expected {tuple(shape)}."], hint)


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    name: str = "result",
    hint: str = "",
    check_dtype: bool = False,
    equal_nan: bool = False,
) -> None:
    """``|actual - expected| <= atol + rtol * |expected|`` elementwise, same shape.

    Tolerances default by dtype as in ``torch.testing.assert_close`` (float64:
    1e-7/1e-7, float32: 1.3e-6/1e-5); integers and booleans must match exactly.
    """
    got, got_dtype = _as_array(actual, name, hint)
    exp, exp_dtype = _as_array(expected, "expected", "")
    if got.shape != exp.shape:
        extra = ""
        if got.ndim == exp.ndim + 1 and 1 in got.shape:
            extra = " An extra axis of length 1: a column vector where a flat vector was expected?"
        elif got.ndim + 1 == exp.ndim and 1 in exp.shape:
            extra = " A missing axis of length 1: a flat vector where a column was expected (keepdims)?"
        elif got.size == exp.size:
            extra = " Same number of elements: a missing reshape or a transpose?"
        _fail(name, [f"{name} has shape {got.shape}, expected {exp.shape}.{extra}", f"dtype {got_dtype} (expected {exp_dtype})"], hint)
    if check_dtype and got_dtype != exp_dtype:
        _fail(name, [f"{name} has dtype {got_dtype}, expected {exp_dtype}."], hint)
    exact = not (np.issubdtype(exp.dtype, np.inexact) or np.issubdtype(got.dtype, np.inexact))
    if rtol is None or atol is None:
        low = got_dtype if TOLERANCES.get(got_dtype, (0, 0))[0] > TOLERANCES.get(exp_dtype, (0, 0))[0] else exp_dtype
        d_rtol, d_atol = (0.0, 0.0) if exact else TOLERANCES.get(low, TOLERANCES["float64"])
        rtol = d_rtol if rtol is None else rtol
        atol = d_atol if atol is None else atol
    if got.size == 0:
        return
    g = got.astype(np.complex128 if np.iscomplexobj(got) or np.iscomplexobj(exp) else np.float64)
    e = exp.astype(g.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if ok.all():
        return
    bad = ~ok
    n_bad = int(bad.sum())
    first = tuple(np.argwhere(bad)[0])
    lines = [f"{name} differs from the expected values in {n_bad} of {got.size} elements."]
    lines.append(f"shape {got.shape}, dtype {got_dtype} (expected {exp_dtype})")
    nan_got, nan_exp = ~np.isfinite(g) & np.isfinite(e), np.isfinite(g) & ~np.isfinite(e)
    if nan_got.any():
        i = tuple(np.argwhere(nan_got)[0])
        lines.append(f"got {g[i].real if not np.iscomplexobj(got) else g[i]} at index {_fmt_index(i)} where {e[i]} was expected "
                     "(an overflow, a division by zero or a log of 0?)")
    elif nan_exp.any():
        i = tuple(np.argwhere(nan_exp)[0])
        lines.append(f"expected {e[i]} at index {_fmt_index(i)} but got the finite value {g[i]}")
    finite = np.isfinite(g) & np.isfinite(e)
    if finite.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            abs_diff = np.where(finite, np.abs(g - e), 0.0)
            rel_diff = np.where(finite & (e != 0), abs_diff / np.abs(np.where(e == 0, 1, e)), 0.0)
        ia = np.unravel_index(int(np.argmax(abs_diff)), got.shape)
        ir = np.unravel_index(int(np.argmax(rel_diff)), got.shape)
        lines.append(f"max abs diff {float(abs_diff[ia]):.6g} at index {_fmt_index(ia)}; "
                     f"max rel diff {float(rel_diff[ir]):.6g} at index {_fmt_index(ir)}")
    gv = g[first] if np.iscomplexobj(g) else float(g[first].real)
    ev = e[first] if np.iscomplexobj(e) else float(e[first].real)
    lines.append(f"first mismatch at index {_fmt_index(first)}: got {gv!r}, expected {ev!r}")
    lines.append(f"tolerance: rtol={rtol:g}, atol={atol:g}" if not exact else "integers must match exactly")
    _fail(name, lines, hint)


def assert_equal(actual: Any, expected: Any, *, name: str = "result", hint: str = "") -> None:
    """Exact equality: arrays elementwise with the same shape, anything else by ``==``."""
    if isinstance(expected, (np.ndarray, list, tuple)) or _is_tensor(expected) or _is_tensor(actual) or isinstance(actual, np.ndarray):
        got, exp = _as_plain_array(actual, name, hint), _as_plain_array(expected, "expected", "")
        if got.shape != exp.shape:
            _fail(name, [f"{name} has shape {got.shape}, expected {exp.shape}."], hint)
        bad = got != exp
        if np.any(bad):
            first = tuple(np.argwhere(bad)[0]) if bad.ndim else ()
            gv = got[first].item() if got.ndim else got.item()
            ev = exp[first].item() if exp.ndim else exp.item()
            _fail(name, [f"{name} differs from the expected values in {int(np.sum(bad))} of {got.size} elements.",
                         f"first mismatch at index {_fmt_index(first)}: got {gv!r}, expected {ev!r}"], hint)
        return
    if isinstance(actual, np.generic):
        actual = actual.item()
    plain = (bool, int, float, complex, str, bytes, type(None))
    if isinstance(expected, plain) and type(actual) not in plain:
        # A plain value is expected: an object with its own __eq__ must not pass by claiming equality.
        _fail(name, [f"{name} is a {_kind(actual)}, expected a plain {type(expected).__name__} like {expected!r}."], hint)
    if not (actual == expected):
        _fail(name, [f"{name} is {actual!r}, expected {expected!r}."], hint)

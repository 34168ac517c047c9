"""Vectors of ``quantity_parsing.json`` against :mod:`k8ssim.api.quantity`.

Each vector has ``input`` (a string or YAML number) and ``expected`` with any of: ``value`` /
``value_rounded_up`` (``Value()``), ``milli`` (``MilliValue()``), ``canonical`` (``String()``),
``format``, ``capped``, or ``error`` (upstream error text, or ``true`` for any parse error).
"""
from __future__ import annotations

from k8ssim.api.quantity import QuantityError, parse_quantity
from k8ssim.conformance.runner import Mismatch, expect_equal

_CHECKED = {"value", "value_rounded_up", "milli", "milli_value", "canonical", "format", "capped", "error", "note"}


def run(vector: dict, doc: dict) -> None:
    inp = vector.get("input", vector.get("inputs"))
    if isinstance(inp, dict):
        inp = inp.get("quantity", inp.get("input"))
    exp = vector.get("expected", {})
    unknown = set(exp) - _CHECKED
    if unknown:
        raise Mismatch(f"unknown expectation keys {sorted(unknown)}")
    want_err = exp.get("error")
    try:
        q = parse_quantity(inp)
    except QuantityError as e:
        if want_err is None or want_err is False:
            raise Mismatch(f"unexpected parse error for {inp!r}: {e}") from None
        if isinstance(want_err, str):
            expect_equal(str(e), want_err, "error")
        return
    if want_err not in (None, False):
        raise Mismatch(f"{inp!r} parsed as {q.canonical()!r}, want error {want_err!r}")
    if "value" in exp:
        expect_equal(q.value(), exp["value"], "Value()")
    if "value_rounded_up" in exp:
        expect_equal(q.value(), exp["value_rounded_up"], "Value()")
    for k in ("milli", "milli_value"):
        if k in exp:
            expect_equal(q.milli_value(), exp[k], "MilliValue()")
    if "canonical" in exp:
        expect_equal(q.canonical(), exp["canonical"], "String()")
    if "format" in exp:
        expect_equal(q.format, exp["format"], "Format")
    if "capped" in exp:
        expect_equal(q.capped, exp["capped"], "capped")

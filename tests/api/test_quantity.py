"""k8ssim.api.quantity against upstream quantity_test.go (apimachinery/pkg/api/resource)."""
from __future__ import annotations

import pytest

from k8ssim.api.quantity import (
    ERR_FORMAT_WRONG, ERR_NUMERIC, ERR_SUFFIX, MAX_INT64, Quantity, QuantityError,
    parse_quantity, parse_resource_list, to_canonical_units,
)

B, D, X = "BinarySI", "DecimalSI", "DecimalExponent"

# TestQuantityParse table: input -> (mantissa, exponent, format) as decQuantity(i, exponent, format)
TEST_QUANTITY_PARSE = [
    ("0", 0, 0, D), ("0n", 0, 0, D), ("0u", 0, 0, D), ("0m", 0, 0, D), ("0Ki", 0, 0, B),
    ("0k", 0, 0, D), ("0Mi", 0, 0, B), ("0M", 0, 0, D), ("0Gi", 0, 0, B), ("0G", 0, 0, D),
    ("0Ti", 0, 0, B), ("0T", 0, 0, D),
    ("1", 1, 0, D),
    ("1Ki", 1024, 0, B), ("8Ki", 8 * 1024, 0, B), ("7Mi", 7 * 1024**2, 0, B), ("6Gi", 6 * 1024**3, 0, B),
    ("5Ti", 5 * 1024**4, 0, B), ("4Pi", 4 * 1024**5, 0, B), ("3Ei", 3 * 1024**6, 0, B),
    ("10Ti", 10 * 1024**4, 0, B), ("100Ti", 100 * 1024**4, 0, B),
    ("5n", 5, -9, D), ("4u", 4, -6, D), ("3m", 3, -3, D), ("9", 9, 0, D), ("8k", 8, 3, D),
    ("50k", 5, 4, D), ("7M", 7, 6, D), ("6G", 6, 9, D), ("5T", 5, 12, D), ("40T", 4, 13, D),
    ("300T", 3, 14, D), ("2P", 2, 15, D), ("1E", 1, 18, D),
    ("1E-3", 1, -3, X), ("1e3", 1, 3, X), ("1E6", 1, 6, X), ("1e9", 1, 9, X), ("1E12", 1, 12, X),
    ("1e15", 1, 15, X), ("1E18", 1, 18, X),
    ("1e14", 1, 14, X), ("1e13", 1, 13, X), ("100.035k", 100035, 0, D),
    ("0.001", 1, -3, D), ("0.0005k", 5, -1, D), ("0.005", 5, -3, D), ("0.05", 5, -2, D), ("0.5", 5, -1, D),
    ("0.00050k", 5, -1, D), ("0.00500", 5, -3, D), ("0.05000", 5, -2, D), ("0.50000", 5, -1, D),
    ("0.5e0", 5, -1, X), ("0.5e-1", 5, -2, X), ("0.5e-2", 5, -3, X), ("10.035M", 10035, 3, D),
    ("1.2e3", 12, 2, X), ("1.3E+6", 13, 5, X), ("1.40e9", 14, 8, X), ("1.53E12", 153, 10, X),
    ("1.6e15", 16, 14, X), ("1.7E18", 17, 17, X),
    ("9.01", 901, -2, D), ("8.1k", 81, 2, D), ("7.123456M", 7123456, 0, D), ("6.987654321G", 6987654321, 0, D),
    ("5.444T", 5444, 9, D), ("40.1T", 401, 11, D), ("300.2T", 3002, 11, D), ("2.5P", 25, 14, D),
    ("1.01E", 101, 16, D),
    # Things that saturate/round
    ("3.001n", 4, -9, D), ("1.1E-9", 2, -9, X), ("0.0000000001", 1, -9, D), ("0.0000000005", 1, -9, D),
    ("0.00000000050", 1, -9, D), ("0.5e-9", 1, -9, X), ("0.9n", 1, -9, D), ("0.00000012345", 124, -9, D),
    ("0.00000012354", 124, -9, D), ("9Ei", MAX_INT64, 0, B), ("9223372036854775807Ki", MAX_INT64, 0, B),
    ("12E", 12, 18, D),
    # We'll accept fractional binary stuff, too.
    ("100.035Ki", 10243584, -2, B), ("0.5Mi", 524288, 0, B), ("0.05Gi", 536870912, -1, B),
    ("0.025Ti", 274877906944, -1, B),
    # Things written by trolls
    ("0.000000000001Ki", 2, -9, D), (".001", 1, -3, D), (".0001k", 100, -3, D), ("1.", 1, 0, D),
    ("1.G", 1, 9, D),
]


@pytest.mark.parametrize("inp,mant,exp,fmt", TEST_QUANTITY_PARSE, ids=[c[0] for c in TEST_QUANTITY_PARSE])
def test_TestQuantityParse(inp, mant, exp, fmt):
    want = Quantity(mant, exp, fmt)
    for prefix, sign in (("", 1), ("-", -1), ("+", 1)):  # the table is also run negated and with "+"
        got = parse_quantity(prefix + inp)
        assert got.cmp(Quantity(sign * mant, exp, fmt)) == 0, (prefix + inp, got)
        assert got.format == fmt
    assert parse_quantity(inp).cmp(want) == 0


TEST_QUANTITY_PARSE_INVALID = [
    "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-",
    "1e4294967297",  # exponent outside the int32 scale is rejected
    " 1", "1 ",      # whitespace is forbidden
    "",
]


@pytest.mark.parametrize("inp", TEST_QUANTITY_PARSE_INVALID)
def test_TestQuantityParse_invalid(inp):
    with pytest.raises(QuantityError):
        parse_quantity(inp)


@pytest.mark.parametrize("suffix,ok", [
    ("e14", True), ("E2147483647", True), ("E-2147483647", True), ("E2147483648", False),
    ("E-2147483648", False), ("E4294967297", False), ("E8589934592", False),
    ("E9223372036854775807", False), ("E9223372036854775808", False), ("E6024865272343", False),
])
def test_TestInterpretExponentInt32Bounds(suffix, ok):
    if ok:
        q = parse_quantity("1" + suffix)
        assert q.format == X
        e = int(suffix[1:])
        assert q.exponent == max(e, -9)  # parse rounds non-zero values up to 1n
    else:
        with pytest.raises(QuantityError, match="suffix"):
            parse_quantity("1" + suffix)


# TestQuantityString: (canonical, alternate spelling that must canonicalize to it)
TEST_QUANTITY_STRING = [
    ("1Gi", "1024Mi"), ("300Mi", "307200Ki"), ("6Ki", ""), ("1001Gi", "1025024Mi"), ("1Ti", "1024Gi"),
    ("5", "5000m"), ("500m", "0.5"), ("1G", "1000M"), ("1G", "0.001T"), ("1m", "1000u"), ("80m", ""),
    ("1080m", "1.08"), ("1080m", "1080000000n"), ("300M", ""), ("1T", ""), ("1E", ""), ("1e21", "1000E"),
    ("5e21", "5000E"), ("1e24", "1000000E"), ("1234567M", ""), ("1234567m", ""), ("3k", ""),
    ("1025", ""), ("0", ""), ("1e9", ".001e12"), ("1e-3", "0.001e0"), ("1e-9", "1000e-12"),
    ("80e-3", ""), ("300e6", ""), ("1e12", ""), ("1e3", ""), ("3e3", ""), ("0", "00"), ("1n", ""),
    ("80n", ""), ("1080n", ""), ("1u", ""), ("80u", ""), ("1080u", ""),
]


@pytest.mark.parametrize("expect,alternate", TEST_QUANTITY_STRING)
def test_TestQuantityString(expect, alternate):
    assert parse_quantity(expect).canonical() == expect
    if alternate:
        assert parse_quantity(alternate).canonical() == expect
    if expect != "0":
        assert parse_quantity("-" + expect).canonical() == "-" + expect


@pytest.mark.parametrize("inp,expect", [
    ("1Ki", "1Ki"), ("1Mi", "1Mi"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1000M", "1G"),
    (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000001Ki", "1024n"), (".000000000001Ki", "2n"),
])
def test_TestQuantityParseEmit(inp, expect):
    assert parse_quantity(inp).canonical() == expect
    assert parse_quantity("-" + inp).canonical() == "-" + expect


@pytest.mark.parametrize("inp,value,milli", [
    ("-.484785E-7466", -1, -1), (".484785E-7466", 1, 1), ("-.484785E-1", -1, -49), (".484785E-1", 1, 49),
    ("-0.0005", -1, -1), ("0.0005", 1, 1), ("-1500m", -2, -1500), ("1500m", 2, 1500),
    ("-9.5000000001Gi", -10200547329, -10200547328108), ("9.5000000001Gi", 10200547329, 10200547328108),
    ("-1", -1, -1000), ("1", 1, 1000), ("0", 0, 0),
])
def test_TestNegativeValueRoundsAwayFromZero(inp, value, milli):
    q = parse_quantity(inp)
    assert q.value() == value
    assert q.milli_value() == milli


def test_TestQuantityCmp():
    for x, y, want in [("0", "0", 0), ("100m", "50m", 1), ("50m", "100m", -1), ("10000T", "100Gi", 1)]:
        assert parse_quantity(x).cmp(parse_quantity(y)) == want


def test_TestParseQuantityString_dot_forms():
    # ".", "-." parse as zero (TestParseQuantityString); "1E-3" has suffix "E-3"
    assert parse_quantity(".").is_zero()
    assert parse_quantity("-.").is_zero()
    assert parse_quantity("1E-3").milli_value() == 1


# ---- the brief's bad-input cases (validation.md §7e), upstream error texts ----
def test_1e400_is_capped_not_materialised():
    q = parse_quantity("1e400")
    assert q.capped
    assert q.value() == MAX_INT64 and q.milli_value() == MAX_INT64
    assert q.canonical() == "10e399"  # AsCanonicalBytes: exponent a multiple of 3
    huge = parse_quantity("1e2147483647")  # must be instant
    assert huge.capped and huge.value() == MAX_INT64


def test_8Ei_capped_at_parse():
    q = parse_quantity("8Ei")
    assert q.capped and q.value() == MAX_INT64 and q.canonical() == "9223372036854775807"


def test_0_0001_is_1m():
    q = parse_quantity("0.0001")
    assert q.milli_value() == 1
    assert q.canonical() == "100u"  # String() keeps micro precision; MilliValue rounds up to 1m
    assert parse_quantity("0.1m").milli_value() == 1


def test_negative_one_parses_negative():
    q = parse_quantity("-1")
    assert q.sign() == -1 and q.value() == -1 and q.canonical() == "-1"


@pytest.mark.parametrize("inp,msg", [
    ("1.5.5", ERR_FORMAT_WRONG), ("abc", ERR_FORMAT_WRONG), ("", ERR_FORMAT_WRONG),
    ("1.5.5Gi", ERR_FORMAT_WRONG), ("5Zi", ERR_FORMAT_WRONG), ("1ee", ERR_SUFFIX), ("1Kii", ERR_SUFFIX),
    (".e-10", ERR_NUMERIC),
])
def test_error_messages(inp, msg):
    with pytest.raises(QuantityError) as ei:
        parse_quantity(inp)
    assert str(ei.value) == msg


def test_yaml_numbers():
    assert parse_quantity(2).milli_value() == 2000
    assert parse_quantity(0.5).milli_value() == 500
    assert parse_quantity(1.0).canonical() == "1"
    assert parse_quantity(1e-05).milli_value() == 1
    for bad in (True, None, float("inf"), float("nan"), [1]):
        with pytest.raises(QuantityError):
            parse_quantity(bad)


def test_units_and_resource_list():
    assert to_canonical_units("cpu", "250m") == 250
    assert to_canonical_units("memory", "1.5Gi") == 1610612736
    assert to_canonical_units("memory", "123Mi") == 128974848
    assert parse_resource_list({"cpu": "1", "memory": "1Gi", "pods": 110}) == {
        "cpu": 1000, "memory": 1073741824, "pods": 110}
    # 129e6 == 129M in value; String() keeps the DecimalExponent form the input was written in
    assert parse_quantity("129e6").value() == parse_quantity("129M").value() == 129000000
    assert parse_quantity("129e6").canonical() == "129e6"
    assert parse_quantity("1.5Gi").canonical() == "1536Mi"

"""``resource.Quantity``: parse, exact value, canonical string.

Mirrors ``k8s.io/apimachinery/pkg/api/resource`` (quantity.go ``ParseQuantity``/``parseQuantityString``/
``CanonicalizeBytes``/``String``, suffix.go, amount.go ``AsCanonicalBytes``, scale_int.go ``scaledValue``)
and the expectations of quantity_test.go on master (v1.35+):

* the value is exact (an integer mantissa times a power of ten, never a float); non-zero values are
  rounded *away from zero* to the nano scale (``0.9n`` -> ``1n``), as upstream's ``inf.RoundUp``;
* a BinarySI quantity above 2^63-1 is capped at parse time (``9Ei`` -> 9223372036854775807);
  a BinarySI quantity between -1 and 1 becomes DecimalSI;
* :meth:`Quantity.value` / :meth:`Quantity.milli_value` are ``ScaledValue``: ceil away from zero,
  saturated to the int64 range (upstream's int64 path saturates; its big-decimal path overflows
  instead, which we do not reproduce) -- :attr:`Quantity.capped` tells when that happened;
* exponents outside +-(2^31-1) are rejected (TestInterpretExponentInt32Bounds); a value such as
  ``1e400`` is never materialised as 10^400 digits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

__all__ = [
    "QuantityError", "Quantity", "parse_quantity", "to_canonical_units", "parse_resource_list",
    "BINARY_SI", "DECIMAL_SI", "DECIMAL_EXPONENT", "MAX_INT64", "MIN_INT64",
    "ERR_FORMAT_WRONG", "ERR_NUMERIC", "ERR_SUFFIX",
]

BINARY_SI = "BinarySI"
DECIMAL_SI = "DecimalSI"
DECIMAL_EXPONENT = "DecimalExponent"

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
_MAX_INT32 = 2**31 - 1
_NANO = -9

SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_DIGITS = "0123456789"
_SUFFIX_CHARS = "eEinumkKMGTP"

# suffix.go: suffix -> (base, exponent, format)
_SUFFIXES = {
    "": (10, 0, DECIMAL_SI), "n": (10, -9, DECIMAL_SI), "u": (10, -6, DECIMAL_SI),
    "m": (10, -3, DECIMAL_SI), "k": (10, 3, DECIMAL_SI), "M": (10, 6, DECIMAL_SI),
    "G": (10, 9, DECIMAL_SI), "T": (10, 12, DECIMAL_SI), "P": (10, 15, DECIMAL_SI),
    "E": (10, 18, DECIMAL_SI),
    "Ki": (2, 10, BINARY_SI), "Mi": (2, 20, BINARY_SI), "Gi": (2, 30, BINARY_SI),
    "Ti": (2, 40, BINARY_SI), "Pi": (2, 50, BINARY_SI), "Ei": (2, 60, BINARY_SI),
}
_DEC_SUFFIX_BY_EXP = {e: s for s, (b, e, f) in _SUFFIXES.items() if b == 10}
_BIN_SUFFIX_BY_EXP = {e: s for s, (b, e, f) in _SUFFIXES.items() if b == 2}


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity; the message is upstream's error text."""


def _ndigits(n: int) -> int:
    return len(str(abs(n))) if n else 1


def _strip10(n: int, exp: int) -> tuple[int, int]:
    """Move factors of ten of ``n`` into ``exp`` (``removeBigIntFactors(amount, 10)``)."""
    if n == 0:
        return 0, 0
    s = str(abs(n))
    stripped = s.rstrip("0")
    k = len(s) - len(stripped)
    if k:
        n = int(stripped) * (1 if n > 0 else -1)
        exp += k
    return n, exp


@dataclass(frozen=True)
class Quantity:
    """An exact quantity ``unscaled * 10**exponent`` with its serialization ``format``.

    ``capped`` is true when the written value exceeded the int64 range in magnitude: a BinarySI value
    was then capped to 2^63-1 at parse time (as upstream), and :meth:`value` saturates for the others.
    """

    unscaled: int
    exponent: int
    format: str = DECIMAL_SI
    capped: bool = False
    _s: str = field(default="", repr=False, compare=False)  # upstream's cached canonical string

    # -- value accessors -------------------------------------------------------------------------
    @property
    def amount(self) -> Fraction:
        """The exact value as a Fraction (do not call on absurd exponents such as ``1e2000000000``)."""
        if self.exponent >= 0:
            return Fraction(self.unscaled * 10**self.exponent)
        return Fraction(self.unscaled, 10**-self.exponent)

    def sign(self) -> int:
        return (self.unscaled > 0) - (self.unscaled < 0)

    def is_zero(self) -> bool:
        return self.unscaled == 0

    def scaled_value(self, scale: int) -> int:
        """``ScaledValue``: ceil(|q| / 10^scale) away from zero, saturated to the int64 range."""
        u, dif = self.unscaled, self.exponent - scale
        if u == 0:
            return 0
        neg = u < 0
        a = -u if neg else u
        if dif >= 0:
            if dif > 19 or _ndigits(a) + dif > 20:
                r = 10**40  # saturates below
            else:
                r = a * 10**dif
        else:
            down = -dif
            if down > _ndigits(a):
                r = 1
            else:
                q, rem = divmod(a, 10**down)
                r = q + (1 if rem else 0)
        if neg:
            return max(-r, MIN_INT64)
        return min(r, MAX_INT64)

    def value(self) -> int:
        """``Value()``: the integer value rounded up (away from zero), saturated to int64."""
        return self.scaled_value(0)

    def milli_value(self) -> int:
        """``MilliValue()``: ceil(q*1000) away from zero, saturated to int64."""
        return self.scaled_value(-3)

    def cmp(self, other: "Quantity") -> int:
        """``Cmp``: -1, 0 or 1."""
        a, b = self.sign(), other.sign()
        if a != b:
            return 1 if a > b else -1
        if a == 0:
            return 0
        # compare magnitudes via orders of magnitude first (never build 10**huge)
        ma = _ndigits(self.unscaled) + self.exponent
        mb = _ndigits(other.unscaled) + other.exponent
        if ma != mb:
            return a if ma > mb else -a
        e = min(self.exponent, other.exponent)
        x = self.unscaled * 10 ** (self.exponent - e)
        y = other.unscaled * 10 ** (other.exponent - e)
        return (x > y) - (x < y)

    def __lt__(self, other: "Quantity") -> bool:
        return self.cmp(other) < 0

    def __le__(self, other: "Quantity") -> bool:
        return self.cmp(other) <= 0

    def __gt__(self, other: "Quantity") -> bool:
        return self.cmp(other) > 0

    def __ge__(self, other: "Quantity") -> bool:
        return self.cmp(other) >= 0

    def equal(self, other: "Quantity") -> bool:
        return self.cmp(other) == 0

    # -- serialization ---------------------------------------------------------------------------
    def canonical(self) -> str:
        """``String()``: the cached input when it was already canonical, else ``CanonicalizeBytes``."""
        if self._s:
            return self._s
        return self._canonicalize()

    __str__ = canonical

    def _canonicalize(self) -> str:
        if self.unscaled == 0:
            return "0"
        fmt = self.format
        if fmt == BINARY_SI:
            if self.cmp(_int_q(-1024)) > 0 and self.cmp(_int_q(1024)) < 0:
                fmt = DECIMAL_SI
            elif self.exponent < 0:
                q, rem = divmod(abs(self.unscaled), 10**-self.exponent)
                if rem:
                    fmt = DECIMAL_SI
        elif fmt not in (DECIMAL_SI, DECIMAL_EXPONENT):
            fmt = DECIMAL_EXPONENT
        if fmt == BINARY_SI:
            if self.exponent >= 0:
                v = self.unscaled * 10**self.exponent
            else:  # exact (checked above)
                v = self.unscaled // 10**-self.exponent
            a, e = abs(v), 0
            while a % 1024 == 0:
                a //= 1024
                e += 1
            suffix = _BIN_SUFFIX_BY_EXP.get(e * 10) if e else ""
            if suffix is not None:
                return ("-" if v < 0 else "") + str(a) + suffix
            fmt = DECIMAL_EXPONENT  # past "Ei": exact decimal (TestBinarySIPastEiArithmeticRoundTrip)
        n, e = _strip10(self.unscaled, self.exponent)
        r = e % 3  # floor to a multiple of three, as AsCanonicalBytes
        if r:
            n *= 10**r
            e -= r
        if fmt == DECIMAL_SI:
            suffix = _DEC_SUFFIX_BY_EXP.get(e)
            if suffix is None:
                suffix = f"e{e}"  # no DecimalSI suffix beyond E / below n: exponent notation
        else:
            suffix = "" if e == 0 else f"e{e}"
        return str(n) + suffix


def _int_q(v: int) -> Quantity:
    return Quantity(v, 0, DECIMAL_SI)


def _parse_quantity_string(s: str):
    """``parseQuantityString``: (positive, value, num, denom, suffix)."""
    positive = True
    pos, end = 0, len(s)
    if pos < end and s[0] in "+-":
        positive = s[0] != "-"
        pos += 1
    # strip leading zeros
    i = pos
    while True:
        if i >= end:
            return positive, "0", "0", "", ""
        if s[i] == "0":
            pos += 1
            i += 1
        else:
            break
    i = pos
    while True:
        if i >= end:
            return positive, s[0:end], s[pos:end], "", ""
        if s[i] in _DIGITS:
            i += 1
            continue
        num = s[pos:i]
        pos = i
        break
    if not num:
        num = "0"
    denom = ""
    if pos < end and s[pos] == ".":
        pos += 1
        i = pos
        while True:
            if i >= end:
                return positive, s[0:end], num, s[pos:end], ""
            if s[i] in _DIGITS:
                i += 1
                continue
            denom = s[pos:i]
            pos = i
            break
    value = s[0:pos]
    suffix_start = pos
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if s[i] not in _SUFFIX_CHARS:
            pos = i
            break
        i += 1
    if pos < end and s[pos] in "+-":
        pos += 1
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if s[i] in _DIGITS:
            i += 1
            continue
        break
    raise QuantityError(ERR_FORMAT_WRONG)


def _go_parse_int64(s: str):
    """``strconv.ParseInt(s, 10, 64)`` -> int or None."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or any(c not in _DIGITS for c in body):
        return None
    v = int(s)
    if v < MIN_INT64 or v > MAX_INT64:
        return None
    return v


def _interpret(suffix: str):
    """``quantitySuffixer.interpret`` -> (base, exponent, format) or None."""
    hit = _SUFFIXES.get(suffix)
    if hit is not None:
        return hit
    if len(suffix) > 1 and suffix[0] in "eE":
        parsed = _go_parse_int64(suffix[1:])
        if parsed is None or parsed > _MAX_INT32 or parsed < -_MAX_INT32:
            return None
        return 10, parsed, DECIMAL_EXPONENT
    return None


def _canonical_cache(s: str, num: str, denom: str, scale: int, exponent: int, fmt: str, mantissa_value: int) -> str:
    """The ``s: str`` ParseQuantity keeps when the input is already canonical (fast path only)."""
    shifted = num + denom
    if fmt == BINARY_SI:
        if exponent % 10 == 0 and (mantissa_value & 0x07) != 0:
            return s
        return ""
    if scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
        return s
    return ""


def _parse_str(s: str) -> Quantity:
    if len(s) == 0:
        raise QuantityError(ERR_FORMAT_WRONG)
    if s == "0":
        return Quantity(0, 0, DECIMAL_SI, False, "0")
    positive, value, num, denom, suf = _parse_quantity_string(s)
    interp = _interpret(suf)
    if interp is None:
        raise QuantityError(ERR_SUFFIX)
    base, exponent, fmt = interp
    sign = 1 if positive else -1
    digits = int(num + denom)  # num+denom are digits only ("0" at least)

    # --- upstream fast path: decides only the cached string; the value is the same either way
    cache = ""
    if fmt in (DECIMAL_SI, DECIMAL_EXPONENT):
        precision = 18 - (len(num) + len(denom))
        scale = exponent
        mantissa = 1
    else:
        scale = 0
        if exponent >= 0 and len(denom) == 0:
            mantissa = 1 << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            mantissa, precision = 1, -1
    fast = False
    if precision >= 0:
        scale -= len(denom)
        if scale >= _NANO and abs(digits * mantissa) <= MAX_INT64:
            fast = True
            cache = _canonical_cache(s, num, denom, scale, exponent, fmt, digits)
    if not fast and not any(c in _DIGITS for c in value):
        # slow path: inf.Dec.SetString(value) needs at least one digit
        raise QuantityError(ERR_NUMERIC)

    # --- exact value
    if base == 10:
        unscaled, exp = sign * digits, exponent - len(denom)
    else:
        unscaled = sign * digits * (1 << exponent)
        exp = -len(denom)
    if unscaled == 0:
        return Quantity(0, 0, fmt, False, cache)
    # round away from zero to nano
    if exp < _NANO:
        down = _NANO - exp
        a = abs(unscaled)
        if down > _ndigits(a):
            a = 1
        else:
            q, rem = divmod(a, 10**down)
            a = q + (1 if rem else 0)
        unscaled = a if unscaled > 0 else -a
        exp = _NANO
        cache = ""
    unscaled, exp = _strip10(unscaled, exp)
    capped = False
    big = _ndigits(unscaled) + exp > 19 or (exp >= 0 and abs(unscaled) * 10**exp > MAX_INT64)
    if big:
        capped = True
        if fmt == BINARY_SI:
            unscaled, exp = (MAX_INT64 if unscaled > 0 else -MAX_INT64), 0
            cache = ""
    if fmt == BINARY_SI and _ndigits(unscaled) + exp <= 0:
        # 0 < |amount| < 1  -> DecimalSI ("This avoids rounding and hopefully confusion, too.")
        fmt = DECIMAL_SI
    return Quantity(unscaled, exp, fmt, capped, cache)


Number = Union[str, int, float]


def parse_quantity(v: "Number | Quantity") -> Quantity:
    """``ParseQuantity``; ints and floats are YAML/JSON numbers, read through their decimal text."""
    if isinstance(v, Quantity):
        return v
    if isinstance(v, bool) or v is None:
        raise QuantityError(ERR_FORMAT_WRONG)
    if isinstance(v, int):
        return _parse_str(str(v))
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise QuantityError(ERR_FORMAT_WRONG)
        text = repr(v)
        if text.endswith(".0") and "e" not in text:
            text = text[:-2]
        return _parse_str(text)
    if isinstance(v, str):
        return _parse_str(v)
    raise QuantityError(ERR_FORMAT_WRONG)


def to_canonical_units(resource_name: str, q: "Number | Quantity") -> int:
    """The simulator's integer unit: milli-CPU for ``cpu`` (``MilliValue``), else ``Value()``."""
    qq = parse_quantity(q)
    return qq.milli_value() if resource_name == "cpu" else qq.value()


def parse_resource_list(d: dict) -> dict:
    """``{"cpu": "500m", "memory": "1Gi"}`` -> ``{"cpu": 500, "memory": 1073741824}``."""
    if not d:
        return {}
    return {str(k): to_canonical_units(str(k), v) for k, v in d.items()}

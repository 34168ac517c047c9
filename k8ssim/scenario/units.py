"""Durations (``90s``, ``5m``, ``1h30m``, ``300ms``, ``2d``) and rates (``200/s``) as users write them.

Durations follow Go's ``time.ParseDuration`` units (ns, us/µs, ms, s, m, h) plus ``d`` for days;
a bare number is seconds. Everything inside the engine is float seconds.
"""
from __future__ import annotations

import math
import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DUR_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)")
_RATE_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(value) -> float:
    """Seconds as float; raises ValueError with a user-facing message."""
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r}: expected e.g. 90s, 5m, 1h30m")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"invalid duration {value!r}: must be finite")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"invalid duration {value!r}: expected e.g. 90s, 5m, 1h30m")
    s = value.strip()
    sign = 1.0
    if s.startswith(("-", "+")):
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    try:
        return sign * float(s)
    except ValueError:
        pass
    pos, total = 0, 0.0
    for m in _DUR_RE.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(s) or not s:
        raise ValueError(f'invalid duration "{value}": expected e.g. 90s, 5m, 1h30m, 300ms')
    return sign * total


def parse_rate(value) -> float:
    """Events per second from ``200/s``, ``1200/m``, ``5/h`` or a bare number (per second)."""
    if isinstance(value, bool):
        raise ValueError(f"invalid rate {value!r}: expected e.g. 200/s")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and "/" in value:
        num, _, unit = value.partition("/")
        try:
            n = float(num)
        except ValueError:
            raise ValueError(f'invalid rate "{value}": expected e.g. 200/s') from None
        if unit.strip() not in _RATE_UNITS or not math.isfinite(n):
            raise ValueError(f'invalid rate "{value}": unit must be one of /s, /m, /h')
        return n / _RATE_UNITS[unit.strip()]
    raise ValueError(f'invalid rate "{value}": expected e.g. 200/s')


def format_duration(seconds: float) -> str:
    s = float(seconds)
    if s >= 3600 and s % 3600 == 0:
        return f"{int(s // 3600)}h"
    if s >= 60 and s % 60 == 0:
        return f"{int(s // 60)}m"
    if s == int(s):
        return f"{int(s)}s"
    return f"{s:g}s"

"""Cron schedules in simulated time.

Mirrors ``github.com/robfig/cron/v3`` as the CronJob controller uses it (``cron.ParseStandard``:
5 fields ``minute hour day-of-month month day-of-week`` with ``*``/``?``, ``a``, ``a-b``, ``/step``,
lists, month and weekday names, the ``@yearly``/``@annually``/``@monthly``/``@weekly``/``@daily``/
``@midnight``/``@hourly`` descriptors and ``@every <duration>``; ``SpecSchedule.Next`` and
``ConstantDelaySchedule.Next``). Error messages are robfig's.

**Simulated time 0 is** :data:`EPOCH` = ``2026-01-01T00:00:00Z`` (a Thursday). A simulated time ``t``
is the instant ``EPOCH + t`` seconds; :func:`to_unix` gives Unix seconds (used for CronJob job names,
``<cronjob>-<unix minutes>``). Schedules are evaluated in UTC unless a ``timeZone`` (IANA name) is given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

__all__ = ["EPOCH", "EPOCH_UNIX", "Schedule", "parse_standard", "to_unix", "to_datetime", "from_datetime",
           "format_rfc3339", "load_location"]

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""The wall-clock instant of simulated time 0."""
EPOCH_UNIX = 1767225600
"""``EPOCH`` in Unix seconds."""

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_DOWS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
# (min, max, names) per field: minute hour dom month dow (robfig bounds)
_BOUNDS = [(0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DOWS)]
STAR = 1 << 63  # robfig starBit: the field was * or ?
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def to_unix(t: float) -> float:
    """Unix seconds of simulated time ``t``."""
    return EPOCH_UNIX + t


def to_datetime(t: float, tz=timezone.utc) -> datetime:
    """The aware datetime of simulated time ``t`` (in ``tz``)."""
    return (EPOCH + timedelta(seconds=t)).astimezone(tz)


def from_datetime(d: datetime) -> float:
    """Simulated time of an aware datetime."""
    return (d - EPOCH).total_seconds()


def format_rfc3339(t: float, tz=timezone.utc) -> str:
    """``time.Format(time.RFC3339)`` of simulated time ``t`` in ``tz`` (``Z`` for UTC)."""
    d = to_datetime(int(t // 1), tz)
    off = d.utcoffset() or timedelta(0)
    if off == timedelta(0) and tz is timezone.utc:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    s = d.strftime("%Y-%m-%dT%H:%M:%S%z")
    return s[:-2] + ":" + s[-2:]


def load_location(name: Optional[str]):
    """``time.LoadLocation``: None/"" / "UTC" → UTC; an IANA name → ZoneInfo; raises ValueError
    ``unknown time zone <name>`` otherwise."""
    if name is None or name in ("", "UTC"):
        return timezone.utc
    if name == "Local":
        return timezone.utc  # the simulated controller-manager runs in UTC
    try:
        import zoneinfo

        return zoneinfo.ZoneInfo(name)
    except Exception:  # noqa: BLE001 - any lookup failure means unknown
        raise ValueError(f"unknown time zone {name}") from None


# ------------------------------------------------------------------------------------- parser


def _int(expr: str, names: dict) -> int:
    if expr.lower() in names:
        return names[expr.lower()]
    if not re.fullmatch(r"[0-9]+", expr):
        raise ValueError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    return int(expr)


def _range_bits(expr: str, lo: int, hi: int, names: dict) -> int:
    """robfig ``getRange``."""
    parts = expr.split("/")
    lh = parts[0].split("-")
    single = len(lh) == 1
    extra = 0
    if lh[0] in ("*", "?"):
        start, end, extra = lo, hi, STAR
    else:
        start = _int(lh[0], names)
        if len(lh) == 1:
            end = start
        elif len(lh) == 2:
            end = _int(lh[1], names)
        else:
            raise ValueError(f"too many hyphens: {expr}")
    if len(parts) == 1:
        step = 1
    elif len(parts) == 2:
        step = _int(parts[1], {})
        if single and lh[0] not in ("*", "?"):
            end = hi  # "N/step" means "N-max/step"
        if step > 1:
            extra = 0
    else:
        raise ValueError(f"too many slashes: {expr}")
    if start < lo:
        raise ValueError(f"beginning of range ({start}) below minimum ({lo}): {expr}")
    if end > hi:
        raise ValueError(f"end of range ({end}) above maximum ({hi}): {expr}")
    if start > end:
        raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ValueError(f"step of range should be a positive number: {expr}")
    bits = 0
    for v in range(start, end + 1, step):
        bits |= 1 << v
    return bits | extra


def _field_bits(field: str, lo: int, hi: int, names: dict) -> int:
    bits = 0
    for part in field.split(","):
        bits |= _range_bits(part, lo, hi, names)
    return bits


_DUR_PART = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h)"


def _parse_go_duration(s: str) -> float:
    """``time.ParseDuration`` (unsigned): ``1h30m``, ``90s``, ``1.5h``; "0" is zero."""
    if s == "0":
        return 0.0
    if not s or not re.fullmatch(f"(?:{_DUR_PART})+", s):
        raise ValueError(f'time: invalid duration "{s}"')
    total = 0.0
    for num, unit in re.findall(r"([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)", s):
        total += float(num) * _GO_UNITS[unit]
    return total


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: bit sets per field (``SpecSchedule``) or a constant delay (``@every``)."""

    minute: int = 0
    hour: int = 0
    dom: int = 0
    month: int = 0
    dow: int = 0
    every: Optional[float] = None
    tz: object = timezone.utc

    def _day_matches(self, d: datetime) -> bool:
        dom_match = bool(1 << d.day & self.dom)
        dow_match = bool(1 << ((d.weekday() + 1) % 7) & self.dow)
        if self.dom & STAR or self.dow & STAR:
            return dom_match and dow_match
        return dom_match or dow_match

    def next(self, t: float) -> Optional[float]:
        """``Schedule.Next``: the first activation strictly after simulated time ``t`` (None if there is
        none within five years, as robfig gives the zero time)."""
        if self.every is not None:
            delay = max(1.0, float(int(self.every)))  # rounded down to the second, at least 1 s
            return float(int(t // 1)) + delay  # t.Add(delay - t.Nanosecond())
        # robfig works on wall-clock fields in the schedule's location, one second past t, truncated
        start = to_datetime(float(int(t // 1)) + 1.0, self.tz).replace(tzinfo=None)
        d = start
        added = False
        year_limit = d.year + 5
        while True:
            if d.year > year_limit:
                return None
            while not (1 << d.month & self.month):
                if not added:
                    added = True
                    d = d.replace(day=1, hour=0, minute=0, second=0)
                y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
                d = d.replace(year=y, month=m)
                if d.month == 1:
                    break
            if not (1 << d.month & self.month):
                continue  # wrapped to January: WRAP
            wrapped = False
            while not self._day_matches(d):
                if not added:
                    added = True
                    d = d.replace(hour=0, minute=0, second=0)
                d = d + timedelta(days=1)
                if d.day == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not (1 << d.hour & self.hour):
                if not added:
                    added = True
                    d = d.replace(minute=0, second=0)
                d = d + timedelta(hours=1)
                if d.hour == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not (1 << d.minute & self.minute):
                if not added:
                    added = True
                    d = d.replace(second=0)
                d = d + timedelta(minutes=1)
                if d.minute == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            if d.second != 0:  # the standard parser's seconds field is 0
                d = d.replace(second=0) + timedelta(minutes=1)
                if not added:
                    added = True
                continue
            if self.tz is timezone.utc:
                return from_datetime(d.replace(tzinfo=timezone.utc))
            return from_datetime(d.replace(tzinfo=self.tz))


def parse_standard(spec: str, tz=timezone.utc) -> Schedule:
    """``cron.ParseStandard``; raises ValueError with robfig's messages. ``TZ=``/``CRON_TZ=`` prefixes
    select the location (the CronJob validation rejects them; the controller still parses them)."""
    if not spec:
        raise ValueError("empty spec string")
    spec = spec.strip()
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        i = spec.find(" ")
        name = spec[spec.index("=") + 1: i if i >= 0 else len(spec)]
        tz = load_location(name)
        spec = spec[i:].strip() if i >= 0 else ""
    if spec.startswith("@"):
        if spec.startswith("@every "):
            rest = spec[len("@every "):].strip()
            try:
                d = _parse_go_duration(rest)
            except ValueError as e:
                raise ValueError(f"failed to parse duration {spec}: {e}") from None
            return Schedule(every=d, tz=tz)
        if spec not in _DESCRIPTORS:
            raise ValueError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"expected exactly 5 fields, found {len(fields)}: {spec}")
    bits = [_field_bits(f, lo, hi, names) for f, (lo, hi, names) in zip(fields, _BOUNDS)]
    return Schedule(bits[0], bits[1], bits[2], bits[3], bits[4], None, tz)

"""``--set dotted.path=value`` overrides, applied to the scenario document before validation.

Paths use dots and ``[i]`` indices (``spec.cluster.nodePools[0].count=5``); the ``spec.`` prefix may be
left out. Values are read as one YAML scalar/flow value (``5`` → int, ``10m`` → string, ``[a, b]`` → list).
"""
from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class OverrideError(ValueError):
    pass


def parse_path(path: str) -> list:
    out: list = []
    pos = 0
    p = path.strip()
    while pos < len(p):
        if p[pos] == ".":
            pos += 1
            continue
        m = _TOKEN.match(p, pos)
        if not m:
            raise OverrideError(f'--set {path}: cannot parse path at "{p[pos:]}"')
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not out:
        raise OverrideError("--set: empty path")
    return out


def parse_value(text: str) -> Any:
    """One YAML value, read by the same hardened reader as files (caps on aliases, depth, size); text
    that does not parse as YAML is taken as a plain string."""
    from k8ssim.api.errors import InputError
    from k8ssim.api.yamlio import load_string

    if not text.strip():
        return ""
    try:
        docs = load_string(text, filename="<--set>")
    except InputError:
        return text
    return docs[0].data if docs else None


def parse_override(item: str) -> tuple[list, Any]:
    if "=" not in item:
        raise OverrideError(f'--set {item}: expected dotted.path=value')
    path, _, value = item.partition("=")
    return parse_path(path), parse_value(value)


def apply_overrides(doc: dict, overrides) -> list[str]:
    """Apply overrides (a dict ``path -> value`` or a list of ``path=value`` strings) in order.
    Returns the canonical ``path=value`` strings for run.json."""
    items = list(overrides.items()) if isinstance(overrides, dict) else [parse_override(o) for o in overrides or []]
    applied = []
    for path, value in items:
        keys = parse_path(path) if isinstance(path, str) else list(path)
        if keys[0] not in ("spec", "metadata", "apiVersion", "kind"):
            keys = ["spec"] + keys
        cur: Any = doc
        for i, k in enumerate(keys[:-1]):
            nxt = keys[i + 1]
            if isinstance(k, int):
                if not isinstance(cur, list) or k >= len(cur):
                    raise OverrideError(f"--set {_fmt(keys)}: index [{k}] out of range")
                cur = cur[k]
            else:
                if not isinstance(cur, dict):
                    raise OverrideError(f"--set {_fmt(keys)}: {k} is not inside a mapping")
                if k not in cur or cur[k] is None:
                    cur[k] = [] if isinstance(nxt, int) else {}
                cur = cur[k]
        last = keys[-1]
        if isinstance(last, int):
            if not isinstance(cur, list) or last > len(cur):
                raise OverrideError(f"--set {_fmt(keys)}: index [{last}] out of range")
            if last == len(cur):
                cur.append(value)
            else:
                cur[last] = value
        else:
            if not isinstance(cur, dict):
                raise OverrideError(f"--set {_fmt(keys)}: parent is not a mapping")
            cur[last] = value
        applied.append(f"{_fmt(keys)}={value!r}" if not isinstance(value, str) else f"{_fmt(keys)}={value}")
    return applied


def _fmt(keys: list) -> str:
    s = ""
    for k in keys:
        s += f"[{k}]" if isinstance(k, int) else (("." if s else "") + k)
    return s

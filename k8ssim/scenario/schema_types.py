"""Value types shared by the scenario models: durations, quantities, DNS labels."""
from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from k8ssim.scenario.units import parse_duration

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _dns_label(v: str) -> str:
    if len(v) > 63 or not _DNS_LABEL.match(v):
        raise ValueError(
            f'Invalid value: "{v}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters '
            "or '-', and must start and end with an alphanumeric character"
        )
    return v


def _duration(v: Any) -> float:
    return parse_duration(v)


def _non_negative(v: float) -> float:
    if v < 0:
        raise ValueError("must be greater than or equal to 0")
    return v


def _positive(v: float) -> float:
    if not v > 0:
        raise ValueError("must be greater than 0")
    return v


def _quantity_str(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise ValueError(f"expected a quantity such as 4, 500m or 16Gi, got {type(v).__name__}")
    from k8ssim.api.quantity import QuantityError, parse_quantity

    try:
        q = parse_quantity(v)
    except QuantityError as e:
        raise ValueError(str(e)) from None
    if q.milli_value() < 0:
        raise ValueError(f'Invalid value: "{v}": must be greater than or equal to 0')
    return str(v)


Duration = Annotated[float, BeforeValidator(_duration), AfterValidator(_non_negative), PlainSerializer(lambda x: x)]
PositiveDuration = Annotated[float, BeforeValidator(_duration), AfterValidator(_positive)]
QuantityStr = Annotated[str, BeforeValidator(_quantity_str)]
DNSLabel = Annotated[str, AfterValidator(_dns_label)]



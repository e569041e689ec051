"""Supervision arithmetic without a database: mergeable duration histograms and their percentiles, the class of
an origin → destination pair of cities, the service-quality indicators against the plan's targets, and the
explainable risk score. The rollups store the inputs; these functions turn any sum of them into answers."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Durations are kept as counts in log-spaced buckets: bucket i holds durations d with
# RATIO**(i-1) < d <= RATIO**i seconds (bucket 0: d <= 1 s). Adding two histograms adds their counts, so p50/p90
# over any range come from the daily rollups alone; a percentile is exact to within one bucket (±12 %).
RATIO = 1.25
MAX_BUCKET = 80  # 1.25**80 s ≈ 1,500 years: everything fits


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a duration in seconds (negative durations count as 0)."""
    if seconds <= 1:
        return 0
    return min(MAX_BUCKET, math.ceil(math.log(seconds) / math.log(RATIO) - 1e-9))


def bucket_value(index: int) -> float:
    """What a bucket reports: its upper bound, rounded to the second (a conservative percentile)."""
    return float(round(RATIO ** index)) if index else 1.0


def histogram(durations: Iterable[float]) -> dict[str, int]:
    """Counts per bucket, keyed by the bucket number as a string (JSON object keys)."""
    counts: dict[str, int] = {}
    for seconds in durations:
        key = str(bucket_of(seconds))
        counts[key] = counts.get(key, 0) + 1
    return counts


def histogram_merge(histograms: Iterable[Mapping[str, int] | None]) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in histograms:
        for key, count in (one or {}).items():
            total[key] = total.get(key, 0) + int(count)
    return total


def percentile(counts: Mapping[str, int], fraction: float) -> float | None:
    """The ``fraction`` quantile (0.5: median) of a histogram, in seconds; ``None`` when it is empty."""
    n = sum(counts.values())
    if not n:
        return None
    rank = max(1, math.ceil(fraction * n))
    seen = 0
    for index in sorted(int(k) for k in counts):
        seen += counts[str(index)]
        if seen >= rank:
            return bucket_value(index)
    return None  # pragma: no cover - unreachable: the loop reaches n


def counter_merge(counters: Iterable[Mapping[str, int] | None]) -> dict[str, int]:
    """Sum of ``{name: count}`` objects (refusals by reason, alerts by kind, scans by type)."""
    total: dict[str, int] = {}
    for one in counters:
        for key, count in (one or {}).items():
            total[key] = total.get(key, 0) + int(count)
    return dict(sorted(total.items()))


# -- routes ------------------------------------------------------------------------------------------------------

SAME_CITY, KEY_CITIES, DELTA, OTHER = "same_city", "key_cities", "delta", "other"
ROUTE_CLASSES = (SAME_CITY, KEY_CITIES, DELTA, OTHER)


def city_of(region_code: str) -> str:
    """The prefecture-level city of a GB/T 2260 county code (``310115`` → ``310100``; ``330782`` Yiwu →
    ``330700`` Jinhua)."""
    code = (region_code or "").strip()
    return code[:4] + "00" if len(code) == 6 and code.isdigit() else ""


def province_of(region_code: str) -> str:
    code = (region_code or "").strip()
    return code[:2] + "0000" if len(code) == 6 and code.isdigit() else ""


def route_class(origin_city: str, destination_city: str, *, key_cities: Iterable[str],
                delta_prefixes: Iterable[str]) -> str:
    """Between two key cities (the plan's 12 h promise) — including within one —, between two other cities of the
    Delta (24 h), within one other city, or anything else."""
    keys = set(key_cities)
    if origin_city in keys and destination_city in keys:
        return KEY_CITIES
    if origin_city and origin_city == destination_city:
        return SAME_CITY
    prefixes = tuple(delta_prefixes)
    if origin_city.startswith(prefixes) and destination_city.startswith(prefixes):
        return DELTA
    return OTHER


# -- indicators --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorDefinition:
    code: str
    unit: str  # "‰", "per 100,000", "%"
    scale: float  # value = numerator / denominator × scale
    target: float
    higher_is_better: bool = False


@dataclass(frozen=True)
class Indicator:
    code: str
    numerator: int
    denominator: int
    value: float
    unit: str
    target: float
    met: bool | None  # None: nothing to measure (no parcel in the denominator)

    def as_dict(self) -> dict:
        return {"code": self.code, "numerator": self.numerator, "denominator": self.denominator, "value": self.value,
                "unit": self.unit, "target": self.target, "met": self.met}


def indicator(definition: IndicatorDefinition, numerator: int, denominator: int) -> Indicator:
    value = round(numerator / denominator * definition.scale, 4) if denominator else 0.0
    if not denominator:
        met = None
    elif definition.higher_is_better:
        met = value >= definition.target
    else:
        met = value <= definition.target
    return Indicator(definition.code, int(numerator), int(denominator), value, definition.unit, definition.target, met)


# -- risk --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Factor:
    factor: str
    count: int
    weight: float
    contribution: float

    def as_dict(self) -> dict:
        return {"factor": self.factor, "count": self.count, "weight": self.weight, "contribution": self.contribution}


def risk_score(counts: Mapping[str, int], weights: Mapping[str, float]) -> tuple[float, list[Factor]]:
    """Σ count × weight over the factors present, with each factor's share listed (largest first): the score
    explains itself. Factors without a weight count for nothing but are still listed."""
    factors = [Factor(name, int(n), float(weights.get(name, 0.0)), round(int(n) * float(weights.get(name, 0.0)), 4))
               for name, n in counts.items() if n]
    factors.sort(key=lambda f: (-f.contribution, f.factor))
    return round(sum(f.contribution for f in factors), 4), factors

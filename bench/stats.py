"""The numbers every bench reports, computed and printed one way: a table of measures, each a few statistics."""

import statistics

Rows = dict[str, dict[str, float]]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest rank from above: with few samples the tail shows the slow one rather than averaging it away."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def spread(samples: list[float]) -> dict[str, float]:
    return {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "p99": percentile(samples, 0.99),
        "max": max(samples),
    }


def shown(value: float) -> str:
    """Counts as they are, and three significant digits otherwise, but never an exponent (gas, bytes)."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:#.3g}"


def print_table(rows: Rows, columns: tuple[str, ...]) -> None:
    width = max(len("measure"), *(len(name) for name in rows)) + 2
    widths = [max(10, len(column) + 2) for column in columns]
    print(f"{'measure':<{width}}" + "".join(f"{column:>{w}}" for column, w in zip(columns, widths, strict=True)))
    for name, values in rows.items():
        cells = (shown(values[column]) if column in values else "" for column in columns)
        print(f"{name:<{width}}" + "".join(f"{cell:>{w}}" for cell, w in zip(cells, widths, strict=True)))

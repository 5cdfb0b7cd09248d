"""The forecast model: daily report counts as a weekday pattern plus a linear trend, fitted by least squares on
seven weekday indicators and the time in weeks, clipped at zero; judged by a rolling-origin backtest against the
seasonal-naive baseline (each day as the same weekday a week before).

numpy: run by the scheduled forecast function, whose layer has it; the API reads what it stored.
"""

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from ecopulse.forecasts import BACKTEST_DAYS, HORIZON_DAYS, MIN_TRAINING_DAYS, Errors, Fit

WEEK = 7


def design(first_day: date, days: int, offset: int = 0) -> np.ndarray:
    """One row per day from ``offset``: the day's weekday as an indicator, then its time in weeks."""
    index = np.arange(offset, offset + days)
    weekdays = (first_day.weekday() + index) % WEEK
    columns = np.zeros((days, WEEK + 1))
    columns[np.arange(days), weekdays] = 1.0
    columns[:, WEEK] = index / WEEK
    return columns


def fit_pattern(first_day: date, counts: npt.ArrayLike, horizon: int) -> np.ndarray:
    """The next ``horizon`` days: the least-squares weekday levels and trend, never below zero."""
    history = np.asarray(counts, dtype=float)
    coefficients, *_ = np.linalg.lstsq(design(first_day, len(history)), history, rcond=None)
    predicted: np.ndarray = np.clip(design(first_day, horizon, offset=len(history)) @ coefficients, 0.0, None)
    return predicted


def seasonal_naive(counts: npt.ArrayLike, horizon: int) -> np.ndarray:
    """Each day as the same weekday of the last week seen."""
    return np.resize(np.asarray(counts, dtype=float)[-WEEK:], horizon)


def errors(actual: np.ndarray, predicted: np.ndarray) -> Errors:
    """Mean absolute error, and weighted MAPE: total absolute error over total reports, so zero days count
    without a division by zero (none when there were no reports at all)."""
    absolute = np.abs(actual - predicted)
    total = float(actual.sum())
    return Errors(round(float(absolute.mean()), 4), round(float(absolute.sum()) / total, 4) if total else None)


def backtest(first_day: date, counts: npt.ArrayLike) -> tuple[Errors, Errors, int]:
    """Rolling origin over the last four weeks: from each weekly origin with two weeks behind it, both
    forecasts of the next seven days against what came. Returns the model's errors, the baseline's and the days
    tested."""
    history = np.asarray(counts, dtype=float)
    origins = [
        origin
        for origin in range(len(history) - BACKTEST_DAYS, len(history), HORIZON_DAYS)
        if origin >= MIN_TRAINING_DAYS
    ]
    actual, model, baseline = [], [], []
    for origin in origins:
        horizon = min(HORIZON_DAYS, len(history) - origin)
        actual.append(history[origin : origin + horizon])
        model.append(fit_pattern(first_day, history[:origin], horizon))
        baseline.append(seasonal_naive(history[:origin], horizon))
    seen = np.concatenate(actual)
    return errors(seen, np.concatenate(model)), errors(seen, np.concatenate(baseline)), len(seen)


def forecast(first_day: date, counts: Sequence[int], horizon: int) -> Fit:
    """The ``Forecaster`` of ``ecopulse.forecasts``: the model fitted on every day given, and its backtest."""
    model, baseline, tested = backtest(first_day, counts)
    expected = [round(float(value), 2) for value in fit_pattern(first_day, counts, horizon)]
    return Fit(expected, model, baseline, tested)

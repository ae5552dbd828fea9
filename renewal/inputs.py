"""Checking and shaping the model's numeric arguments.

Every public function of the model passes its arguments through here, so that
bad input (text, NaN, infinities, wrong shapes, negative horizons, rates at or
below -100%) always raises :class:`~renewal.errors.RenewalInputError` naming
the argument, and never turns into a silent wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewal.errors import RenewalInputError


def as_finite(name: str, value: object, max_ndim: int = 2) -> np.ndarray:
    """Return ``value`` as a float array, or raise naming ``name``.

    >>> as_finite("amount", [1, 2.5]).tolist()
    [1.0, 2.5]
    >>> as_finite("amount", [1, float("nan")])
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: amount: must be finite numbers; found nan at position 1
    """
    if isinstance(value, (str, bytes)):
        raise RenewalInputError(f"{name}: must be a number, got text {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise RenewalInputError(f"{name}: must be numbers, got {value!r}") from None
    if arr.ndim > max_ndim:
        raise RenewalInputError(
            f"{name}: must have at most {max_ndim} dimension(s), got shape {arr.shape}"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[0]
        pos = ", ".join(str(int(i)) for i in where) if arr.ndim else "0"
        raise RenewalInputError(
            f"{name}: must be finite numbers; found {arr[tuple(where)]} at position {pos}"
        )
    return arr


def as_rate(name: str, value: object) -> np.ndarray:
    """A rate or vector of rates, each finite and greater than -1 (-100%).

    >>> float(as_rate("rate", 0.08))
    0.08
    >>> as_rate("rate", -1)
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: rate: must be greater than -1 (-100%), got -1.0
    """
    arr = as_finite(name, value, max_ndim=1)
    if (arr <= -1).any():
        raise RenewalInputError(
            f"{name}: must be greater than -1 (-100%), got {arr[arr <= -1].flat[0]}"
        )
    return arr


def as_years(name: str, value: object, max_ndim: int = 1) -> np.ndarray:
    """Whole numbers of years, zero or more.

    >>> as_years("horizon", [20, 10]).tolist()
    [20, 10]
    >>> as_years("horizon", -3)
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: horizon: must be 0 or more years, got -3.0
    """
    arr = as_finite(name, value, max_ndim=max_ndim)
    if (arr < 0).any():
        raise RenewalInputError(f"{name}: must be 0 or more years, got {arr[arr < 0].flat[0]}")
    if (arr != np.round(arr)).any():
        raise RenewalInputError(
            f"{name}: must be whole years, got {arr[arr != np.round(arr)].flat[0]}"
        )
    return arr.astype(np.int64)


@dataclass(frozen=True)
class Flows:
    """Projects' cash flows in one shape: ``So`` (P,), ``Sk`` (P, N), horizons (P,).

    Years beyond a project's horizon hold 0 in ``operating``; ``scalar`` says the
    caller passed one project and expects plain numbers back.
    """

    renovation: np.ndarray
    operating: np.ndarray
    horizon: np.ndarray
    scalar: bool

    @property
    def in_horizon(self) -> np.ndarray:
        """Boolean (P, N): True where year k (1-based column k-1) is within the horizon."""
        years = np.arange(1, self.operating.shape[1] + 1)
        return years[None, :] <= self.horizon[:, None]

    def out(self, values: np.ndarray) -> float | np.ndarray:
        """``values`` (P,) as a float when one project was passed."""
        return float(values[0]) if self.scalar else values


def as_flows(renovation_surplus: object, operating_surpluses: object,
             horizon: object = None) -> Flows:
    """Check and broadcast So, Sk and horizon into a :class:`Flows`.

    ``renovation_surplus``: one number, or one per project (P,).
    ``operating_surpluses``: one number (the same every year; ``horizon`` then
    says how many years), a row of years (N,), or a matrix (P, N), one row per
    project. A shorter project is padded with zeros and given its own horizon.
    ``horizon``: None (all N years), or whole years, one or one per project;
    years beyond it are ignored.

    >>> f = as_flows(-3100, 348, horizon=20)
    >>> f.operating.shape, f.scalar
    ((1, 20), True)
    >>> as_flows([-1, -2], [[1, 1], [1, 1], [1, 1]])
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: renovation_surplus: has 2 projects but operating_surpluses has 3 rows
    """
    so = as_finite("renovation_surplus", renovation_surplus, max_ndim=1)
    sk = as_finite("operating_surpluses", operating_surpluses, max_ndim=2)
    h = None if horizon is None else as_years("horizon", horizon)
    if sk.ndim == 0:
        if h is None:
            raise RenewalInputError(
                "horizon: is required when operating_surpluses is a single number "
                "(the same surplus every year)"
            )
        sk = np.full((1, int(h.max(initial=0))), float(sk))
    elif sk.ndim == 1:
        sk = sk[None, :]
    n_projects = max(so.size, sk.shape[0], 1 if h is None else h.size)
    scalar = so.ndim == 0 and sk.shape[0] == 1 and (h is None or h.ndim == 0)
    for name, size in (("renovation_surplus", so.size), ("horizon", None if h is None else h.size)):
        if size not in (None, 1, n_projects):
            raise RenewalInputError(
                f"{name}: has {size} projects but operating_surpluses has {sk.shape[0]} rows"
            )
    if sk.shape[0] not in (1, n_projects):
        raise RenewalInputError(
            f"operating_surpluses: has {sk.shape[0]} rows but renovation_surplus has "
            f"{so.size} projects"
        )
    if sk.shape[1] == 0:  # no operation years at all: one zero year, outside every horizon
        sk = np.zeros((sk.shape[0], 1))
        h = np.zeros(1, dtype=np.int64) if h is None else h
    n_years = sk.shape[1]
    h = np.full(n_projects, n_years) if h is None else np.broadcast_to(h, (n_projects,))
    if (h > n_years).any():
        raise RenewalInputError(
            f"horizon: {int(h.max())} years exceeds the {n_years} years of "
            "operating_surpluses given"
        )
    so = np.broadcast_to(so, (n_projects,)).astype(float)
    sk = np.broadcast_to(sk, (n_projects, n_years)).astype(float)
    flows = Flows(so, sk, h.astype(np.int64), scalar)
    if (h < n_years).any():
        sk = np.where(flows.in_horizon, sk, 0.0)
        flows = Flows(so, sk, flows.horizon, scalar)
    return flows

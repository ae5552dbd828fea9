"""The report's charts: the geometry of a project's cumulative balance bar chart (So + ΣSk for
every year 0..n of its horizon), with a value axis whose labels fit the room given to them.

This module computes where things go; the page's template (``templates/_chart.html``)
draws them as inline SVG. A label's width is estimated from its characters at a generous
em-width per character (wider than digits and signs are in the common sans-serif fonts),
and the plot starts to the right of the widest value label, so that a negative label keeps
its minus sign (U+2212, the typographic minus). Years are ticked every year and labelled
at a step that leaves room between labels (1, 2, 5, 10, ... years).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from renewal.cashflow import cumulative_balance

WIDTH, HEIGHT, FONT = 360, 160, 10
"""The chart's size in px (its viewBox) and the labels' font size."""
TOP, RIGHT, BOTTOM = 8, 10, 20
"""Margins above, right of and below the plot; the left margin fits the value labels."""
EM = {"digit": 0.68, ",": 0.36, ".": 0.36, "−": 0.9, "-": 0.45}
"""Estimated advance of a character, in em; anything else counts as a digit (0.68 em is wider
than the digits of DejaVu Sans, Arial, Noto Sans and Microsoft YaHei)."""
GAP = 4
"""Room between a value label and the plot, and between year labels, in px."""
PROFIT, LOSS = "#2e7d32", "#c62828"


def text_width(text: str, font_size: float = FONT) -> float:
    """A generous estimate of ``text``'s width in px.

    >>> text_width("−3,100") > text_width("3,100") > 0
    True
    """
    return font_size * sum(EM.get(ch, EM["digit"]) for ch in text)


def number_label(value: float, decimals: int = 0) -> str:
    """An axis label: thousands separated, ``decimals`` places, a real minus sign.

    >>> number_label(-3100), number_label(250.0), number_label(-0.0), number_label(-0.25, 2)
    ('−3,100', '250', '0', '−0.25')
    """
    text = f"{value:,.{decimals}f}"
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text.replace("-", "−")


def decimals_for(ticks: list[float]) -> int:
    """Decimal places that tell ticks apart: none for steps of 1 or more.

    >>> decimals_for([0.0, 1000.0]), decimals_for([-0.4, -0.2, 0.0])
    (0, 1)
    """
    step = abs(ticks[1] - ticks[0])
    return max(0, -math.floor(math.log10(step) + 1e-9))


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """At most ``most`` + 1 round values from below ``low`` to above ``high`` (steps of 1, 2 or
    5 times a power of ten), always including 0 when the range spans it.

    >>> nice_ticks(-3100, 800)
    [-4000.0, -3000.0, -2000.0, -1000.0, 0.0, 1000.0]
    >>> nice_ticks(0, 0)
    [0.0, 1.0]
    """
    if high - low <= 0:
        return [float(low), low + 1.0]
    raw = (high - low) / most
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]


def year_step(years: int, room: float, label_width: float) -> int:
    """Label every ``step``-th year so that labels ``label_width`` wide do not collide in ``room`` px.

    >>> year_step(10, 300, 14), year_step(50, 300, 14)
    (1, 5)
    """
    per_year = room / max(years, 1)
    return next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 10**9) if s * per_year >= label_width + GAP)


@dataclass(frozen=True)
class Bar:
    """One year's bar: its box, colour and tooltip."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    tip: str


@dataclass(frozen=True)
class Tick:
    """A tick on an axis: where (px along the axis) and its label (empty: a tick without one)."""

    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A bar chart's geometry, in the coordinates of its viewBox (0 0 width height)."""

    title: str
    width: float
    height: float
    left: float
    """Where the plot starts: right of the widest value label."""
    bottom: float
    """Where the plot ends downwards; the year labels are below it."""
    zero: float
    """The y of the value 0."""
    bars: tuple[Bar, ...]
    values: tuple[Tick, ...]
    years: tuple[Tick, ...]
    font_size: float = FONT


def balance_chart(renovation_surplus: float, operating_surpluses: list[float], title: str) -> Chart:
    """Bars of the cumulative balance So + ΣSk for every year 0..n; red below zero, green above.

    >>> c = balance_chart(-3100, [160.0] * 20, "Zhenwumiao")
    >>> len(c.bars), c.values[0].label, [t.label for t in c.years][:6]
    (21, '−4,000', ['0', '', '2', '', '4', ''])
    >>> c.left >= text_width("−4,000") + 4
    True
    """
    balance = [float(v) for v in cumulative_balance(renovation_surplus, operating_surpluses)]
    ticks = nice_ticks(min(0.0, *balance), max(0.0, *balance))
    low, high = ticks[0], ticks[-1]
    labels = [number_label(v, decimals_for(ticks)) for v in ticks]
    left = math.ceil(max(text_width(t) for t in labels)) + 2 * GAP
    bottom = HEIGHT - BOTTOM
    plot_w, plot_h = WIDTH - left - RIGHT, bottom - TOP

    def y(v: float) -> float:
        return round(TOP + (high - v) / (high - low) * plot_h, 1)

    step = plot_w / len(balance)
    bars = tuple(
        Bar(round(left + i * step + step * 0.12, 1), min(y(v), y(0)), round(step * 0.76, 1),
            max(round(abs(y(v) - y(0)), 1), 0.5), PROFIT if v >= 0 else LOSS, f"{i}: {v:,.1f}")
        for i, v in enumerate(balance))
    every = year_step(len(balance), plot_w, text_width(str(len(balance) - 1)))
    years = tuple(Tick(round(left + (i + 0.5) * step, 1), str(i) if i % every == 0 else "")
                  for i in range(len(balance)))
    values = tuple(Tick(y(v), label) for v, label in zip(ticks, labels, strict=True))
    return Chart(title, WIDTH, HEIGHT, left, bottom, y(0), bars, values, years)

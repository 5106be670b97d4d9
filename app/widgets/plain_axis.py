"""A pyqtgraph axis that writes plain numbers: its label is never scaled (pyqtgraph turns "PC2" into "PC2 (x0.001)"
when the values are small, and divides the ticks to match), and large or small ticks are written out with thousands
separated ("-4,000,000", "0.0005"), never in scientific notation ("-4e+06"); beyond 10¹⁵ (a diverged loss) as a
power of ten ("1.5×10¹⁹").

It only formats ticks; where the ticks fall is pyqtgraph's.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

MAX_PLACES = 12           # ticks closer than 1e-12 are too fine to write out
MAX_WRITTEN_OUT = 1e15    # from there on, a number is too large to write out
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def plain_number(value: float, spacing: float) -> str:
    """``value`` with the decimals that ticks ``spacing`` apart need (none for whole numbers), thousands separated:
    ``plain_number(-4e6, 1e6) == "-4,000,000"``, ``plain_number(0.0015, 0.0005) == "0.0015"``."""
    if abs(value) >= MAX_WRITTEN_OUT or 0 < spacing < 10.0 ** -MAX_PLACES:
        return power_of_ten(value)
    places = max(0, math.ceil(-math.log10(spacing))) if spacing > 0 else 0
    if round(value, places) == 0:
        value = 0.0           # not "-0.00"
    return f"{value:,.{places}f}"


def power_of_ten(value: float) -> str:
    """``value`` as a number times a power of ten, as a reader writes it: ``power_of_ten(1.5e19) == "1.5×10¹⁹"``."""
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = "10" + str(int(exponent)).translate(SUPERSCRIPTS)
    return power if mantissa == "1" else f"-{power}" if mantissa == "-1" else f"{mantissa}×{power}"


class PlainAxis(pg.AxisItem):
    """An AxisItem without automatic SI scaling, whose ticks are plain numbers (see ``plain_number``); on a
    logarithmic axis too ("200", not "2·10²")."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if self.logMode:
            # The ticks are decades and their multiples: each is written with its own leading digit's places.
            numbers = 10.0 ** np.asarray(values, dtype=float) * scale
            return [plain_number(x, 10.0 ** math.floor(math.log10(x))) if x > 0 else "0" for x in numbers]
        return [plain_number(value * scale, spacing * scale) for value in values]

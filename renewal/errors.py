"""The one exception type the model raises for bad input."""


class RenewalInputError(ValueError):
    """An argument cannot be used: its message names the argument and says why.

    It subclasses :class:`ValueError`, so ``except ValueError`` also catches it.

    >>> from renewal.cashflow import npv
    >>> npv(-1.5, -100, [60, 60])
    Traceback (most recent call last):
    ...
    renewal.errors.RenewalInputError: rate: must be greater than -1 (-100%), got -1.5
    """

"""Percentages as the statistics print them."""
from decimal import ROUND_HALF_UP, Decimal


def percent(count, n):
    """Whole percent of n, rounded half up (12.5 -> 13); None when there is nothing to
    divide by."""
    if count is None or not n:
        return None
    return int((Decimal(count) * 100 / Decimal(n)).quantize(Decimal(1), ROUND_HALF_UP))

"""Progress bars on standard error: the one place that knows tqdm."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any


def bar(total: int, label: str, unit: str, show: bool, initial: int = 0) -> Any:
    """A tqdm bar for ``total`` items, or None when not shown (or for fewer than two)."""
    if not show or total < 2:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=label, unit=unit, leave=False, file=sys.stderr)


def track(
    items: Iterable[Any], total: int, label: str, show: bool, unit: str = "run", initial: int = 0
) -> Iterator[Any]:
    """Yield ``items``, advancing a progress bar by one for each."""
    b = bar(total, label, unit, show, initial)
    if b is None:
        yield from items
        return
    with b:
        for x in items:
            yield x
            b.update(1)

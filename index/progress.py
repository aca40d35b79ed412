"""Progress bars on stderr for long work, only when asked for (tqdm is imported lazily)."""

from __future__ import annotations


def progress_bar(items, desc: str, enabled: bool, unit: str = "it", total: int | None = None):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, total=total)

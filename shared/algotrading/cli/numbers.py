"""Words and numbers in lines a person reads: counts with the right plural ("1 trade",
"2 trades"), thousands separated (docs/output.md)."""

from __future__ import annotations


def plural(word: str, n: int = 2, many: str | None = None) -> str:
    """`word` for one, else `many` (default: `word` + "s")."""
    return word if n == 1 else (many or word + "s")


def count(n: int, word: str, many: str | None = None) -> str:
    """`1 trade`, `2 trades`, `2,929 closes`."""
    return f"{n:,} {plural(word, n, many)}"

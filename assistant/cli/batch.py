"""What the `--batch` commands share: numbered input lines, and a one-line reason for a line that fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) for every non-blank line; numbers count blank lines too, as editors do."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors())
    return str(exc).splitlines()[0]

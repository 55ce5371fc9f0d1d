"""How a command reports a rejected input line: one line, naming the field."""

from __future__ import annotations

from pydantic import ValidationError


def one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors())
    return str(exc).splitlines()[0]

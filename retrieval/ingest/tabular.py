"""Generic CSV / TSV / JSONL feeds, with an optional field=Column mapping."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from .fields import ParsedRow, RowError, parse_rows, resolve_columns


def read_csv(path: Path, mapping: dict[str, str] | None = None, delimiter: str | None = None) -> Iterator[ParsedRow]:
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        if delimiter is None:
            delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        columns = resolve_columns(list(reader.fieldnames or []), mapping)
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1  # records may span lines (quoted HTML)
            yield from parse_rows(line, {field: row.get(column) for field, column in columns.items()})


def jsonl_objects(path: Path) -> Iterator[tuple[int, dict] | RowError]:
    """(line, object) for each JSON object of a JSONL feed, a `RowError` for a line that is not one."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RowError(line=line, reason=f"invalid JSON: {exc.msg}")
                continue
            if not isinstance(record, dict):
                yield RowError(line=line, reason="expected a JSON object")
                continue
            yield line, record


def read_jsonl(path: Path, mapping: dict[str, str] | None = None) -> Iterator[ParsedRow]:
    columns_cache: dict[tuple, dict[str, str]] = {}
    for item in jsonl_objects(path):
        if isinstance(item, RowError):
            yield item
            continue
        line, record = item[0], flatten(item[1])
        key = tuple(record)
        if key not in columns_cache:
            columns_cache[key] = resolve_columns(list(record), mapping if _has_all(record, mapping) else None)
        yield from parse_rows(line, {field: record.get(column) for field, column in columns_cache[key].items()})


def flatten(record: dict, depth: int = 3) -> dict:
    """The record plus a dotted key for each nested value, so that nested feeds can be mapped:
    {"priceInfo": {"price": "16"}, "images": [{"uri": "u"}]} also has "priceInfo.price" and "images.0.uri"
    (of a list, only the first element is named). Top-level keys keep their structured values."""
    flat = dict(record)

    def walk(prefix: str, value, level: int) -> None:
        if level > depth:
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                name = f"{prefix}.{key}"
                flat.setdefault(name, inner)
                walk(name, inner, level + 1)
        elif isinstance(value, list) and value:
            name = f"{prefix}.0"
            flat.setdefault(name, value[0])
            walk(name, value[0], level + 1)

    for key, value in record.items():
        if isinstance(value, (dict, list)):
            walk(str(key), value, 1)
    return flat


def _has_all(record: dict, mapping: dict[str, str] | None) -> bool:
    return bool(mapping) and all(column in record for column in mapping.values())

"""Privacy in the behaviour data: personal details redacted from text before it is stored, a shopper's events
and affinities found, exported and forgotten, and old events purged (retention).

    redact("call me on +44 20 7946 0958")        -> "call me on [☎]"
    user_events(store, "u-1")                     -> the shopper's events, oldest first
    forget_events(store, "u-1")                   -> how many rows went (events, issued searches)
    forget_affinities(ranker_home, "u-1")         -> user_lift entries removed from every trained ranker
    purge_events(store, before)                   -> rows older than `before` deleted

What counts as a shopper's events: every event whose `user_id` is theirs, and every interaction logged against
one of their searches (an impression or click posted without the user_id still belongs to that search's
shopper). Training reads only what the events table holds (ranking/dataset.py), so once these rows are gone
the next `train-ranker` cannot see them. A trained ranker also keeps per-user affinities (`user_lift` in
`behaviour.json`, ranking/artifacts.py); `forget_affinities` removes the shopper's from every model on disk,
and a serving process reloads them on its next search (ranking/serving.py watches the file).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

from .database import Database, micros
from .event_store import EventStore
from .events import InteractionEvent, QueryEvent, parse_event

# ---------------------------------------------------------------- redaction

# Marks the parser reads as no words at all, so a redacted message searches for what the shopper asked and
# nothing else (a word such as "phone" or "card" would pull phones and gift cards into the results).
EMAIL_TOKEN, PHONE_TOKEN, CARD_TOKEN = "[✉]", "[☎]", "[💳]"

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# 13-19 digits, single spaces or dashes between them: card-like when the Luhn check holds (see _card).
CARD_LIKE = re.compile(r"(?<![\w.,+$£€])\d(?:[ -]?\d){12,18}(?![\w.,]\d)")
PHONE = re.compile(
    r"(?<![\w+$£€])(?:"
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"  # +44 20 7946 0958, +1 (555) 010-0199
    r"|(?:1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}"                        # (555) 010-0199
    r"|(?:1[ .-])?\d{3}[ .-]\d{3}[ .-]\d{4}"                               # 555-010-0199, 555.010.0199
    r"|0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}"                                    # 07700 900123, 020 7946 0958
    r"|\d{10,11}"                                                          # 5550100199
    r")(?![\w])")


def redact(text: str) -> str:
    """`text` with e-mail addresses, card-like numbers and phone numbers replaced by [✉], [💳] and [☎]
    (marks the intent parser skips: the redacted message asks for the same thing).

    Card-like: 13-19 digits (single spaces or dashes allowed between them) starting 2-6, as payment cards do
    (an ISBN or EAN starts 9 or 0), that pass the Luhn check. Phone: a number with a +country code, the
    (555) 010-0199 / 555-010-0199 / 555.010.0199 shapes, a national number starting 0 (07700 900123), or
    10-11 bare digits. Prices, sizes, model numbers and quantities never have those shapes."""
    if not any(c.isdigit() or c == "@" for c in text):
        return text
    text = EMAIL.sub(EMAIL_TOKEN, text)
    text = CARD_LIKE.sub(_card, text)
    return PHONE.sub(_phone, text)


def _card(match: re.Match) -> str:
    found = match.group(0)
    # A longer run may be a card followed by another number ("4111 1111 1111 1111 2"): try it shorter.
    groups = re.split(r"([ -])", found)
    for end in range(len(groups), 0, -2):
        candidate = "".join(groups[:end])
        digits = re.sub(r"\D", "", candidate)
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn(digits):
            return CARD_TOKEN + found[len(candidate):]
    return found


def _phone(match: re.Match) -> str:
    found = match.group(0)
    digits = sum(c.isdigit() for c in found)
    if found.isdigit():  # a bare run of digits is a phone number only at a phone number's length (not a GTIN)
        return PHONE_TOKEN if 10 <= digits <= 11 else found
    return PHONE_TOKEN if 8 <= digits <= 15 else found


def luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# ---------------------------------------------------------------- a shopper's events

def _user_clause(database: Database) -> str:
    # body is TEXT-as-JSON on SQLite, JSON on PostgreSQL.
    return "json_extract(body, '$.user_id') = ?" if database.dialect == "sqlite" else "body ->> 'user_id' = ?"


def _has_table(database: Database, table: str) -> bool:
    if database.dialect == "sqlite":
        return bool(database.fetch("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)))
    return bool(database.fetch("SELECT 1 FROM information_schema.tables WHERE table_name = ?", (table,)))


def _user_rows(store: EventStore, user_id: str) -> list[tuple[int, str, str]]:
    """(ts_us, event_id, body) of the shopper's events: theirs by user_id, and interactions on their searches."""
    database = store.database
    own = database.fetch(f"SELECT ts_us, event_id, CAST(body AS TEXT), type, query_id FROM events "
                         f"WHERE {_user_clause(database)}", (user_id,))
    searches = sorted({query_id for _, _, _, kind, query_id in own if kind == "query" and query_id})
    rows = {event_id: (ts, event_id, body) for ts, event_id, body, _, _ in own}
    for start in range(0, len(searches), 500):
        chunk = searches[start:start + 500]
        for ts, event_id, body in database.fetch(
                f"SELECT ts_us, event_id, CAST(body AS TEXT) FROM events WHERE type = 'interaction' AND "
                f"query_id IN ({', '.join('?' * len(chunk))})", tuple(chunk)):
            rows[event_id] = (ts, event_id, body)
    return sorted(rows.values())


def user_events(store: EventStore, user_id: str) -> list[QueryEvent | InteractionEvent]:
    """Every event held about the shopper, oldest first."""
    return [parse_event(json.loads(body)) for _, _, body in _user_rows(store, user_id)]


def forget_events(store: EventStore, user_id: str) -> dict[str, int]:
    """Delete the shopper's events (see user_events) and their issued searches, in one transaction."""
    database = store.database
    ids = [event_id for _, event_id, _ in _user_rows(store, user_id)]
    removed = {"events": 0, "issued_queries": 0}
    issued = _has_table(database, "issued_queries")
    with database.transaction() as transaction:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            removed["events"] += transaction.execute(
                f"DELETE FROM events WHERE event_id IN ({', '.join('?' * len(chunk))})", tuple(chunk))
        if issued:
            removed["issued_queries"] = transaction.execute("DELETE FROM issued_queries WHERE user_id = ?",
                                                            (user_id,))
    return removed


def purge_events(store: EventStore, before: datetime) -> dict[str, int]:
    """Delete events (and issued searches) older than `before`: the retention limit."""
    database = store.database
    cutoff = micros(before)
    issued = _has_table(database, "issued_queries")
    with database.transaction() as transaction:
        removed = {"events": transaction.execute("DELETE FROM events WHERE ts_us < ?", (cutoff,))}
        if issued:
            removed["issued_queries"] = transaction.execute("DELETE FROM issued_queries WHERE ts_us < ?", (cutoff,))
    return removed


# ---------------------------------------------------------------- a shopper's affinities in trained rankers

def _behaviour_files(ranker_home: Path) -> list[Path]:
    return sorted(ranker_home.glob("*/behaviour.json")) if ranker_home.is_dir() else []


def user_affinities(ranker_home: Path, user_id: str) -> dict[str, list[dict]]:
    """The shopper's affinities per trained ranker: {model name: [{kind, value, lift}]} (models with none left out)."""
    found = {}
    for path in _behaviour_files(ranker_home):
        lifts = [{"kind": k, "value": v, "lift": lift}
                 for u, k, v, lift in json.loads(path.read_text()).get("user_lift", []) if u == user_id]
        if lifts:
            found[path.parent.name] = lifts
    return found


def forget_affinities(ranker_home: Path, user_id: str) -> int:
    """Remove the shopper's affinities from every trained ranker's behaviour.json (each file replaced
    atomically); returns how many entries went."""
    removed = 0
    for path in _behaviour_files(ranker_home):
        raw = json.loads(path.read_text())
        kept = [entry for entry in raw.get("user_lift", []) if entry[0] != user_id]
        if len(kept) == len(raw.get("user_lift", [])):
            continue
        removed += len(raw["user_lift"]) - len(kept)
        raw["user_lift"] = kept
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".behaviour-", suffix=".json")
        with os.fdopen(fd, "w") as out:
            json.dump(raw, out)
        os.replace(temp, path)
    return removed

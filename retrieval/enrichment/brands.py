"""The store's brands, learnt from its own titles, for products whose feed gives none.

Marketplace titles mostly start with the brand ("Duracell - AAA Batteries (4-Pack)", "LEGO Classic Bricks").
A leading run of 1-3 words is taken as a brand when it recurs across several products that go on differently
(so "Metra" is a brand, but a product sold in five colours is not), it starts titles more often than it
appears inside them, and it is not a generic word ("Set", "Kids", "New", a colour or a material). Titles written
"Brand - Product" state the brand outright: that segment counts from two products on. Brands the feed gives for
some of its products are known outright too. Titles of games, films, music and books start with the work, not
a brand, and are left alone.

Learning reads titles only, one at a time (`BrandLearner.observe`), so a catalog of any size is learnt in one
streaming pass without holding its products; `BrandLearner.learn()` then gives the `BrandList` to match
titles against.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .attributes import category_kind
from .lexicon import COLORS, GENERIC_WORDS, LETTER_SIZES, MATERIALS

MIN_TITLES = 3  # a leading-word brand must start at least this many titles...
MIN_SEGMENT_TITLES = 2  # ... and a "Brand - Product" segment this many
MIN_LEAD_SHARE = 0.5  # of a one-word brand's occurrences, at least this share must be at the start of a title
EXTEND_SHARE = 0.6  # "Melissa" extends to "Melissa & Doug" when that many of its titles go on that way
# A brand that starts with a colour or material word ("Oak & Grain", "Blue Buffalo") needs more: nearly all the
# titles that start with that word go on the same way, and at least this many.
DESCRIPTIVE_SHARE = 0.9
DESCRIPTIVE_MIN_TITLES = 5
MAX_WORDS = 3
MAX_SEGMENT_WORDS = 4

_TOKEN = re.compile(r"\S+")
_EDGE = "™®©*\"'.,:;!?()[]{}"
_SEPARATORS = frozenset({"-", "–", "—", "|", "/", "•"})
_SEGMENT = re.compile(r"\s+[-–—|]\s+")
_NUMERIC = re.compile(r"^[\d.,/+x%-]+$|^\d+-?(?:packs?|pk|pcs?|pieces?|count|ct|in|inch|ft|oz|lb|mm|cm|gb|tb)$")
_BAD_ENDS = frozenset({"&", "and", "+", "of", "the", "for", "by", "with", "-", "a", "an", "to", "in"})
_VARIANT_WORDS = COLORS | set(LETTER_SIZES)


def normalize(token: str) -> str:
    return token.strip(_EDGE).lower()


def _leading(title: str, limit: int) -> tuple[list[str], list[int]]:
    """The normalized leading tokens of a title, up to `limit` and up to its first separator or a token that
    ends with ':' or ','; with each token's end offset, to cut the brand's own spelling out of the title."""
    tokens, ends = [], []
    for m in _TOKEN.finditer(title):
        raw = m.group()
        if raw in _SEPARATORS or len(tokens) >= limit:
            break
        word = normalize(raw)
        if not word:
            break
        tokens.append(word)
        ends.append(m.start() + len(raw.rstrip(",:;™®©*\"')]}")))
        if raw.rstrip("™®©").endswith((":", ",", ";")):
            break
    return tokens, ends


def _valid(prefix: Sequence[str]) -> bool:
    first = prefix[0]
    if first in GENERIC_WORDS or first in COLORS or first in MATERIALS or _NUMERIC.match(first):
        return False
    return prefix[-1] not in _BAD_ENDS and not any(_NUMERIC.match(t) for t in prefix[1:])


def _descriptive(word: str) -> bool:
    """A colour or material: not a brand alone, but "Oak & Grain", "Blue Buffalo" and "Red Bull" start with one."""
    return (word in COLORS or word in MATERIALS) and word not in GENERIC_WORDS


def _valid_after_descriptive(prefix: Sequence[str]) -> bool:
    """"Oak & Grain" yes, "Black Leather" (a colour and a material) no."""
    rest = [w for w in prefix[1:] if w not in _BAD_ENDS]
    return bool(rest) and prefix[-1] not in _BAD_ENDS and not any(
        w in GENERIC_WORDS or w in COLORS or w in MATERIALS or _NUMERIC.match(w) for w in rest)


def _surface(title: str, end: int) -> str:
    """The brand as the title writes it, less trademark signs and trailing punctuation ("Inkwell & Co." keeps
    its full stop)."""
    return title[:end].replace("™", "").replace("®", "").replace("©", "").strip().rstrip(",:;|-–— ").strip()


class BrandList:
    """Brands to match titles against: the feed's own, the "Brand - Product" segments and leading words."""

    def __init__(self, seeds: dict[tuple, str], segments: dict[tuple, tuple[str, int]], words: dict[tuple, tuple[int, str]],
                 links: dict[tuple, int] | None = None):
        self.seeds = seeds  # normalized tokens -> the feed's spelling
        self.segments = segments  # normalized tokens -> (spelling, titles)
        self.words = words  # normalized tokens -> (titles it starts, spelling)
        self.links = links or {}  # prefixes that only lead to a longer brand ("melissa", "melissa &") -> titles
        self._seed_lengths = sorted({len(k) for k in seeds}, reverse=True)

    def __len__(self) -> int:
        return len(self.learned())

    def learned(self) -> dict[str, int]:
        """Brands learnt from titles (not given by the feed), with how many titles start with each; a prefix of
        a longer brand that takes most of its titles ("Team" of "Team ProMark") is not listed."""
        longest: dict[tuple, int] = {}  # prefix -> most titles of a longer brand that starts with it
        for key, count in [*((k, c) for k, (c, _) in self.words.items()),
                           *((k, c) for k, (_, c) in self.segments.items())]:
            for n in range(1, len(key)):
                longest[key[:n]] = max(longest.get(key[:n], 0), count)
        found: dict[str, int] = {}
        for key, (count, spelling) in self.words.items():
            if longest.get(key, 0) < EXTEND_SHARE * count:
                found[spelling] = max(found.get(spelling, 0), count)
        for key, (spelling, count) in self.segments.items():
            found[spelling] = max(found.get(spelling, 0), count)
        return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))

    def match(self, title: str, category: Sequence[str] = ()) -> str | None:
        """The brand a title starts with, or None (also for games, films, music and books)."""
        if category_kind(category) == "media":
            return None
        tokens, _ = _leading(title, max([MAX_SEGMENT_WORDS, *self._seed_lengths]))
        length = len(_TOKEN.findall(title))
        for n in self._seed_lengths:  # the feed's own brands first, longest first
            key = tuple(tokens[:n])
            if len(key) == n and length > n and key in self.seeds:
                return self.seeds[key]
        segment = _segment_key(title)
        if segment in self.segments:
            return self.segments[segment][0]
        best, previous = None, None
        for n in range(1, MAX_WORDS + 1):
            key = tuple(tokens[:n])
            if len(key) < n or length <= n:
                break
            count = self.words[key][0] if key in self.words else self.links.get(key)
            if count is None or (previous is not None and count < EXTEND_SHARE * previous):
                break
            if key in self.words:
                best = self.words[key][1]
            previous = count
        return best


def _segment_key(title: str) -> tuple | None:
    """The "Brand" of "Brand - Product ...": 1-4 words, no ':' (a work's "Title: Subtitle"), not the whole title."""
    parts = _SEGMENT.split(title, maxsplit=1)
    if len(parts) < 2 or ":" in parts[0] or len(parts[0]) > 40:
        return None
    words = [normalize(w) for w in parts[0].split()]
    words = [w for w in words if w]
    return tuple(words) if 1 <= len(words) <= MAX_SEGMENT_WORDS else None


class BrandLearner:
    """Counts leading words over a stream of titles; `learn()` turns the counts into a `BrandList`."""

    def __init__(self) -> None:
        self.titles = 0
        self.lead: Counter[tuple] = Counter()
        # prefix -> how titles go on after it: one remainder's hash, or True once two differ (kept small: a catalog
        # of 100k titles has a few hundred thousand prefixes)
        self.following: dict[tuple, int | bool] = {}
        self.inner: Counter[str] = Counter()
        self.segment: Counter[tuple] = Counter()
        self.segment_following: dict[tuple, int | bool] = {}
        self.spelling: dict[tuple, str | Counter[str]] = {}  # one spelling, or counts once a second one appears
        self.feed_brands: dict[tuple, Counter[str]] = {}

    def observe(self, title: str, brand: str | None = None, category: Sequence[str] = ()) -> None:
        if category_kind(category) == "media":
            return
        self.titles += 1
        if brand and brand.strip():
            key = tuple(normalize(t) for t in brand.split() if normalize(t))
            if key and key[0] not in GENERIC_WORDS:
                self.feed_brands.setdefault(key, Counter())[brand.strip()] += 1
        words = _TOKEN.findall(title)
        normalized = [normalize(w) for w in words]
        tokens, ends = _leading(title, MAX_WORDS)
        for n in range(1, len(tokens) + 1):
            key = tuple(tokens[:n])
            self.lead[key] += 1
            _note_following(self.following, key, normalized[n:])
            _note_spelling(self.spelling, key, _surface(title, ends[n - 1]), self.lead[key])
        self.inner.update(w for w in normalized[1:] if w)
        segment = _segment_key(title)
        if segment:
            self.segment[segment] += 1
            head, rest = _SEGMENT.split(title, maxsplit=1)
            _note_following(self.segment_following, segment, [normalize(w) for w in rest.split()])
            _note_spelling(self.spelling, ("<segment>", *segment), _surface(title, len(head)), self.segment[segment])

    def learn(self) -> BrandList:
        seeds = {key: counts.most_common(1)[0][0] for key, counts in self.feed_brands.items()}
        segments = {}
        for key, count in self.segment.items():
            if count >= MIN_SEGMENT_TITLES and self.segment_following.get(key) is True and _valid(key):
                segments[key] = (_spelling(self.spelling[("<segment>", *key)]), count)
        words: dict[tuple, tuple[int, str]] = {}
        links: dict[tuple, int] = {}
        for key, count in sorted(self.lead.items(), key=lambda item: len(item[0])):
            first = key[0]
            descriptive = _descriptive(first)
            if count < (DESCRIPTIVE_MIN_TITLES if descriptive else MIN_TITLES) or not (_valid((first,)) or descriptive):
                continue
            if len(key) == 1:
                if count < MIN_LEAD_SHARE * (count + self.inner[first]):
                    continue  # "Wireless", "Apple" (in "... for Apple iPhone"): more often inside titles
                if descriptive:
                    links[key] = count  # a link at most: "Oak" may lead to "Oak & Grain"
                    continue
            else:
                parent = words[key[:-1]][0] if key[:-1] in words else links.get(key[:-1])
                if parent is None or count < (DESCRIPTIVE_SHARE if descriptive else EXTEND_SHARE) * parent:
                    continue  # "Google Mountain View" is one line of Google's, not a brand
                if descriptive and not _valid_after_descriptive(key):
                    if key[-1] in _BAD_ENDS:
                        links[key] = count
                    continue
            if (_valid(key) or descriptive) and self.following.get(key) is True:
                words[key] = (count, _spelling(self.spelling[key]))
            else:  # goes on one way only ("Melissa" -> "&"): a link to a longer brand, not one itself
                links[key] = count
        return BrandList(seeds, segments, words, links)


def _note_following(table: dict[tuple, int | bool], key: tuple, rest: Sequence[str]) -> None:
    """Remember whether titles go on differently after `key`. Colours and sizes do not make a title different:
    "Crew Tee - Navy" and "Crew Tee - White" are one product."""
    words = tuple(w for w in rest if w and w not in _VARIANT_WORDS and w not in _SEPARATORS)
    seen = table.get(key)
    if not words or seen is True:
        return
    signature = hash(words)
    if seen is None:
        table[key] = signature
    elif seen != signature:
        table[key] = True


def _note_spelling(table: dict[tuple, str | Counter[str]], key: tuple, surface: str, seen: int) -> None:
    known = table.get(key)
    if known is None:
        table[key] = surface
    elif isinstance(known, str):
        if known != surface:
            table[key] = Counter({known: seen - 1, surface: 1})
    elif surface in known or len(known) < 4:
        known[surface] += 1


def _spelling(known: str | Counter[str]) -> str:
    return known if isinstance(known, str) else known.most_common(1)[0][0]


def learn_brands(rows: Iterable[tuple[str, str | None, Sequence[str]]]) -> BrandList:
    """A BrandList from (title, feed brand or None, category levels) rows."""
    learner = BrandLearner()
    for title, brand, category in rows:
        learner.observe(title, brand, category)
    return learner.learn()

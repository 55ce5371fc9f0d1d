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
        ends.append(m.start() + len(raw.rstrip(_EDGE)) if raw.rstrip(_EDGE) else m.end())
        if raw.rstrip("™®©").endswith((":", ",", ";")):
            break
    return tokens, ends


def _valid(prefix: Sequence[str]) -> bool:
    first = prefix[0]
    if first in GENERIC_WORDS or first in COLORS or first in MATERIALS or _NUMERIC.match(first):
        return False
    return prefix[-1] not in _BAD_ENDS and not any(_NUMERIC.match(t) for t in prefix[1:])


def _surface(title: str, end: int) -> str:
    return title[:end].strip().rstrip(_EDGE + " -").replace("™", "").replace("®", "").replace("©", "").strip()


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
        self.following: dict[tuple, set[int]] = {}
        self.inner: Counter[str] = Counter()
        self.segment: Counter[tuple] = Counter()
        self.segment_following: dict[tuple, set[int]] = {}
        self.spelling: dict[tuple, Counter[str]] = {}
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
            _add_capped(self.following, key, normalized[n:])
            spellings = self.spelling.setdefault(key, Counter())
            surface = _surface(title, ends[n - 1])
            if surface in spellings or len(spellings) < 3:
                spellings[surface] += 1
        self.inner.update(w for w in normalized[1:] if w)
        segment = _segment_key(title)
        if segment:
            self.segment[segment] += 1
            rest = _SEGMENT.split(title, maxsplit=1)[1].split()
            _add_capped(self.segment_following, segment, [normalize(w) for w in rest])
            spellings = self.spelling.setdefault(("<segment>", *segment), Counter())
            surface = _surface(title, len(_SEGMENT.split(title, maxsplit=1)[0]))
            if surface in spellings or len(spellings) < 3:
                spellings[surface] += 1

    def learn(self) -> BrandList:
        seeds = {key: counts.most_common(1)[0][0] for key, counts in self.feed_brands.items()}
        segments = {}
        for key, count in self.segment.items():
            if count >= MIN_SEGMENT_TITLES and len(self.segment_following.get(key, ())) >= 2 and _valid(key):
                segments[key] = (self.spelling[("<segment>", *key)].most_common(1)[0][0], count)
        words: dict[tuple, tuple[int, str]] = {}
        links: dict[tuple, int] = {}
        for key, count in sorted(self.lead.items(), key=lambda item: len(item[0])):
            if count < MIN_TITLES or not _valid((key[0],)):
                continue
            if len(key) == 1:
                if count < MIN_LEAD_SHARE * (count + self.inner[key[0]]):
                    continue  # "Wireless", "Apple" (in "... for Apple iPhone"): more often inside titles
            else:
                parent = words[key[:-1]][0] if key[:-1] in words else links.get(key[:-1])
                if parent is None or count < EXTEND_SHARE * parent:
                    continue  # "Google Mountain View" is one line of Google's, not a brand
            if _valid(key) and len(self.following.get(key, ())) >= 2:
                words[key] = (count, self.spelling[key].most_common(1)[0][0])
            else:  # goes on one way only ("Melissa" -> "&"): a link to a longer brand, not one itself
                links[key] = count
        return BrandList(seeds, segments, words, links)


def _add_capped(table: dict[tuple, set[int]], key: tuple, rest: Sequence[str]) -> None:
    """Remember (up to two) different ways titles go on after `key`. Colours and sizes do not make a title
    different: "Crew Tee - Navy" and "Crew Tee - White" are one product."""
    words = tuple(w for w in rest if w and w not in _VARIANT_WORDS and w not in _SEPARATORS)
    if not words:
        return
    seen = table.setdefault(key, set())
    if len(seen) < 2:
        seen.add(hash(words))


def learn_brands(rows: Iterable[tuple[str, str | None, Sequence[str]]]) -> BrandList:
    """A BrandList from (title, feed brand or None, category levels) rows."""
    learner = BrandLearner()
    for title, brand, category in rows:
        learner.observe(title, brand, category)
    return learner.learn()

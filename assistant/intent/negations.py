"""Step 3: apply negations ("not gray", "no nike", "without sugar or salt") to what follows them.

Negation runs after phrase matching because what it negates is a whole claim ('no running shoes', not
'no running'), and it runs before the intent is built so that a negated brand or colour lands in
`Intent.exclude` instead of the filters. A negated claim is flagged; free words after a cue become excluded
terms; the cue words themselves are marked so that they stay out of the product name and the query.
"""

from __future__ import annotations

from . import lexicons as lex
from .message import Message
from .text import SENTENCE_GAP, is_content, split_words

# Words between a cue and what it negates: "no more of the gray ones", "not made from plastic".
_NEGATION_SKIP = frozenset({"a", "an", "the", "any", "those", "these", "for", "made", "with", "in", "of", "from",
                            "by", "brand", "color", "colour", "anything", "something", "too"})


def apply_negations(message: Message) -> None:
    words = message.words
    i = 0
    while i < len(words):
        length = _negation_at(message, i)
        if not length:
            i += 1
            continue
        j = i + length
        if j < len(words) and words[j] in lex.NOT_NEGATING_NEXT or j >= len(words) \
                or SENTENCE_GAP.search(message.gap(j)):
            i = j
            continue
        while j < len(words) and words[j] in _NEGATION_SKIP and message.free(j):
            j += 1
        end = _negate_from(message, j)
        if end > j:
            message.negation_tokens.update(range(i, j))
            message.negation_tokens.update(t for t in range(j, end) if message.claim_of[t] is None)
        i = max(end, i + length)


def _negation_at(message: Message, i: int) -> int:
    """The number of tokens of the negation cue starting at token i; 0 when none does."""
    if not message.free(i):
        return 0
    for cue in _NEGATION_CUES.get(message.words[i], ()):
        if tuple(message.words[i:i + len(cue)]) == cue and all(message.free(k) for k in range(i, i + len(cue))):
            return len(cue)
    return 0


def _negate_from(message: Message, j: int) -> int:
    """Negates the claim or the words starting at token j, and any 'or'/'and'/',' list after them."""
    words = message.words
    kind = None
    while j < len(words):
        claim = message.claim_of[j]
        if claim is not None and claim.first == j and claim.kind != "sort" and kind in (None, claim.kind):
            claim.negated = True
            kind = claim.kind
            j = claim.last
        elif message.free(j) and is_content(words[j]) and kind in (None, "term"):
            end = j
            while end < len(words) and end - j < 2 and message.free(end) and is_content(words[end]) \
                    and not (end > j and SENTENCE_GAP.search(message.gap(end))):
                end += 1
            message.excluded_terms.append(" ".join(words[j:end]))
            kind = "term"
            j = end
        else:
            break
        if j < len(words) and words[j] in ("or", "nor", "and") and j + 1 < len(words):
            message.negation_tokens.add(j)
            j += 1
        elif j < len(words) and "," in message.gap(j) and kind != "term":
            continue
        else:
            break
    return j


def _negation_cues() -> dict[str, list[tuple[str, ...]]]:
    """Negation cues by first word, longest first: 'no more' is tried before 'no'."""
    cues: dict[str, list[tuple[str, ...]]] = {}
    for cue in sorted(lex.NEGATION_CUES, key=lambda c: -len(split_words(c))):
        cues.setdefault(split_words(cue)[0], []).append(tuple(split_words(cue)))
    return cues


_NEGATION_CUES = _negation_cues()

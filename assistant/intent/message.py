"""One message as the extractor reads it: its text, its tokens, and what each step found on them.

Every step writes here and later steps read it: patterns mark character spans (a price, a size...),
phrase matching claims runs of tokens (a brand, a colour...), negation flags claims and collects excluded
words. A token under a span, a claim or a negation cue is no longer `free`, which is how one step keeps
out of another's way.
The confidence levels below are shared by all steps, so that a field's confidence (which the LLM
refinement reads) means the same whichever step set it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# How sure a match is: the exact phrase, a part of a name ('Tea' in 'Coffee & Tea'), a synonym, one typo,
# a phrase with two meanings, and an unchecked guess. The catalog's own spellings count as exact.
EXACT, PART, SYNONYM, FUZZY, AMBIGUOUS, GUESS = 0.95, 0.85, 0.8, 0.6, 0.5, 0.6
CATALOG = EXACT


@dataclass
class Span:
    """A pattern found on the text: a price, a size, a recipient..."""

    start: int
    end: int
    kind: str
    value: object = None
    confidence: float = EXACT
    query_text: str | None = None  # what stands for it in the keyword query (None: dropped)


@dataclass
class Claim:
    """A lexicon phrase found on tokens [first, last)."""

    first: int
    last: int
    kind: str
    value: str
    confidence: float
    negated: bool = False


@dataclass
class Message:
    """A message being read: its normalised text, its tokens, and per token the span or claim covering it."""

    text: str
    spans: list[Span] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    span_of: list[Span | None] = field(default_factory=list)  # the pattern span covering each token
    claims: list[Claim] = field(default_factory=list)
    claim_of: list[Claim | None] = field(default_factory=list)
    excluded_terms: list[str] = field(default_factory=list)
    negation_tokens: set[int] = field(default_factory=set)

    def taken(self, start: int, end: int) -> bool:
        return any(s.start < end and start < s.end for s in self.spans)

    def add(self, span: Span) -> None:
        """Keeps a pattern match unless an earlier, more trusted one already covers part of it."""
        if span.end > span.start and not self.taken(span.start, span.end):
            self.spans.append(span)

    def free(self, i: int) -> bool:
        return self.span_of[i] is None and self.claim_of[i] is None and i not in self.negation_tokens

    def gap(self, i: int) -> str:
        """The text between token i-1 and token i."""
        return self.text[self.ends[i - 1]:self.starts[i]] if i > 0 else ""

    def of_kind(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.kind == kind]

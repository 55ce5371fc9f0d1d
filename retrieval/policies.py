"""The store's policy documents as searchable passages: each `## ` section of a Markdown file is one passage.

BM25 (the same index as product search, `retrieval/lexical.py`) over the document title, the section heading
and the section text; policies are a few dozen short sections, so lexical search is exact enough and needs
no model. `PolicyPassage` is defined here (retrieval owns documents) and re-exported by the chat contract.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from .lexical import BM25Index, _tokens

_POLICY = frozenset(_tokens(["policy policies rules terms"], ids=False)[0])
DOCUMENT_BONUS = 1.0  # BM25 points for a passage whose document title the query names
SECTION_DECAY = 0.05
_HEADING = re.compile(r"^(#{1,2})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s")
# Question words every FAQ heading repeats ("How do I ..."): matching them says nothing about the topic.
_QUESTION_WORDS = frozenset("how what when where which who why do does did can could would should will is are "
                            "am i you your my me we our us it long take takes much many there any".split())


class PolicyPassage(BaseModel):
    """A passage of the store's policy documents, cited by policy answers."""

    source: str = Field(description="The policy document, e.g. 'returns.md'.")
    title: str = Field(description="The section heading.")
    text: str
    score: float = 0.0


class PolicyIndex:
    def __init__(self, passages: list[PolicyPassage], document_titles: dict[str, str]):
        self.passages = passages
        self._titles = document_titles
        self._title_words = {source: set(_tokens([f"{Path(source).stem.replace('-', ' ')} {title}"], ids=False)[0])
                             for source, title in document_titles.items()}
        seen: dict[str, int] = {}
        self._position = []  # each passage's place within its document
        for passage in passages:
            self._position.append(seen.get(passage.source, 0))
            seen[passage.source] = self._position[-1] + 1
        self._index = BM25Index.build([str(i) for i in range(len(passages))],
                                      [self._document(p) for p in passages])

    @classmethod
    def from_dir(cls, directory: Path) -> PolicyIndex:
        """Every *.md file in `directory`; a missing directory is an empty index (a store without policies)."""
        passages: list[PolicyPassage] = []
        titles: dict[str, str] = {}
        for path in sorted(directory.glob("*.md")) if directory.is_dir() else []:
            title, sections = split_sections(path.read_text(encoding="utf-8"))
            titles[path.name] = title or path.stem
            passages += [PolicyPassage(source=path.name, title=heading, text=text) for heading, text in sections]
        return cls(passages, titles)

    def document_title(self, source: str) -> str:
        return self._titles.get(source, source)

    def search(self, query: str, k: int = 3) -> list[PolicyPassage]:
        """The best passages for `query`, best first; none when no word of the query is in any policy."""
        topic = " ".join(w for w in re.findall(r"[\w'$-]+", query.lower()) if w not in _QUESTION_WORDS)
        words = set(_tokens([topic], ids=False)[0])
        named = [source for source, title_words in self._title_words.items()
                 if words and words <= title_words | _POLICY]
        if named:  # "what is your return policy?": the document itself, its sections in order
            return [p.model_copy(update={"score": 1.0}) for p in self.passages if p.source == named[0]][:k]
        scored = []
        for row, score in self._index.search(topic, len(self.passages)):
            index = int(self._index.ids[row])
            passage = self.passages[index]
            # A question about "the return policy" names a document, not a section: its sections go first,
            # and among them the earlier ones (a policy leads with its main rule).
            if words & self._title_words[passage.source]:
                score += DOCUMENT_BONUS - SECTION_DECAY * self._position[index]
            scored.append((score, passage))
        scored.sort(key=lambda pair: -pair[0])
        return [passage.model_copy(update={"score": round(score, 4)}) for score, passage in scored[:k]]

    def _document(self, passage: PolicyPassage) -> str:
        # The headings say what a section is about ("Refund timing"), so they count twice.
        return f"{self._titles.get(passage.source, '')} {passage.title} {passage.title} {passage.text}"


def split_sections(markdown: str) -> tuple[str | None, list[tuple[str, str]]]:
    """(the `# ` title, [(`## ` heading, plain text)]); text before the first `## ` (the intro) is left out."""
    title = None
    sections: list[tuple[str, str]] = []
    matches = list(_HEADING.finditer(markdown))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(markdown)
        if match[1] == "#":
            title = title or match[2]
            continue
        text = plain_text(markdown[match.end():end])
        if text:
            sections.append((match[2], text))
    return title, sections


def plain_text(markdown: str) -> str:
    """Markdown as quotable text: links to their words, emphasis and table rules dropped; a wrapped paragraph
    becomes one line, each list item and table row its own."""
    text = _LINK.sub(r"\1", markdown).replace("**", "").replace("`", "")
    lines: list[str] = []
    joinable = False  # whether the next wrapped line continues the last one
    for raw in text.splitlines():
        line = raw.strip()
        if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):
            joinable = False
            continue
        if line.startswith("|"):
            lines.append(" - ".join(cell.strip() for cell in line.strip("|").split("|")) + ".")
            joinable = False
        elif joinable and not _LIST_ITEM.match(line):
            lines[-1] += " " + line
        else:
            lines.append(line)
            joinable = True
    return "\n".join(lines)

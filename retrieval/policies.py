"""The store's policy documents: where they live, how they are read in, and how they are searched.

    <policies>/ACTIVE              the name of the serving version (replaced atomically, like the catalog's)
    <policies>/<version>/*.md      one Markdown file per document: `# ` title, one passage per `## ` section

`<policies>` is `<home>/policies`, or `SHOPASSIST_POLICIES_DIR`; a folder without ACTIVE serves its own *.md
files (a folder kept by hand). `PolicyStore.replace` (what `shopassist policies load` and `PUT /v1/policies`
call) writes a new version beside the serving one and flips ACTIVE; a running server sees it on its next
lookup. There is no fallback: a store that has loaded no policies has none (the demo's exist only in the demo
store, which loads them when it is built).

`read_policies` reads Markdown (`#`/`##` headings are titles), a Shopify policy export (the Admin API's
`{"policies": [{"title", "body", "handle"}]}` or GraphQL `shopPolicies`, bodies in HTML), HTML, or plain text
(paragraphs become passages; the file name is the document).

Search: BM25 (the same index as product search, `retrieval/lexical.py`) over the document title, the section
heading and the section text; policies are a few dozen short sections, so lexical search is exact enough and
needs no model. `PolicyPassage` is defined here (retrieval owns documents) and re-exported by the chat contract.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from .lexical import BM25Index, _tokens
from .reloading import Reloading

_POLICY = frozenset(_tokens(["policy policies rules terms"], ids=False)[0])
DOCUMENT_BONUS = 1.0  # BM25 points for a passage whose document title the query names
SECTION_DECAY = 0.05
# A passage answers a question (`search(..., answers_only=True)`) when it scores at least STRONG_MATCH BM25
# points, or holds at least MIN_COVERAGE of the question's topic words weighted by their rarity in the
# policies. Below both, it shares a common word with the question ("offer", "store", "hours"), not its topic:
# measured on the demo policies, every question they answer passes and most they do not answer fail.
STRONG_MATCH = 2.0
MIN_COVERAGE = 0.5
DEFAULT_CONTACT = "the store's customer service"
_HEADING = re.compile(r"^(#{1,2})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s")
# Question words every FAQ heading repeats ("How do I ..."): matching them says nothing about the topic.
_QUESTION_WORDS = frozenset("how what when where which who why do does did can could would should will is are "
                            "am i you your my me we our us it long take takes much many there any".split())
# Everyday words for what policies name otherwise: "my mug arrived broken" is about damaged items, "delivery for a
# fridge" about refrigerators. Each word also searches for these (and counts as found when one of them is).
POLICY_SYNONYMS = {
    "broken": "damaged", "broke": "damaged", "cracked": "damaged", "smashed": "damaged", "shattered": "damaged",
    "dented": "damaged", "scratched": "damaged", "faulty": "defective", "defect": "defective",
    "fridge": "refrigerator", "fridges": "refrigerators", "freezer": "refrigerator", "tv": "television",
    "deliver": "delivery", "delivered": "delivery", "money back": "refund",
    "send back": "return", "swap": "exchange", "phone number": "contact", "email": "contact",
}
# Heading words that name no topic ("Damaged items", "Our shipping policy"): a question need not say them.
_GENERIC_HEADING = frozenset(_tokens(["item items product products order orders our the a an and of to for in on "
                                      "with general information policy policies faq"], ids=False)[0])


class PolicyPassage(BaseModel):
    """A passage of the store's policy documents, cited by policy answers."""

    source: str = Field(description="The policy document, e.g. 'returns.md'.")
    title: str = Field(description="The section heading.")
    text: str
    score: float = 0.0


class PolicySection(BaseModel):
    title: str
    text: str


class PolicyDocument(BaseModel):
    """One policy document as stored: `<source>` holds `# title` and a `## ` section per passage."""

    source: str = Field(description="The file name, e.g. 'refund-policy.md'.")
    title: str
    sections: list[PolicySection] = Field(default_factory=list)

    def markdown(self) -> str:
        # Each line of a section's text is its own paragraph, so reading it back keeps the lines as they are.
        parts = [f"# {self.title}\n"]
        for section in self.sections:
            parts.append(f"## {section.title}\n\n" + "\n\n".join(section.text.splitlines()) + "\n")
        return "\n".join(parts)


class PolicyOutline(BaseModel):
    """A document as `policies list` and `GET /v1/policies` show it: its title and its section titles."""

    source: str
    title: str
    sections: list[str]


class PolicyIndex:
    def __init__(self, passages: list[PolicyPassage], document_titles: dict[str, str],
                 contact: str = DEFAULT_CONTACT):
        """`contact`: how to reach the store when no passage answers (`Settings.store_contact`)."""
        self.passages = passages
        self.contact = contact
        self._titles = document_titles
        self._title_words = {source: set(_tokens([f"{Path(source).stem.replace('-', ' ')} {title}"], ids=False)[0])
                             for source, title in document_titles.items()}
        seen: dict[str, int] = {}
        self._position = []  # each passage's place within its document
        for passage in passages:
            self._position.append(seen.get(passage.source, 0))
            seen[passage.source] = self._position[-1] + 1
        documents = [self._document(p) for p in passages]
        self._index = BM25Index.build([str(i) for i in range(len(passages))], documents)
        self._terms = [set(terms) for terms in _tokens(documents, ids=False)] if documents else []
        self._frequency: dict[str, int] = {}
        for terms in self._terms:
            for term in terms:
                self._frequency[term] = self._frequency.get(term, 0) + 1

    @classmethod
    def from_dir(cls, directory: Path, contact: str = DEFAULT_CONTACT) -> PolicyIndex:
        """Every *.md file in `directory`; a missing directory is an empty index (a store without policies)."""
        passages: list[PolicyPassage] = []
        titles: dict[str, str] = {}
        for path in sorted(directory.glob("*.md")) if directory.is_dir() else []:
            try:
                markdown = path.read_text(encoding="utf-8")
            except FileNotFoundError:  # a replaced version removed while it was read: the next lookup reloads
                continue
            title, sections = split_sections(markdown)
            titles[path.name] = title or path.stem
            passages += [PolicyPassage(source=path.name, title=heading, text=text) for heading, text in sections]
        return cls(passages, titles, contact)

    def document_title(self, source: str) -> str:
        return self._titles.get(source, source)

    def outline(self) -> list[PolicyOutline]:
        return [PolicyOutline(source=source, title=title,
                              sections=[p.title for p in self.passages if p.source == source])
                for source, title in self._titles.items()]

    def search(self, query: str, k: int = 3, answers_only: bool = False) -> list[PolicyPassage]:
        """The best passages for `query`, best first; none when no word of the query is in any policy.
        `answers_only`: leave out weak matches, passages that share only a common word with the question."""
        topic = " ".join(w for w in re.findall(r"[\w'$-]+", query.lower()) if w not in _QUESTION_WORDS)
        groups = _word_groups(topic)  # each topic word with its synonyms' stems
        topic = " ".join([topic, *(POLICY_SYNONYMS[w] for w in _synonym_keys(topic))])
        words = set().union(*groups) if groups else set()
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
            if answers_only and score < STRONG_MATCH and self._coverage(groups, index) < MIN_COVERAGE and \
                    not self._names_heading(words, passage):
                continue
            scored.append((score, passage))
        scored.sort(key=lambda pair: -pair[0])
        return [passage.model_copy(update={"score": round(score, 4)}) for score, passage in scored[:k]]

    def _coverage(self, groups: list[set[str]], index: int) -> float:
        """The share of the question's topic words (weighted by how rare each is in the policies; a word no
        policy has weighs most) that the passage holds; a word counts as held when one of its synonyms is.
        "policy" itself says nothing about the topic."""
        topic = [group - _POLICY for group in groups if group - _POLICY]
        if not topic:
            return 0.0
        weights = [min(self._idf(term) for term in group) for group in topic]
        held = [bool(group & self._terms[index]) for group in topic]
        return sum(w for w, h in zip(weights, held) if h) / sum(weights)

    def _names_heading(self, words: set[str], passage: PolicyPassage) -> bool:
        """The question names every topic word of the section's heading ("how much is delivery?" and
        "## Delivery", "it arrived broken" and "## Damaged items"): the section is about what is asked."""
        heading = set(_tokens([passage.title], ids=False)[0]) - _GENERIC_HEADING - _POLICY
        heading = {term for term in heading if term not in _QUESTION_STEMS}
        return bool(heading) and heading <= words

    def _idf(self, term: str) -> float:
        count = self._frequency.get(term, 0)
        return math.log(1 + (len(self._terms) - count + 0.5) / (count + 0.5))

    def _document(self, passage: PolicyPassage) -> str:
        # The headings say what a section is about ("Refund timing"), so they count twice.
        return f"{self._titles.get(passage.source, '')} {passage.title} {passage.title} {passage.text}"


class PolicyStore:
    """The store's policies in `directory`, searched as a `PolicyIndex` that follows what the directory serves:
    a replaced set is picked up on the next lookup (keyed on the ACTIVE pointer, or on the *.md files' names,
    sizes and times in a folder kept by hand). Same search interface as `PolicyIndex`."""

    def __init__(self, directory: Path, contact: str = DEFAULT_CONTACT):
        self.directory = Path(directory)
        self.contact = contact
        self._indexes: Reloading = Reloading(self._load)

    @property
    def pointer(self) -> Path:
        return self.directory / "ACTIVE"

    def active_name(self) -> str | None:
        try:
            return self.pointer.read_text(encoding="utf-8").strip() or None
        except (FileNotFoundError, NotADirectoryError):
            return None

    def serving_dir(self) -> Path:
        name = self.active_name()
        return self.directory / name if name else self.directory

    def stamp(self) -> tuple:
        name = self.active_name()
        if name is not None:
            return ("version", name)
        if not self.directory.is_dir():
            return ("none",)
        files = []
        for path in self.directory.glob("*.md"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((path.name, stat.st_mtime_ns, stat.st_size))
        return ("files", tuple(sorted(files)))

    def index(self) -> PolicyIndex:
        return self._indexes.get(self.stamp())

    def _load(self, stamp: tuple) -> PolicyIndex:
        directory = self.directory / stamp[1] if stamp[0] == "version" else self.directory
        return PolicyIndex.from_dir(directory, self.contact)

    # The PolicyIndex interface, over the serving set.

    @property
    def passages(self) -> list[PolicyPassage]:
        return self.index().passages

    def search(self, query: str, k: int = 3, answers_only: bool = False) -> list[PolicyPassage]:
        return self.index().search(query, k, answers_only)

    def document_title(self, source: str) -> str:
        return self.index().document_title(source)

    def outline(self) -> list[PolicyOutline]:
        return self.index().outline()

    def replace(self, documents: list[PolicyDocument]) -> str:
        """Serve exactly `documents` from now on (an empty list: no policies). The new version is written
        beside the serving one and ACTIVE flips only once it is complete, so a failed or interrupted replace
        leaves the previous set serving. Returns the new version's name."""
        sources = [document.source for document in documents]
        if len(set(sources)) != len(sources):
            raise ValueError(f"two policy documents have the same file name: {sorted(sources)}")
        for source in sources:
            if not _SOURCE.fullmatch(source):
                raise ValueError(f"not a policy document file name: {source!r}")
        self.directory.mkdir(parents=True, exist_ok=True)
        previous = self.active_name()
        name = datetime.now(timezone.utc).strftime("v%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        staging = self.directory / f".{name}.tmp"
        try:
            staging.mkdir()
            for document in documents:
                _write_synced(staging / document.source, document.markdown())
            staging.rename(self.directory / name)
            pointer = self.directory / f".ACTIVE.{secrets.token_hex(4)}.tmp"
            _write_synced(pointer, name + "\n")
            os.replace(pointer, self.pointer)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._discard_old(keep={name, previous})
        return name

    def _discard_old(self, keep: set[str | None]) -> None:
        """Versions before the previous one (a lookup that read the old pointer may still be reading the
        previous version), and staging folders left by interrupted replaces an hour ago or more."""
        for path in self.directory.iterdir():
            if not path.is_dir():
                continue
            if _VERSION.fullmatch(path.name) and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(".v") and path.name.endswith(".tmp") and \
                    time.time() - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)


_QUESTION_STEMS = frozenset(_tokens([" ".join(_QUESTION_WORDS)], ids=False)[0])


def _synonym_keys(topic: str) -> list[str]:
    return [key for key in POLICY_SYNONYMS if re.search(rf"\b{re.escape(key)}\b", topic)]


def _word_groups(topic: str) -> list[set[str]]:
    """The topic's stems, each with the stems of its synonyms ("broken" with "damag")."""
    groups = [{term} for term in dict.fromkeys(_tokens([topic], ids=False)[0])]
    for key in _synonym_keys(topic):
        keys = set(_tokens([key], ids=False)[0])
        synonyms = set(_tokens([POLICY_SYNONYMS[key]], ids=False)[0])
        for group in groups:
            if group & keys:
                group |= synonyms
    return groups


_VERSION = re.compile(r"v\d{8}T\d{6}-[0-9a-f]{6}")
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_-]*\.md")


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


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
        line = re.sub(r"^#{3,6}\s+", "", raw.strip())  # a sub-heading below `## ` is a line of its section
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


# ---------------------------------------------------------------- reading policies in

PolicyFormat = Literal["auto", "markdown", "shopify", "html", "text"]
POLICY_FORMATS: tuple[str, ...] = ("auto", "markdown", "shopify", "html", "text")
_HTML_TAG = re.compile(r"<(?:p|div|h[1-6]|br|ul|ol|li|table|strong|b|em|span|section|article)\b[^>]*>", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def read_policies(paths: Iterable[Path], fmt: PolicyFormat = "auto") -> list[PolicyDocument]:
    """The documents in the files (a folder: its .md, .markdown, .txt, .html, .htm and .json files), in order;
    two documents with the same file name get a numbered one. Raises ValueError for a file with no policy text."""
    documents: list[PolicyDocument] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and
                           p.suffix.lower() in (".md", ".markdown", ".txt", ".html", ".htm", ".json"))
            if not files:
                raise ValueError(f"no policy files (.md, .txt, .html, .json) in {path}")
        elif path.is_file():
            files = [path]
        else:
            raise FileNotFoundError(f"no such policy file: {path}")
        for file in files:
            try:
                text = file.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{file}: not UTF-8 text ({exc.reason})") from None
            documents += parse_policies(text, file.name, fmt)
    return _unique_sources(documents)


def parse_policies(text: str, name: str = "policies.md", fmt: PolicyFormat = "auto") -> list[PolicyDocument]:
    """The policy documents in one file's text; `name` is its file name (the document's, for Markdown with one
    title and for plain text). Raises ValueError when there is no policy text in it."""
    if fmt not in POLICY_FORMATS:
        raise ValueError(f"unknown policy format {fmt!r}: one of {', '.join(POLICY_FORMATS)}")
    fmt = detect_format(text, name) if fmt == "auto" else fmt
    if fmt == "shopify":
        documents = _shopify(text)
    elif fmt == "html":
        documents = _markdown(html_to_markdown(text), name)
    elif fmt == "text":
        documents = [_document(_title_of(name), _source_of(name), _paragraph_sections(text))]
    else:
        documents = _markdown(text, name)
    documents = [document for document in documents if document.sections]
    if not documents:
        raise ValueError(f"{name}: no policy text found (expected Markdown sections, a Shopify policy export, "
                         "HTML or paragraphs of text)")
    return _unique_sources(documents)


def detect_format(text: str, name: str = "") -> str:
    suffix = Path(name).suffix.lower()
    start = text.lstrip()[:1]
    if suffix == ".json" or start in ("{", "["):
        return "shopify"
    if suffix in (".html", ".htm") or _HTML_TAG.search(text):
        return "html"
    if suffix in (".md", ".markdown") or _HEADING.search(text):
        return "markdown"
    return "text"


def _markdown(markdown: str, name: str) -> list[PolicyDocument]:
    """One document per `# ` title when there are several (each named after its title), else one named after
    the file. A document's `## ` sections are its passages; text outside them is read as plain text."""
    tops = [m for m in _HEADING.finditer(markdown) if m[1] == "#"]
    if len(tops) <= 1:
        title = tops[0][2] if tops else _title_of(name)
        body = markdown[tops[0].end():] if tops else markdown
        return [_markdown_document(title, _source_of(name), body)]
    documents = []
    preamble = markdown[:tops[0].start()]
    if preamble.strip():
        documents.append(_markdown_document(_title_of(name), _source_of(name), preamble))
    for i, match in enumerate(tops):
        end = tops[i + 1].start() if i + 1 < len(tops) else len(markdown)
        documents.append(_markdown_document(match[2], _source_of(match[2]), markdown[match.end():end]))
    return documents


def _markdown_document(title: str, source: str, body: str) -> PolicyDocument:
    """Text before the first `## ` is passages too (a Shopify body often opens with its main rule), unless it
    is only a quoted note ("> This is a sample policy ...")."""
    first = next((m.start() for m in _HEADING.finditer(body) if m[1] == "##"), len(body))
    intro = body[:first]
    quoted = all(line.lstrip().startswith(">") for line in intro.splitlines() if line.strip())
    _, sections = split_sections(body)
    return _document(title, source, [*([] if quoted else _paragraph_sections(intro)),
                                     *(PolicySection(title=_heading_text(t), text=x) for t, x in sections)])


def _paragraph_sections(text: str) -> list[PolicySection]:
    """Plain text: a short line on its own ("Returns", "Can I cancel my order?", "**Refunds:**") titles the
    paragraphs after it; every other paragraph is a passage of its own, titled by its first words."""
    sections: list[PolicySection] = []
    heading: str | None = None
    body: list[str] = []

    def flush() -> None:
        nonlocal body
        content = plain_text("\n\n".join(body))
        if heading and content:
            sections.append(PolicySection(title=heading, text=content))
        body = []

    for paragraph in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in paragraph.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if _is_heading(lines[0]) and (len(lines) == 1 or re.match(r"[A-Z0-9\-*•]", lines[1])):
            flush()
            heading = _heading_text(lines[0])
            lines = lines[1:]
            if not lines:
                continue
        if heading:
            body.append("\n".join(lines))
            continue
        content = plain_text("\n".join(lines))
        if content:
            sections.append(PolicySection(title=_lead(content), text=content))
    flush()
    return sections


def _is_heading(line: str) -> bool:
    words = _heading_text(line).split()
    return 0 < len(words) <= 10 and len(line) <= 80 and not re.search(r"[.,;!]\W*$", line) and \
        not re.match(r"(?:[-*+•]|\d+[.)])\s", line) and bool(re.search(r"[^\W\d_]", line))


def _heading_text(line: str) -> str:
    return re.sub(r"^[#\s]+|[\s:]+$", "", line.replace("**", "").replace("__", "")).strip()


def _lead(text: str, words: int = 8) -> str:
    """A passage's title when nothing titles it: its first sentence, cut to a few words."""
    first = _SENTENCE_END.split(text.splitlines()[0], maxsplit=1)[0].split()
    return " ".join(first[:words]).rstrip(".,;:") + ("…" if len(first) > words else "")


def _document(title: str, source: str, sections: list[PolicySection]) -> PolicyDocument:
    return PolicyDocument(source=source, title=" ".join(_heading_text(title).split()) or source, sections=sections)


def _title_of(name: str) -> str:
    stem = Path(name).stem if Path(name).suffix.lower() in (".md", ".markdown", ".txt", ".html", ".htm", ".json") \
        else name
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Policies"


def _source_of(name: str) -> str:
    stem = Path(name).stem if Path(name).suffix.lower() in (".md", ".markdown", ".txt", ".html", ".htm", ".json") \
        else name
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'policies'}.md"


def _unique_sources(documents: list[PolicyDocument]) -> list[PolicyDocument]:
    seen: dict[str, int] = {}
    unique = []
    for document in documents:
        count = seen[document.source] = seen.get(document.source, 0) + 1
        if count > 1:
            document = document.model_copy(update={"source": f"{document.source[:-3]}-{count}.md"})
        unique.append(document)
    return unique


# ---------------------------------------------------------------- Shopify and HTML


def _shopify(text: str) -> list[PolicyDocument]:
    """Shopify's policies as exported by the Admin API: REST `GET policies.json` gives
    {"policies": [{"title": "Refund policy", "body": "<p>...</p>", "handle": "refund-policy", "url", ...}]},
    GraphQL `shop { shopPolicies { title body type url } }` the same objects (`type` for `handle`); each
    non-empty policy is a document, its HTML body cleaned to text."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not a Shopify policy export (invalid JSON: {exc})") from None
    policies = list(_policy_objects(data))
    if not policies:
        raise ValueError('not a Shopify policy export: no object with a "body" and a "title"')
    documents = []
    for policy in policies:
        title = str(policy.get("title") or "").strip() or _title_of(str(policy.get("handle") or policy.get("type")))
        source = _source_of(str(policy.get("handle") or title).lower().replace("_", "-"))
        body = html_to_markdown(str(policy.get("body") or ""))
        for document in _markdown(body, source):
            documents.append(document if document.source != source else
                             document.model_copy(update={"title": title}))
    return documents


def _policy_objects(data) -> Iterable[dict]:
    if isinstance(data, dict):
        if isinstance(data.get("body"), str) and any(data.get(key) for key in ("title", "handle", "type")):
            yield data
            return
        for value in data.values():
            yield from _policy_objects(value)
    elif isinstance(data, list):
        for value in data:
            yield from _policy_objects(value)


class _HTMLText(HTMLParser):
    """HTML as the Markdown the policy reader understands: <h1> a `# ` title, <h2>-<h6> `## ` headings,
    paragraphs and blocks separated by blank lines, list items as `- ` lines, table cells joined by " - "."""

    BLOCKS = frozenset("p div section article header footer blockquote ul ol table tr dl main aside".split())
    SKIP = frozenset("script style head title noscript template".split())

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.cells = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "h1":
            self.parts.append("\n\n# ")
        elif tag in ("h2", "h3", "h4", "h5", "h6"):
            self.parts.append("\n\n## ")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
            self.cells = 0
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("br", "dt", "dd"):
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" - " if self.cells else "\n")
            self.cells += 1

    def handle_startendtag(self, tag, attrs):
        if tag not in self.SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") or tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "tr":
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data.replace("\xa0", " ")))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_markdown(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.text()

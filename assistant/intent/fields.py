"""Step 4: the fields read from the message as a whole: the product, the action, the query, the language.

Patterns and phrases fill the fields that one span or one claim states (a price, a brand, a colour). The
fields here need the whole message, after negation has marked what is excluded:
- the product noun phrase: the last run of product words in a phrase, after its modifiers, and the
  category it names ('nike trail running shoes' -> 'trail running shoes');
- the action: search, refine, recommend, compare, a question about a product or the store, the cart...;
- the keyword query for retrieval: product words, attributes, features and brands, with no filler,
  prices or negations;
- the language, from a few marker words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from . import lexicons as lex
from .context import IntentContext, Refinement
from .message import AMBIGUOUS, CATALOG, FUZZY, GUESS, PART, Message
from .text import JOINING_GAPS, SENTENCE_GAP, is_content, split_words
from .vocabulary import CatalogVocabulary

MAX_PRODUCT_TYPE_WORDS = 4
MAX_QUERY_CHARS = 1000  # SearchRequest.query's limit
_EVENTS = frozenset(lex.OCCASIONS.values())
_ACTIVITY_WORDS = frozenset(w for activity in lex.ACTIVITIES for w in split_words(activity))
_QUERY_NOISE = frozenset({"good", "great", "nice", "best", "better", "perfect", "awesome", "amazing", "excellent",
                          "decent", "really", "very", "super", "hello", "hi", "hey", "thanks", "buy", "cheap",
                          "ones", "one", "something", "anything", "gift", "gifts", "present", "presents", "ideas",
                          "idea", "options", "option", "recommendations", "suggestions", "compare", "vs",
                          "versus", "difference", "between", "size", "color", "colour"})


# ---------------------------------------------------------------- the product


def read_product_type(message: Message, vocabulary: CatalogVocabulary | None
                      ) -> tuple[str | None, str | None, float]:
    """The product noun phrase: the last run of product words in a phrase, after its modifiers.

    'i need blue high heels with open toes' -> 'high heels'; 'nike trail running shoes' -> 'trail running shoes'.
    A phrase naming a specific category wins; a department name ('home', 'office') only when nothing else does.
    Returns the phrase, the category it names and the confidence.
    """
    blocks: list[tuple[list[int], int]] = []  # (product word tokens, run)
    run, block = 0, []
    # "for my son who loves dinosaurs": a relative clause describes a person, not the product
    end = next((i for i, w in enumerate(message.words) if w == "who" and message.free(i)), len(message.words))
    for i in range(end + 1):
        breaks = i == end or _breaks_phrase(message, i)
        if not breaks and _is_brand(message, i):
            continue  # a brand inside the name is skipped: "amusement park lego set"
        if not breaks and _is_product_word(message, i):
            block.append(i)
        elif block:
            if not all(message.words[j] in _ACTIVITY_WORDS for j in block):  # "he's into gaming" names no product
                blocks.append((block, run))
            block = []
        run += breaks
    # "something warmer, like a jacket": the word after "something" describes what is wanted; another names it.
    # "something to decorate my living room", "something for my balcony": a purpose, no product named.
    described = [b for b, _ in blocks if b[0] > 0 and message.words[b[0] - 1] in _SOMETHING]
    purpose = [b for b, _ in blocks if _for_a_purpose(message, b[0])]
    if (described and len(described) < len(blocks)) or purpose:
        blocks = [(b, r) for b, r in blocks if b not in described and b not in purpose]
    categories = [c for c in message.claims if c.kind == "category" and not c.negated and c.first < end]
    depth = vocabulary.category_depth if vocabulary else {}
    specific = [c for c in categories if depth.get(c.value, 1) > 0]
    first_run = [b for b, r in blocks if r == blocks[0][1]][-1] if blocks else None
    chosen = first_run
    if first_run is None or (len(first_run) == 1 and not any(c.first in first_run for c in categories)):
        # a lone unknown word first ("locate a tent") yields to a phrase naming a category
        chosen = next((b for b, _ in blocks if any(c.first in b for c in specific)), first_run)
    chosen = _contents_of_container(message, chosen, blocks) if chosen else chosen
    if chosen is None and categories:
        if any(categories[0].first in b for b in purpose):
            # "something for the living room": that department; "something to keep my coffee hot" is no coffee
            department = depth.get(categories[0].value, 1) == 0
            return None, categories[0].value if department else None, categories[0].confidence if department else 0.0
        chosen = list(range(categories[0].first, categories[0].last))
    if chosen is None:
        return None, None, 0.0
    chosen = chosen[-MAX_PRODUCT_TYPE_WORDS:]
    first, last = chosen[0], chosen[-1] + 1
    inside = [c for c in categories if first <= c.first < last]
    product_type = _join_tokens(message, chosen)
    # only the head names the category, or an exact category name before it ("dog toys": Dogs);
    # a department, a synonym or a part of a name does not ("outdoor ceiling fan", "smart watch screen protector")
    inside = [c for c in inside if c.last == last or (c.first == first and depth.get(c.value, 1) > 0
                                                      and c.confidence >= CATALOG)]
    if inside and vocabulary is not None:
        # the words around the category's name must fit its products: "flat iron" is no clothes iron, "tv wall
        # mounts" are no TVs
        # ("dog toys" names both 'Dogs' and 'Toys': the deeper one, as below)
        named_by_head = any(c.last == last for c in inside)
        inside = [c for c in inside if c.confidence < PART or not (
            vocabulary.said_elsewhere(c.value, message.words[c.first - 1], message.words[c.last - 1])
            if c.last == last and c.first > first else not named_by_head and vocabulary.titles_disagree(
                c.value, " ".join(message.words[i] for i in range(first, last) if not c.first <= i < c.last)))]
    if inside:  # the most specific: "hiking backpack" is Backpacks, "dog toys" is Dogs
        best = max(inside, key=lambda c: (depth.get(c.value, 1), c.first))
        return product_type, best.value, best.confidence
    return product_type, None, GUESS if last - first <= 2 else AMBIGUOUS


def _for_a_purpose(message: Message, i: int) -> bool:
    """Whether token `i` is in "something to ..." / "something for ..." (same clause): what the thing is for."""
    for j in range(i - 1, 0, -1):
        if SENTENCE_GAP.search(message.gap(j + 1)) or message.words[j] in ("like", "such"):
            return False
        if message.words[j - 1] in _SOMETHING:
            return message.words[j] in ("to", "for")
    return False


def _contents_of_container(message: Message, chosen: list[int], blocks: list[tuple[list[int], int]]) -> list[int]:
    """'a 1.25 ounce container of probiotics' names probiotics, not the container."""
    last = chosen[-1]
    if message.words[last] not in lex.CONTAINER_NOUNS or last + 2 >= len(message.words) \
            or message.words[last + 1] != "of":
        return chosen
    return next((b for b, _ in blocks if b[0] == last + 2), chosen)


def _is_brand(message: Message, i: int) -> bool:
    claim = message.claim_of[i]
    return claim is not None and claim.kind == "brand" and not claim.negated


_SOMETHING = frozenset({"something", "anything"})
_SUBJECTS = frozenset({"he", "she", "they", "we", "i", "you", "hes", "shes", "theyre"})


def _breaks_phrase(message: Message, i: int) -> bool:
    word = message.words[i]
    if i + 1 < len(message.words) and message.words[i + 1] in lex.GENERIC_COMPOUNDS.get(word, ()):
        return False
    if message.span_of[i] is not None or i in message.negation_tokens:
        return True
    if i > 0 and message.words[i - 1] in _SUBJECTS and message.claim_of[i] is None:
        return True  # "he drinks a lot of coffee": the word after a subject is its verb, not a product
    if i > 0 and SENTENCE_GAP.search(message.gap(i)):
        return True
    claim = message.claim_of[i]
    if claim is not None:
        return claim.kind == "sort" or claim.negated
    return word in lex.STOPWORDS or word in lex.FILLER_WORDS or word in lex.GENERIC_NOUNS or word == "&"


def _is_product_word(message: Message, i: int) -> bool:
    claim = message.claim_of[i]
    if claim is not None:
        return claim.kind == "category"
    word = message.words[i]
    if i + 1 < len(message.words) and message.words[i + 1] in lex.GENERIC_COMPOUNDS.get(word, ()):
        return True  # "gift card"
    if len(word) == 1 and word.isalpha() and i + 1 < len(message.words) and message.gap(i + 1) == "-":
        return True  # "t-shirt", "e-reader": the letter is part of the name
    if _is_model_code(message, i):
        # a model number between product words belongs to the name ("iphone 15 case", "galaxy s23 ultra");
        # elsewhere it is no product word ("sony wh-1000xm5 headphones")
        return 0 < i < len(message.words) - 1 and all(
            message.claim_of[j] is None and message.span_of[j] is None and _is_plain_noun(message.words[j])
            and not _is_model_code(message, j) for j in (i - 1, i + 1))
    return _is_plain_noun(word)


def _is_model_code(message: Message, i: int) -> bool:
    def has_digit(j: int) -> bool:
        return 0 <= j < len(message.words) and any(c.isdigit() for c in message.words[j])
    return has_digit(i) or (i + 1 < len(message.words) and message.gap(i + 1) == "-" and has_digit(i + 1))


def _is_plain_noun(word: str) -> bool:
    return (word not in lex.DESCRIPTIVE_WORDS and word not in lex.AUDIENCE_WORDS and len(word) > 1
            and word not in lex.STOPWORDS and word not in lex.FILLER_WORDS and word not in lex.GENERIC_NOUNS
            and word not in lex.UNITS_WORDS and word not in lex.TENS_WORDS)


def _join_tokens(message: Message, indices: Iterable[int], replacements: Mapping[int, str] | None = None) -> str:
    """The tokens as the shopper wrote them, joined back: 'wh-1000xm5' keeps its dash."""
    parts: list[str] = []
    previous = None
    for i in indices:
        if previous is not None:
            gap = message.gap(i)
            parts.append(gap if previous == i - 1 and gap in JOINING_GAPS else " ")
        parts.append(replacements[i] if replacements and i in replacements
                     else message.text[message.starts[i]:message.ends[i]])
        previous = i
    return "".join(parts)


# ---------------------------------------------------------------- the action


def read_action(message: Message, signals: bool, strong: bool, has_reference: bool, product_type: str | None,
                cues: Refinement, context: IntentContext | None) -> tuple[str, float, set[int]]:
    """What the message asks the assistant to do, how sure that is, and the cue tokens to drop from the query."""
    text = message.text
    if not message.words:
        return "other", 0.5, set()
    question = bool(lex.QUESTION_START_RE.search(text)) or text.rstrip().endswith("?")
    has_previous = bool(context and context.previous)
    if lex.ADD_TO_CART_RE.search(text) or (lex.TAKE_IT_RE.search(text) and not product_type):
        return "add_to_cart", 0.9, {i for i, w in enumerate(message.words) if w in lex.CART_WORDS}
    checks = (("view_cart", lex.VIEW_CART_RE, 0.9), ("chitchat", lex.CHITCHAT_RE, 0.9),
              ("compare", lex.COMPARE_RE, 0.85))
    for action, pattern, confidence in checks:
        found = pattern.search(text)
        if found:
            return action, confidence, _tokens_in(message, found.span()) if action == "compare" else set()
    policy = lex.POLICY_RE.search(text)
    # "Is there a warranty on these boots?" is a policy question too: the store's guarantee covers every
    # product, and a product's own data has no warranty field to answer from.
    if policy and (question or not (product_type or strong) or lex.POLICY_RE.fullmatch(product_type or "")
                   or lex.POLICY_ACTION_RE.search(text)):
        return "policy_question", 0.85 if question else 0.7, set()
    if _asks_about_shown_product(text, question, has_reference, product_type, signals, len(message.words)) \
            and not (has_previous and lex.HAVE_IT_IN_RE.search(text)):
        return "product_question", 0.8, set()
    recommend = lex.RECOMMEND_RE.search(text)
    for_someone = any(s.kind == "recipient" or (s.kind == "occasion" and s.value in _EVENTS) for s in message.spans)
    if recommend or (not product_type and (for_someone or re.search(r"\b(?:gift|gifts|present|presents)\b", text))):
        return "recommend", 0.85 if recommend else 0.7, _tokens_in(message, recommend.span()) if recommend else set()
    if lex.OFF_TOPIC_RE.search(text) and not strong:
        return "other", 0.75, set()
    modifies = any(s.kind.startswith("cue:") for s in message.spans) or signals or bool(message.excluded_terms) \
        or any(c.negated for c in message.claims)
    if has_previous and modifies:
        return "refine", 0.75, set()
    follow_up = cues.more or cues.cheaper or cues.pricier or cues.other_brand or cues.bigger or cues.smaller
    if not product_type and (follow_up or re.search(r"\b(?:instead|something else|what about|how about)\b", text)):
        return "refine", 0.6, set()
    if not signals and not any(is_content(w) for w in message.words):
        return "other", 0.5, set()
    return "search", 0.8 if signals else 0.5, set()


def _asks_about_shown_product(text: str, question: bool, has_reference: bool, product_type: str | None,
                              signals: bool, length: int) -> bool:
    """'is it waterproof?', 'what is the battery life of the second one', 'does this jacket come in blue'."""
    if has_reference:
        return question or bool(lex.PRODUCT_DETAIL_RE.search(text)) or (length <= 6 and not signals)
    if lex.ASKS_ABOUT_RE.search(text):
        return True
    if not question or lex.SEARCH_QUESTION_RE.search(text) or not lex.PRODUCT_POINTER_RE.search(text):
        return False
    return not product_type or demonstrative_before(text, product_type)


def demonstrative_before(text: str, product_type: str | None) -> bool:
    """'does this jacket come in blue', 'are the headphones ...': the product named is one already shown."""
    if not product_type:
        return False
    named = re.escape(product_type)
    return bool(re.search(rf"\b(?:this|these|those|that)\s+{named}", text)
                or re.search(rf"{lex.ASKS_ABOUT_RE.pattern}\s+{named}", text))


def _tokens_in(message: Message, span: tuple[int, int]) -> set[int]:
    return {i for i in range(len(message.words)) if span[0] <= message.starts[i] < span[1]}


# ---------------------------------------------------------------- the query and the language


def read_query(message: Message, drop: set[int]) -> str:
    """Keywords for retrieval: product words, attributes, features and brands; no filler, prices or negations."""
    kept: list[int] = []
    pieces: list[tuple[int, str]] = []
    emitted: set[int] = set()
    for i, word in enumerate(message.words):
        span = message.span_of[i]
        if span is not None:
            if span.query_text and id(span) not in emitted:
                emitted.add(id(span))
                pieces.append((i, span.query_text))
            continue
        claim = message.claim_of[i]
        if i in drop or i in message.negation_tokens or (claim is not None and (claim.negated or claim.kind == "sort")):
            continue
        if claim is None and (word in lex.STOPWORDS or word in lex.FILLER_WORDS or word in _QUERY_NOISE):
            continue
        kept.append(i)
    # a misspelt brand goes to retrieval spelt right
    corrected = {c.first: c.value.lower() for c in message.claims if c.kind == "brand" and c.confidence == FUZZY}
    runs: list[list[int]] = []
    for i in kept:
        if runs and runs[-1][-1] == i - 1 and message.gap(i) in JOINING_GAPS:
            runs[-1].append(i)
        else:
            runs.append([i])
    pieces += [(run[0], _join_tokens(message, run, corrected)) for run in runs]
    query = " ".join(text for _, text in sorted(pieces, key=lambda p: p[0]))
    return query if len(query) <= MAX_QUERY_CHARS else query[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]


def read_language(words: list[str]) -> tuple[str, float]:
    """The language and how sure that is: English unless 2+ marker words of another outnumber the English ones."""
    english = sum(1 for w in words if w in lex.STOPWORDS or w in lex.FILLER_WORDS)
    best, hits = "en", 0
    for language, markers in lex.LANGUAGE_MARKERS.items():
        count = sum(1 for w in words if w in markers)
        if count > hits:
            best, hits = language, count
    if hits >= 2 and hits > english:
        return best, 0.7
    return "en", 0.9 if english else 0.7

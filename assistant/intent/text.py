"""How the extractor sees text: one normalised form, one tokeniser and one plural-insensitive key.

Requests, lexicon phrases and catalog values all go through the same functions here, so that 'Off-White',
'off white' and 'OFF WHITE' give the same tokens and 'hoodies' finds the category 'Hoodie'. Keeping them
in one place is what keeps the catalog's index and the message's tokens comparable.
"""

from __future__ import annotations

import re
import unicodedata

from . import lexicons as lex

_TRANSLATE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "`": "'", "\u00b4": "'",
                            "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
                            "\u00d7": "x", "\u00a0": " ", "\u2044": "/"})
TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|&")
# Punctuation that ends a phrase: no lexicon phrase, negation or product name runs across it.
SENTENCE_GAP = re.compile(r"[,.;:!?()\[\]]")
# What may sit between two tokens that still read as one word ('wh-1000xm5', 'usb/c', "levi's").
JOINING_GAPS = frozenset({"-", "/", ".", "'", "+"})
_IRREGULAR = {"knives": "knife", "shelves": "shelf", "leaves": "leaf", "loaves": "loaf", "halves": "half",
              "wives": "wife", "children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse",
              "geese": "goose", "people": "person"}


def normalise(text: str) -> str:
    """Lower case, plain quotes and dashes, single spaces: the form every pattern is written for."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).lower()
    return " ".join(text.split())


def split_words(text: str) -> list[str]:
    """The words of a text as a message's tokens would be: "Levi's Jeans" -> ['levis', 'jeans']."""
    return [m.group().replace("'", "") for m in TOKEN_RE.finditer(normalise(text))]


def lemma(word: str) -> str:
    """A plural-and-spelling-insensitive key for one word: 'hoodies'/'hoodie' -> 'hoodi', 'knives' -> 'knife'."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "i"
    elif len(word) > 3 and word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif len(word) == 3 and word.endswith("s") and not re.search(r"[aeiouy]", word[:2]):
        word = word[:-1]  # initialisms: 'tvs', 'cds', 'pcs'
    if word.endswith("y") and len(word) > 2:
        return word[:-1] + "i"
    if word.endswith("ie") and len(word) > 3:
        return word[:-2] + "i"
    return word


def lemma_key(phrase: str) -> str:
    return " ".join(lemma(w) for w in split_words(phrase))


def spelling_key(text: str) -> str:
    """Spelling-insensitive comparison key: 'Non-Slip' -> 'nonslip'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def is_content(word: str) -> bool:
    """A word that says something about the product, not a stopword, a filler or '&'."""
    return word not in lex.STOPWORDS and word not in lex.FILLER_WORDS and word != "&"

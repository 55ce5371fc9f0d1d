"""Intent extraction quality: per-field precision, recall and F1, and the exact-match rate, on labelled requests.

A labelled set is JSONL, one request a line: `{"text": ..., "context": {...}?, "expected": {...}}`, where
`context` holds `IntentContext` fields and `expected` a partial `Intent`. A field absent from `expected` is
expected to be empty or default, so a value the parser adds there is a false positive. Each field is scored as
a set of facts (a brand, an attribute key=value, a price bound...), micro-averaged over the set. Values are
compared after normalising case, spacing, hyphens, apostrophes, plural -s and grey/gray; prices to the cent.
The currency, the query, the language and the confidences are not scored, except that the money set
(`--money`, data/money_eval.jsonl) scores only price.min, price.max and the currency, and the real-request set
(`--real`, data/real_requests.jsonl: lines that carry a `source`) scores every field but category and is parsed
without a catalog vocabulary; `--split test` keeps its held-out split. Labelling rules:
assistant/intent/data/INTENT_LABELS.md.

    python -m assistant.intent.evaluation [--no-catalog] [--errors] [--money] [--real [--split dev|test]]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from .context import IntentContext
from retrieval.intent import Intent

FIELDS = ("action", "product_type", "category", "brands", "exclude", "attributes", "features", "price.min",
          "price.max", "pack_count", "sort", "reference", "recipient", "occasion")
DEFAULT_SET = Path(__file__).parent / "data" / "intent_eval.jsonl"
# The money set scores the price and its currency only: its requests label nothing else.
MONEY_FIELDS = ("price.min", "price.max", "currency")
MONEY_SET = Path(__file__).parent / "data" / "money_eval.jsonl"
# Real requests (issue 10) are open-domain: no catalog category is labelled, so none is scored.
REAL_FIELDS = tuple(name for name in FIELDS if name != "category")
REAL_SET = Path(__file__).parent / "data" / "real_requests.jsonl"

Parser = Callable[[str, IntentContext | None], Intent]


class IntentExample(BaseModel):
    text: str
    context: IntentContext | None = None
    expected: dict[str, Any] = Field(default_factory=dict)
    source: str | None = Field(default=None, description="Where a real request comes from: webshop, esci.")
    split: Literal["train", "dev", "test"] | None = Field(
        default=None, description="test: held out, never tuned on; train: training only, never scored.")

    @field_validator("expected")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(Intent.model_fields)
        if unknown:
            raise ValueError(f"not Intent fields: {sorted(unknown)}")
        Intent.model_validate(value)
        return value

    def expected_intent(self) -> Intent:
        return Intent.model_validate(self.expected)


class FieldScore(BaseModel):
    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int


class Mismatch(BaseModel):
    text: str
    field: str
    expected: list[str]
    predicted: list[str]


class IntentEvalReport(BaseModel):
    examples: int
    exact_match: float
    fields: dict[str, FieldScore]
    mismatches: list[Mismatch]
    overall: FieldScore | None = Field(default=None, description="Micro-average over every scored field's facts.")


def load_examples(path: Path = DEFAULT_SET) -> list[IntentExample]:
    """Labelled examples from a JSONL file; a malformed line is an error naming its line number."""
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            examples.append(IntentExample.model_validate_json(line))
        except ValueError as error:
            raise ValueError(f"{path}:{number}: {error}") from error
    return examples


def is_real(examples: Sequence[IntentExample]) -> bool:
    """Real requests (lines with a `source`): open-domain, parsed without a catalog, category not scored."""
    return any(example.source for example in examples)


def scored_fields(examples: Sequence[IntentExample]) -> tuple[str, ...]:
    return REAL_FIELDS if is_real(examples) else FIELDS


def select_split(examples: Sequence[IntentExample], split: str | None) -> list[IntentExample]:
    """The examples of one split (all of them for None); a split that selects nothing is an error."""
    if split is None:
        return list(examples)
    chosen = [example for example in examples if example.split == split]
    if not chosen:
        raise ValueError(f"no example has split {split!r}")
    return chosen


def evaluate_intents(parse: Parser, examples: Iterable[IntentExample],
                     fields: Sequence[str] = FIELDS) -> IntentEvalReport:
    """Scores `parse(text, context)` on every example, field by field (`fields`: FIELDS and/or "currency")."""
    counts = {name: [0, 0, 0] for name in fields}  # true positives, false positives, false negatives
    exact = total = 0
    mismatches: list[Mismatch] = []
    for example in examples:
        total += 1
        expected = _facts(example.expected_intent(), fields)
        predicted = _facts(parse(example.text, example.context), fields)
        all_right = True
        for name in fields:
            want, got = expected[name], predicted[name]
            counts[name][0] += len(want & got)
            counts[name][1] += len(got - want)
            counts[name][2] += len(want - got)
            if want != got:
                all_right = False
                mismatches.append(Mismatch(text=example.text, field=name, expected=sorted(want),
                                           predicted=sorted(got)))
        exact += all_right
    overall = _score(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return IntentEvalReport(examples=total, exact_match=exact / total if total else 0.0,
                            fields={name: _score(*counts[name]) for name in fields}, mismatches=mismatches,
                            overall=overall)


def _facts(intent: Intent, fields: Sequence[str]) -> dict[str, set[str]]:
    facts = intent_facts(intent)
    if "currency" in fields:
        facts["currency"] = {intent.price.currency.upper()} if intent.price.currency else set()
    return facts


def intent_facts(intent: Intent) -> dict[str, set[str]]:
    """Each scored field of an intent as a set of comparable facts."""
    exclude = {f"brand:{_compact(b)}" for b in intent.exclude.brands}
    exclude |= {f"term:{_phrase(t)}" for t in intent.exclude.terms}
    exclude |= {f"{key}:{_compact(v)}" for key, values in intent.exclude.attributes.items() for v in values}
    reference = set()
    if intent.reference is not None:
        if intent.reference.ordinal is not None:
            reference.add(f"ordinal={intent.reference.ordinal}")
        if intent.reference.product_id:
            reference.add(f"product_id={intent.reference.product_id.upper()}")
    return {
        "action": {intent.action},
        "product_type": {_phrase(intent.product_type)} if intent.product_type else set(),
        "category": {_phrase(intent.category)} if intent.category else set(),
        "brands": {_compact(b) for b in intent.brands},
        "exclude": exclude,
        "attributes": {f"{key}={_compact(value)}" for key, value in intent.attributes.items()},
        "features": {_compact(f) for f in intent.features},
        "price.min": {f"{intent.price.min:.2f}"} if intent.price.min is not None else set(),
        "price.max": {f"{intent.price.max:.2f}"} if intent.price.max is not None else set(),
        "pack_count": {str(intent.pack_count)} if intent.pack_count is not None else set(),
        "sort": {intent.sort} if intent.sort != "relevance" else set(),
        "reference": reference,
        "recipient": {_person(intent.recipient)} if intent.recipient else set(),
        "occasion": {_phrase(intent.occasion)} if intent.occasion else set(),
    }


def format_table(report: IntentEvalReport) -> str:
    """The report as a fixed-width text table, one field a row, then the exact-match rate."""
    lines = [f"{'field':<14}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>6}{'FN':>6}"]
    for name, score in report.fields.items():
        lines.append(f"{name:<14}{score.precision:>7.3f}{score.recall:>7.3f}{score.f1:>7.3f}"
                     f"{score.true_positives:>6}{score.false_positives:>6}{score.false_negatives:>6}")
    if report.overall is not None:
        o = report.overall
        lines.append(f"{'all (micro)':<14}{o.precision:>7.3f}{o.recall:>7.3f}{o.f1:>7.3f}"
                     f"{o.true_positives:>6}{o.false_positives:>6}{o.false_negatives:>6}")
    lines.append(f"exact match {report.exact_match:.3f} over {report.examples} examples")
    return "\n".join(lines)


def _score(tp: int, fp: int, fn: int) -> FieldScore:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return FieldScore(precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4),
                      true_positives=tp, false_positives=fp, false_negatives=fn)


def _words(text: str) -> list[str]:
    text = text.lower().replace("'", "").replace("gray", "grey").replace("&", " and ")
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in re.findall(r"[^\W_]+", text)]


def _phrase(text: str) -> str:
    return " ".join(_words(text))


def _compact(text: str) -> str:
    return "".join(_words(text))


def _person(text: str) -> str:
    """'my dad', 'a 5 year old', 'dad' compare equal on the person."""
    return re.sub(r"^(?:my|our|his|her|their|a|an|the) ", "", _phrase(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score the deterministic intent extractor on a labelled set.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--no-catalog", action="store_true", help="parse without the demo catalog vocabulary")
    parser.add_argument("--errors", action="store_true", help="list every mismatch")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--money", action="store_true",
                        help="score the money set (data/money_eval.jsonl unless a path is given) on price and currency")
    parser.add_argument("--real", action="store_true",
                        help="score the real-request set (data/real_requests.jsonl unless a path is given)")
    parser.add_argument("--split", choices=["dev", "test"], default=None,
                        help="only the examples of this split (test: the held-out real requests)")
    args = parser.parse_args(argv)
    path = args.path
    if args.money or args.real:
        path = (MONEY_SET if args.money else REAL_SET) if args.path == DEFAULT_SET else args.path
    examples = select_split(load_examples(path), args.split)
    fields = MONEY_FIELDS if args.money else scored_fields(examples)
    from retrieval.demo.catalog_generator import generate_catalog

    from .extractor import CatalogVocabulary, extract_intent

    no_catalog = args.no_catalog or is_real(examples)
    vocabulary = None if no_catalog else CatalogVocabulary.from_products(generate_catalog(2000, seed=7))
    report = evaluate_intents(lambda text, context: extract_intent(text, vocabulary, context), examples, fields)
    if args.json:
        print(json.dumps(report.model_dump(exclude={"mismatches"} if not args.errors else set()), indent=2))
        return 0
    print(format_table(report))
    if args.errors:
        for m in report.mismatches:
            print(f"{m.field:<13} {m.text!r}\n{'':14}expected {m.expected}  got {m.predicted}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

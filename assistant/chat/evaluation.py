"""Scripted chat dialogues with objective per-turn checks: `shopassist eval chat FILE.jsonl`.

A dialogue file has one JSON object a line:

    {"id": "bb-gift-01", "catalog": "tests/data/catalogs/bestbuy_marketplace.csv", "policies": null,
     "description": "...", "turns": [{"message": "a present for a 7 year old under $30",
                                      "expect": {"max_price": 30, "min_products": 1}}]}

`catalog` is "demo" (the synthetic 2,000-product demo store, with its own policies) or a feed file relative to
the repository root; `policies` (optional) is a Markdown file whose `##` sections are the store's policies.
A real catalog with no `policies` has none at all.

Every field set in a turn's `expect` is one check. Each check is a small function taking the turn as the
shopper saw it (`TurnRecord`, with the turns before it) and its expected value, and returning a failure
message or None. The runner (`run_dialogue`) talks to a `ChatService` the way a client does: one session per
dialogue, one `turn` per message. `summarize` turns the results into pass rates per catalog.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from retrieval.models import Product
from tools.models import Cart, PolicyPassage, ProductCard

__all__ = ["CHECKS", "CheckResult", "Dialogue", "DialogueFileError", "EvalReport", "Expect", "Turn", "TurnRecord",
           "check_turn", "format_report", "load_dialogues", "policies_dir_for", "resolve_path", "run_dialogue",
           "summarize"]

DEMO = "demo"

# ---------------------------------------------------------------------------------------------- the file


class Expect(BaseModel):
    """What must be true of one turn's answer. Only the fields that are set are checked (one check each)."""

    model_config = ConfigDict(extra="forbid")

    # the product cards
    min_products: int | None = Field(default=None, ge=0)
    max_products: int | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0, description="Every card priced at most this.")
    min_price: float | None = Field(default=None, ge=0, description="Every card priced at least this.")
    products_match_any: list[str] | None = Field(
        default=None, min_length=1, description="Each product's text (title, brand, category, description, tags, "
                                                "attribute values) has at least one of these words.")
    products_match_none: list[str] | None = Field(
        default=None, min_length=1, description="No product's text has any of these words.")
    top_match_any: list[str] | None = Field(default=None, min_length=1, description="The first product matches.")
    top_id_in: list[str] | None = Field(default=None, min_length=1, description="The first product is one of these.")
    must_include_ids: list[str] | None = Field(default=None, min_length=1)
    must_exclude_ids: list[str] | None = Field(default=None, min_length=1)
    not_shown_before: bool | None = Field(default=None, description="No product shown in an earlier turn.")
    same_kind_as_before: bool | None = Field(
        default=None, description="Every product's category leaf is one of the previous product turn's leaves.")
    cheaper_than_before: bool | None = Field(
        default=None, description="Every product is cheaper than the previous product turn's top pick or median "
                                  "(whichever is higher).")
    pricier_than_before: bool | None = Field(
        default=None, description="Every product is dearer than the previous product turn's top pick or median "
                                  "(whichever is lower).")
    shown_positions: list[int] | None = Field(
        default=None, min_length=1, description="The cards are, in order, the products at these 1-based positions "
                                                "of the last list shown (`CheckContext.previous_list`); the turn is "
                                                "then itself no new list.")
    sorted_by: Literal["price_asc", "price_desc", "rating_desc"] | None = None

    # the reply
    reply_contains: list[str] | None = Field(default=None, min_length=1, description="Case-insensitive, all.")
    reply_not_contains: list[str] | None = Field(default=None, min_length=1, description="Case-insensitive, none.")
    reply_matches_any: list[str] | None = Field(
        default=None, min_length=1, description="Regular expressions (case-insensitive); at least one matches.")
    reply_matches_all: list[str] | None = Field(
        default=None, min_length=1, description="Regular expressions (case-insensitive); every one matches.")
    reply_states_prices: bool | None = Field(default=None, description="The reply states every card's price.")

    # the cart (the session's cart after the turn)
    cart_product_ids: list[str] | None = Field(default=None, description="Exactly these products, any quantity.")
    cart_quantities: dict[str, int] | None = Field(default=None, description="Exactly these lines and quantities.")
    cart_count: int | None = Field(default=None, ge=0, description="Items in the cart (quantities summed).")
    cart_empty: bool | None = None

    # policies
    policy_quoted: bool | None = Field(
        default=None, description="true: the turn cites a policy passage and quotes it; false: it cites none.")

    @field_validator("reply_matches_any", "reply_matches_all")
    @classmethod
    def _patterns_compile(cls, patterns: list[str] | None) -> list[str] | None:
        for pattern in patterns or []:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        return patterns

    def checks(self) -> dict[str, object]:
        """The checks this turn asks for: field name -> expected value."""
        return {name: value for name, value in self if value is not None}


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, message: str) -> str:
        if not message.strip():
            raise ValueError("must not be blank")
        return message


class Dialogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    catalog: str = Field(min_length=1, description='"demo" or a feed file relative to the repository root.')
    policies: str | None = Field(default=None, description="A Markdown policy file relative to the repository root; "
                                                           "null: the store has no policies (demo: its own).")
    description: str | None = None
    turns: list[Turn] = Field(min_length=1)

    def check_count(self) -> int:
        return sum(len(turn.expect.checks()) for turn in self.turns)


class DialogueFileError(ValueError):
    """A malformed dialogue file: names the line and the field."""

    def __init__(self, path: Path, line: int, field_name: str, message: str):
        super().__init__(f"{path}:{line}: {field_name}: {message}")
        self.path, self.line, self.field, self.reason = path, line, field_name, message


REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def resolve_path(value: str, roots: Iterable[Path] = ()) -> Path | None:
    """A dialogue's file (`catalog`, `policies`): absolute, or relative to the first root that has it (by
    default the working directory, then the repository root); None when none has it."""
    candidate = Path(value)
    if candidate.is_absolute():
        return candidate if candidate.is_file() else None
    for root in [*roots] or [Path.cwd(), REPOSITORY_ROOT]:
        if (root / candidate).is_file():
            return root / candidate
    return None


def load_dialogues(path: Path, check_files: bool = False) -> list[Dialogue]:
    """Every dialogue of a JSONL file (blank lines skipped); DialogueFileError at the first bad line. With
    `check_files`, each `catalog` (other than "demo") and `policies` file must exist (`resolve_path`)."""
    path = Path(path)
    dialogues: list[Dialogue] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DialogueFileError(path, number, "line", f"not JSON: {exc.msg}") from None
            if not isinstance(data, dict):
                raise DialogueFileError(path, number, "line", "expected a JSON object")
            try:
                dialogue = Dialogue.model_validate(data)
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(part) for part in error["loc"]) or "line"
                raise DialogueFileError(path, number, where, error["msg"]) from None
            for name in ("catalog", "policies") if check_files else ():
                value = getattr(dialogue, name)
                if value is not None and value != DEMO and resolve_path(value) is None:
                    raise DialogueFileError(path, number, name, f"no such file: {value}")
            if dialogue.id in seen:
                raise DialogueFileError(path, number, "id",
                                        f"{dialogue.id!r} is already used on line {seen[dialogue.id]}")
            seen[dialogue.id] = number
            dialogues.append(dialogue)
    if not dialogues:
        raise DialogueFileError(path, 1, "line", "the file has no dialogues")
    return dialogues


# ---------------------------------------------------------------------------------------------- the checks


@dataclass
class TurnRecord:
    """One turn as the shopper saw it: the reply, the cards, the cart after it, the policies it cited."""

    message: str
    reply: str
    products: list[ProductCard] = field(default_factory=list)
    cart: Cart | None = None
    policies: list[PolicyPassage] = field(default_factory=list)
    points_back: bool = False  # answered "the second one" / "compare the first two": its cards are no new list


@dataclass
class CheckContext:
    """What a check may look at: this turn, the turns before it, and the catalog (a product by id)."""

    turn: TurnRecord
    history: list[TurnRecord]
    product: Callable[[str], Product | None]

    def previous_products(self) -> list[ProductCard] | None:
        """The cards of the last earlier turn that showed products."""
        for earlier in reversed(self.history):
            if earlier.products:
                return earlier.products
        return None

    def previous_list(self) -> list[ProductCard] | None:
        """The last list the shopper was shown, which "the second one" points into: the cards of the last earlier
        turn that showed two or more products and did not itself point back at shown ones (a turn checked with
        `shown_positions`, such as "compare the first two", shows part of the list, not a new one)."""
        for earlier in reversed(self.history):
            if len(earlier.products) >= 2 and not earlier.points_back:
                return earlier.products
        return None

    def text_of(self, card: ProductCard) -> str:
        """Everything a shopper can read about a product: title, brand, category, description, tags, attributes."""
        product = self.product(card.id)
        if product is None:
            return " ".join(filter(None, [card.title, card.brand]))
        values = [product.title, product.brand or "", " ".join(product.category), product.description,
                  " ".join(product.tags)]
        for name in product.attributes:
            values.append(" ".join(product.attribute_values(name)))
        return " ".join(values)

    def leaf(self, card: ProductCard) -> str | None:
        product = self.product(card.id)
        return product.category[-1] if product is not None and product.category else None


Check = Callable[[CheckContext, object], str | None]


def _has_word(text: str, word: str) -> bool:
    """`word` as a whole word (or phrase) in `text`, case-insensitive; a plural -s/-es also counts."""
    return re.search(rf"(?<!\w){re.escape(word)}(?:s|es)?(?!\w)", text, re.IGNORECASE) is not None


def _label(card: ProductCard) -> str:
    price = "no price" if card.price is None else f"${card.price:,.2f}"
    return f"{card.title} [{card.id}, {price}]"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def check_min_products(ctx: CheckContext, n: int) -> str | None:
    shown = len(ctx.turn.products)
    return None if shown >= n else f"expected at least {n} products, got {shown}"


def check_max_products(ctx: CheckContext, n: int) -> str | None:
    shown = len(ctx.turn.products)
    return None if shown <= n else f"expected at most {n} products, got {shown}"


def check_max_price(ctx: CheckContext, limit: float) -> str | None:
    over = [c for c in ctx.turn.products if c.price is None or c.price > limit]
    return None if not over else f"over {_money(limit)} (or no price): " + "; ".join(map(_label, over))


def check_min_price(ctx: CheckContext, limit: float) -> str | None:
    under = [c for c in ctx.turn.products if c.price is None or c.price < limit]
    return None if not under else f"under {_money(limit)} (or no price): " + "; ".join(map(_label, under))


def check_products_match_any(ctx: CheckContext, words: list[str]) -> str | None:
    off = [c for c in ctx.turn.products if not any(_has_word(ctx.text_of(c), w) for w in words)]
    return None if not off else f"not matching any of {words}: " + "; ".join(map(_label, off))


def check_products_match_none(ctx: CheckContext, words: list[str]) -> str | None:
    hits = [c for c in ctx.turn.products if any(_has_word(ctx.text_of(c), w) for w in words)]
    return None if not hits else f"matching one of {words}: " + "; ".join(map(_label, hits))


def check_top_match_any(ctx: CheckContext, words: list[str]) -> str | None:
    if not ctx.turn.products:
        return "no products shown"
    top = ctx.turn.products[0]
    return None if any(_has_word(ctx.text_of(top), w) for w in words) else \
        f"the first product matches none of {words}: {_label(top)}"


def check_top_id_in(ctx: CheckContext, ids: list[str]) -> str | None:
    if not ctx.turn.products:
        return "no products shown"
    top = ctx.turn.products[0]
    return None if top.id in ids else f"the first product is {_label(top)}, expected one of {ids}"


def check_must_include_ids(ctx: CheckContext, ids: list[str]) -> str | None:
    shown = {c.id for c in ctx.turn.products}
    missing = [i for i in ids if i not in shown]
    return None if not missing else f"missing {missing}"


def check_must_exclude_ids(ctx: CheckContext, ids: list[str]) -> str | None:
    present = [c for c in ctx.turn.products if c.id in ids]
    return None if not present else "shown although excluded: " + "; ".join(map(_label, present))


def check_not_shown_before(ctx: CheckContext, wanted: bool) -> str | None:
    seen = {c.id for earlier in ctx.history for c in earlier.products}
    repeated = [c for c in ctx.turn.products if c.id in seen]
    if wanted:
        return None if not repeated else "shown in an earlier turn: " + "; ".join(map(_label, repeated))
    return None if repeated or not ctx.turn.products else "expected products shown before, all are new"


def check_same_kind_as_before(ctx: CheckContext, wanted: bool) -> str | None:
    before = ctx.previous_products()
    if before is None:
        return "no earlier turn showed products to compare with"
    leaves = {ctx.leaf(c) for c in before}
    other = [c for c in ctx.turn.products if ctx.leaf(c) not in leaves]
    if not wanted:
        return None if other else "expected a different kind of product, all share the earlier category"
    if not ctx.turn.products:
        return "no products shown"
    return None if not other else \
        f"not in the earlier categories {sorted(filter(None, leaves))}: " + \
        "; ".join(f"{_label(c)} ({ctx.leaf(c)})" for c in other)


def _prices(cards: Iterable[ProductCard]) -> list[float]:
    return [c.price for c in cards if c.price is not None]


def check_cheaper_than_before(ctx: CheckContext, wanted: bool) -> str | None:
    before = _prices(ctx.previous_products() or [])
    if not before:
        return "no earlier turn showed priced products"
    bar = max(before[0], statistics.median(before))
    if not ctx.turn.products:
        return "no products shown"
    dearer = [c for c in ctx.turn.products if c.price is None or c.price >= bar]
    return None if not dearer else f"not below {_money(bar)} (the earlier top pick or median): " + \
        "; ".join(map(_label, dearer))


def check_pricier_than_before(ctx: CheckContext, wanted: bool) -> str | None:
    before = _prices(ctx.previous_products() or [])
    if not before:
        return "no earlier turn showed priced products"
    bar = min(before[0], statistics.median(before))
    if not ctx.turn.products:
        return "no products shown"
    cheaper = [c for c in ctx.turn.products if c.price is None or c.price <= bar]
    return None if not cheaper else f"not above {_money(bar)} (the earlier top pick or median): " + \
        "; ".join(map(_label, cheaper))


def check_shown_positions(ctx: CheckContext, positions: list[int]) -> str | None:
    before = ctx.previous_list()
    if before is None:
        return "no earlier turn listed two or more new products"
    if any(p < 1 or p > len(before) for p in positions):
        return f"positions {positions} are outside the {len(before)} products listed before"
    expected = [before[p - 1].id for p in positions]
    got = [c.id for c in ctx.turn.products]
    return None if got == expected else f"expected products {expected} (positions {positions}), got {got}"


def check_sorted_by(ctx: CheckContext, order: str) -> str | None:
    cards = ctx.turn.products
    if order == "rating_desc":
        rated = [c.rating for c in cards if c.rating is not None]
        unrated_first = any(c.rating is None for c in cards[:len(rated)])
        ok = rated == sorted(rated, reverse=True) and not unrated_first
        return None if ok else f"not best rated first: {[c.rating for c in cards]}"
    prices = [c.price for c in cards]
    if any(p is None for p in prices):
        return f"a product has no price: {prices}"
    ok = prices == sorted(prices, reverse=order == "price_desc")
    return None if ok else f"not in {order} order: {prices}"


def check_reply_contains(ctx: CheckContext, texts: list[str]) -> str | None:
    missing = [t for t in texts if t.lower() not in ctx.turn.reply.lower()]
    return None if not missing else f"the reply lacks {missing}: {ctx.turn.reply!r}"


def check_reply_not_contains(ctx: CheckContext, texts: list[str]) -> str | None:
    present = [t for t in texts if t.lower() in ctx.turn.reply.lower()]
    return None if not present else f"the reply contains {present}: {ctx.turn.reply!r}"


def check_reply_matches_any(ctx: CheckContext, patterns: list[str]) -> str | None:
    if any(re.search(p, ctx.turn.reply, re.IGNORECASE) for p in patterns):
        return None
    return f"the reply matches none of {patterns}: {ctx.turn.reply!r}"


def _states_price(reply: str, price: float) -> bool:
    whole = f"{price:,.0f}" if price == int(price) else None
    written = [re.escape(f"${price:,.2f}")] + ([re.escape(f"${whole}") + r"(?![\d.,]\d)"] if whole else [])
    return any(re.search(w, reply) for w in written)


def check_reply_matches_all(ctx: CheckContext, patterns: list[str]) -> str | None:
    missing = [p for p in patterns if not re.search(p, ctx.turn.reply, re.IGNORECASE)]
    return None if not missing else f"the reply does not match {missing}: {ctx.turn.reply!r}"


def check_reply_states_prices(ctx: CheckContext, wanted: bool) -> str | None:
    if not ctx.turn.products:
        return "no products shown"
    missing = [c for c in ctx.turn.products if c.price is not None and not _states_price(ctx.turn.reply, c.price)]
    return None if not missing else "the reply does not state the price of " + "; ".join(map(_label, missing)) + \
        f": {ctx.turn.reply!r}"


def _cart_lines(ctx: CheckContext) -> dict[str, int]:
    lines: dict[str, int] = {}
    for line in ctx.turn.cart.lines if ctx.turn.cart else []:
        lines[line.product_id] = lines.get(line.product_id, 0) + line.quantity
    return lines


def check_cart_product_ids(ctx: CheckContext, ids: list[str]) -> str | None:
    got = _cart_lines(ctx)
    return None if set(got) == set(ids) else f"the cart holds {sorted(got)}, expected {sorted(ids)}"


def check_cart_quantities(ctx: CheckContext, quantities: dict[str, int]) -> str | None:
    got = _cart_lines(ctx)
    return None if got == quantities else f"the cart holds {got}, expected {quantities}"


def check_cart_count(ctx: CheckContext, count: int) -> str | None:
    got = sum(_cart_lines(ctx).values())
    return None if got == count else f"the cart holds {got} items, expected {count}"


def check_cart_empty(ctx: CheckContext, wanted: bool) -> str | None:
    got = _cart_lines(ctx)
    if wanted:
        return None if not got else f"the cart is not empty: {got}"
    return None if got else "the cart is empty"


def _quotes(reply: str, passage: PolicyPassage, words: int = 6) -> bool:
    """The reply repeats at least `words` consecutive words of the passage."""
    def tokens(text: str) -> list[str]:
        return re.findall(r"[\w$%'-]+", text.lower())
    said = " " + " ".join(tokens(reply)) + " "
    source = tokens(passage.text)
    return any(" " + " ".join(source[i:i + words]) + " " in said for i in range(max(1, len(source) - words + 1)))


def check_policy_quoted(ctx: CheckContext, wanted: bool) -> str | None:
    cited = ctx.turn.policies
    if not wanted:
        return None if not cited else "cites policies the store should not have: " + \
            "; ".join(f"{p.source} ({p.title})" for p in cited)
    if not cited:
        return f"no policy passage cited: {ctx.turn.reply!r}"
    return None if any(_quotes(ctx.turn.reply, p) for p in cited) else \
        f"the reply quotes none of the cited passages: {ctx.turn.reply!r}"


CHECKS: dict[str, Check] = {
    "min_products": check_min_products,
    "max_products": check_max_products,
    "max_price": check_max_price,
    "min_price": check_min_price,
    "products_match_any": check_products_match_any,
    "products_match_none": check_products_match_none,
    "top_match_any": check_top_match_any,
    "top_id_in": check_top_id_in,
    "must_include_ids": check_must_include_ids,
    "must_exclude_ids": check_must_exclude_ids,
    "not_shown_before": check_not_shown_before,
    "same_kind_as_before": check_same_kind_as_before,
    "cheaper_than_before": check_cheaper_than_before,
    "pricier_than_before": check_pricier_than_before,
    "shown_positions": check_shown_positions,
    "sorted_by": check_sorted_by,
    "reply_contains": check_reply_contains,
    "reply_not_contains": check_reply_not_contains,
    "reply_matches_any": check_reply_matches_any,
    "reply_matches_all": check_reply_matches_all,
    "reply_states_prices": check_reply_states_prices,
    "cart_product_ids": check_cart_product_ids,
    "cart_quantities": check_cart_quantities,
    "cart_count": check_cart_count,
    "cart_empty": check_cart_empty,
    "policy_quoted": check_policy_quoted,
}
assert set(CHECKS) == set(Expect.model_fields), "every Expect field has its check"


class CheckResult(BaseModel):
    dialogue: str
    catalog: str
    turn: int = Field(description="1-based.")
    message: str = Field(description="What the shopper said in that turn.")
    check: str
    passed: bool
    detail: str | None = Field(default=None, description="Why it failed.")

    def line(self) -> str:
        return f"FAIL {self.dialogue} turn {self.turn} ({self.message!r}) {self.check}: {self.detail}"


def check_turn(dialogue: Dialogue, number: int, record: TurnRecord, history: list[TurnRecord],
               product: Callable[[str], Product | None]) -> list[CheckResult]:
    """Run every check turn `number` (1-based) of `dialogue` asks for on what the shopper saw."""
    turn = dialogue.turns[number - 1]
    context = CheckContext(record, history, product)
    results = []
    for name, expected in turn.expect.checks().items():
        detail = CHECKS[name](context, expected)
        results.append(CheckResult(dialogue=dialogue.id, catalog=dialogue.catalog, turn=number, message=turn.message,
                                   check=name, passed=detail is None, detail=detail))
    return results


# ---------------------------------------------------------------------------------------------- the runner


def run_dialogue(chat, dialogue: Dialogue, product: Callable[[str], Product | None] | None = None
                 ) -> Iterator[CheckResult]:
    """Talk through `dialogue` with a ChatService (one new session) and check each turn as it comes. A turn
    that raises fails its own checks and every later one (the conversation cannot go on)."""
    from .models import ChatRequest

    product = product or chat.search.get_product
    session_id: str | None = None
    history: list[TurnRecord] = []
    for number, turn in enumerate(dialogue.turns, start=1):
        try:
            response = chat.turn(ChatRequest(message=turn.message, session_id=session_id))
            session_id = response.session_id
            cart = chat.cart(session_id)
        except Exception as exc:  # noqa: BLE001 - reported as failed checks, the evaluation goes on
            reason = f"the turn failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            for later, rest in enumerate(dialogue.turns[number - 1:], start=number):
                for name in rest.expect.checks():
                    yield CheckResult(dialogue=dialogue.id, catalog=dialogue.catalog, turn=later,
                                      message=rest.message, check=name, passed=False, detail=reason)
            return
        record = TurnRecord(message=turn.message, reply=response.reply, products=list(response.products),
                            cart=cart if cart is not None else response.cart, policies=list(response.policies),
                            points_back=turn.expect.shown_positions is not None)
        yield from check_turn(dialogue, number, record, history, product)
        history.append(record)


class Tally(BaseModel):
    dialogues: int = 0
    checks: int = 0
    passed: int = 0
    rate: float = 0.0


class EvalReport(BaseModel):
    dialogues: int
    checks: int
    passed: int
    rate: float
    by_catalog: dict[str, Tally]
    by_check: dict[str, Tally] = Field(description="Per kind of check (its `dialogues` is always 0).")
    failures: list[CheckResult]


def summarize(dialogues: list[Dialogue], results: list[CheckResult]) -> EvalReport:
    by_catalog: dict[str, Tally] = {}
    by_check: dict[str, Tally] = {}
    for dialogue in dialogues:
        by_catalog.setdefault(dialogue.catalog, Tally()).dialogues += 1
    for result in results:
        for tally in (by_catalog.setdefault(result.catalog, Tally()), by_check.setdefault(result.check, Tally())):
            tally.checks += 1
            tally.passed += result.passed
    for tally in [*by_catalog.values(), *by_check.values()]:
        tally.rate = round(tally.passed / tally.checks, 4) if tally.checks else 0.0
    checks = len(results)
    passed = sum(r.passed for r in results)
    return EvalReport(dialogues=len(dialogues), checks=checks, passed=passed,
                      rate=round(passed / checks, 4) if checks else 0.0, by_catalog=by_catalog,
                      by_check=dict(sorted(by_check.items())), failures=[r for r in results if not r.passed])


def format_report(report: EvalReport) -> str:
    lines = [result.line() for result in report.failures]
    if lines:
        lines.append("")
    width = max([len(name) for name in report.by_catalog] + [7])
    for name, tally in report.by_catalog.items():
        lines.append(f"{name:<{width}}  {tally.dialogues:>3} dialogues  {tally.passed:>4}/{tally.checks:<4} checks "
                     f"passed  {tally.rate:.1%}")
    lines.append(f"{'overall':<{width}}  {report.dialogues:>3} dialogues  {report.passed:>4}/{report.checks:<4} "
                 f"checks passed  {report.rate:.1%}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- policies


def policies_dir_for(policies: Path | None, catalog: str, workdir: Path, demo_policies: Path | None) -> Path:
    """The directory of policy Markdown a store is served with (`Settings.policies_dir`).

    A dialogue's `policies` file becomes the only document of a directory of its own; without one the demo
    store keeps its own policies and a real catalog gets an empty directory: a store with no policies at all
    (never the demo store's). Kept in one place so a change in how policies load is one change here."""
    if policies is not None:
        digest = hashlib.sha1(str(policies.resolve()).encode()).hexdigest()[:10]
        directory = workdir / "policies" / f"{policies.stem}-{digest}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / policies.name).write_text(policies.read_text(encoding="utf-8"), encoding="utf-8")
        return directory
    if catalog == DEMO and demo_policies is not None:
        return demo_policies
    empty = workdir / "policies" / "none"
    empty.mkdir(parents=True, exist_ok=True)
    return empty

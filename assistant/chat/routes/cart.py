"""The cart: add the product(s) a message points at ("add 2 of the second one", "add both", "the cheaper one",
"a wooden shelf too": `targets.add_targets`), show the cart, or change it: "remove it", "take the second one out",
"remove one" (one fewer), "make it two", "change the quantity to 3", "clear my cart". "And the second one" right
after an add (or a removal) does the same to another product.

Which line a change means: a position ("the second one": the shown product there when it is in the cart, else
the cart's line there), a product id, the words of a line's title or its brand or category ("delete the tent"),
else "it" (the product in focus, when it is in the cart), else the only line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from retrieval.intent import Intent
from retrieval.models import Product
from tools.cards import product_card
from tools.models import Cart, CartLine, ProductCard

from .. import cues, wording
from ..findings import Findings
from .clarify import ClarifyFindings
from .context import RouteContext
from .targets import Targets, add_targets, forms


@dataclass
class CartAddFindings(Findings):
    added: list[CartLine] = field(default_factory=list)  # each product added, with the quantity added

    route: ClassVar[str] = "cart_add"
    shows_cart: ClassVar[bool] = True

    def template(self, message: str) -> str:
        items = [f"{line.quantity} × {line.title} ({wording.price(line.price)} each)" + self._now(line)
                 for line in self.added]
        return f"Added {_join(items)} to your cart. Your cart total is {wording.price(self.cart.total)}."

    def _now(self, line: CartLine) -> str:
        held = next((held for held in self.cart.lines if held.product_id == line.product_id), None) \
            if self.cart else None
        return f", {held.quantity} in your cart now" if held and held.quantity != line.quantity else ""


@dataclass
class CartAskFindings(ClarifyFindings):
    """An add that could mean several products (listed, and shown, so "the first one" picks one), or one whose
    words name nothing the store has."""
    unknown: str = ""

    def template(self, message: str) -> str:
        if self.products:
            options = [f"the {card.title} ({wording.price(card.price)})" for card in self.products]
            return f"Which one should I add: {_join(options, 'or')}?"
        if self.unknown:
            return f"I couldn't find “{self.unknown}” in the store. Which product should I add?"
        return super().template(message)


@dataclass
class CartViewFindings(Findings):
    route: ClassVar[str] = "cart_view"
    shows_cart: ClassVar[bool] = True

    def template(self, message: str) -> str:
        return describe_cart(self.cart)


def describe_cart(cart: Cart | None) -> str:
    if cart is None or not cart.lines:
        return "Your cart is empty. What can I find for you?"
    items = "; ".join(f"{line.quantity} × {line.title} ({wording.price(line.price)})" for line in cart.lines)
    count = sum(line.quantity for line in cart.lines)
    return f"Your cart has {count} item{'s' if count != 1 else ''}: {items}. Total: {wording.price(cart.total)}."


def add_to_cart(context: RouteContext, intent: Intent, text: str) -> Findings:
    targets = add_targets(context, intent, text)
    if not targets.products:
        return _ask(context, intent, targets)
    quantity = cues.quantity(text)
    added, cart = [], context.session.cart
    for product in targets.products:
        cart = context.tools["add_to_cart"].invoke({"product_id": product.id, "quantity": quantity})
        added.append(cart.line(product.id).model_copy(update={"quantity": quantity}))
    return CartAddFindings(intent, products=[product_card(p) for p in targets.products], cart=cart, added=added)


def _join(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _ask(context: RouteContext, intent: Intent, targets: Targets) -> ClarifyFindings:
    cards = [product_card(p) for p in targets.ask]
    if len(cards) > 1:
        context.session.show(cards)  # "the first one" now means the first of these
    return CartAskFindings(intent, products=cards if len(cards) > 1 else [], cart=context.session.cart,
                           unknown=targets.unknown)


def continued(context: RouteContext, text: str) -> str | None:
    """'and the second one' right after 'add the first one to my cart' ('add'), or after 'remove the first one'
    ('remove'): the same cart action on other products; None for anything else."""
    if not cues.continues(text):
        return None
    before = next((turn.text for turn in reversed(context.session.history) if turn.role == "customer"), "")
    if cues.wants_to_add(before) or cues.takes(before):
        return "add"
    return "remove" if cues.cart_change(before) == "remove" and context.session.cart.lines else None


def view_cart(context: RouteContext, intent: Intent, text: str) -> CartViewFindings:
    return CartViewFindings(intent, cart=context.tools["view_cart"].invoke({}))


CartChange = Literal["remove", "quantity", "clear"]
CART_CHANGE_ACTIONS: dict[str, CartChange] = {"remove_from_cart": "remove", "update_cart": "quantity",
                                              "clear_cart": "clear"}
# Words of a cart-change message that name no product.
_NOT_NAMES = frozenset("""remove delete drop take out get rid of from my the a an cart basket bag trolley order it that
this one ones them these those please make change set update quantity qty to just only want need i don't dont do
not anymore any more in number amount and items item ok okay actually can you could would pairs pair units unit
pieces piece increase decrease reduce lower raise bump instead zero two three four five six seven eight nine
ten first second third fourth fifth last other now also back again thanks thank too really sorry all""".split())


@dataclass
class CartChangeFindings(Findings):
    change: CartChange = "remove"
    line: CartLine | None = None  # the line removed, or changed (with its new quantity); None: none could be told
    was_empty: bool = False

    route: ClassVar[str] = "cart_change"
    shows_cart: ClassVar[bool] = True

    def template(self, message: str) -> str:
        cart = self.cart or Cart()
        if self.was_empty:
            return "Your cart is already empty. What can I find for you?"
        if self.change == "clear":
            return "I've emptied your cart. What can I find for you?"
        line = self.line
        if line is None:
            return f"Which item in your cart do you mean? {describe_cart(cart)}"
        if self.change == "remove":
            rest = f"Your cart total is now {wording.price(cart.total)}." if cart.lines else "Your cart is now empty."
            return f"I've removed {line.title} from your cart. {rest}"
        return f"You now have {line.quantity} × {line.title} ({wording.price(line.price)} each) in your cart. " \
               f"Your cart total is {wording.price(cart.total)}."

    def detail_facts(self) -> list[str]:
        if self.line is None:
            return []
        done = "Removed from the cart" if self.change == "remove" else "Quantity now"
        return [f"{done}: {self.line.quantity} x {self.line.title} at ${self.line.price or 0:,.2f}"]


def is_cart_change(context: RouteContext, intent: Intent, text: str) -> CartChange | None:
    """The cart change a message asks for, if it is one: the parser's cart action, or an unambiguous phrase.
    "remove ..." counts only when there is a cart to remove from or the message names it ("remove the price
    limit" refines a search); a question about how changes work ("can I remove an item from my order?") is a
    policy question."""
    if intent.action in CART_CHANGE_ACTIONS:
        return CART_CHANGE_ACTIONS[intent.action]
    change = cues.cart_change(text)
    if change is None or re.match(r"\s*(?:how|can i|could i|may i|is it|do you|does|what|why|when|where)\b",
                                  text, re.IGNORECASE):
        return None
    if change == "remove" and not (context.session.cart.lines or cues.mentions_cart(text)):
        return None
    return change


def change_cart(context: RouteContext, intent: Intent, text: str, change: CartChange) -> CartChangeFindings:
    action = {"remove": "remove_from_cart", "quantity": "update_cart", "clear": "clear_cart"}[change]
    intent = intent.model_copy(update={"action": action})
    cart = context.session.cart
    if not cart.lines:
        return CartChangeFindings(intent, cart=cart, change=change, was_empty=True)
    if change == "clear":
        return CartChangeFindings(intent, cart=context.tools["clear_cart"].invoke({}), change=change)
    line = cart_line(context, intent, text)
    if line is None:
        return CartChangeFindings(intent, cart=cart, change=change)
    quantity = cues.new_quantity(text) if change == "quantity" else None
    fewer = cues.removes_count(text) if change == "remove" else None
    if fewer is not None and line.quantity > fewer:  # "remove one" of three: two left
        change, quantity = "quantity", line.quantity - fewer
        intent = intent.model_copy(update={"action": "update_cart"})
    if change == "remove" or quantity == 0:
        cart = context.tools["remove_from_cart"].invoke({"product_id": line.product_id})
        return CartChangeFindings(intent.model_copy(update={"action": "remove_from_cart"}), cart=cart,
                                  change="remove", line=line)
    if quantity is None:  # the parser said "update" but the message gives no number
        return CartChangeFindings(intent, cart=cart, change=change)
    cart = context.tools["update_cart_quantity"].invoke({"product_id": line.product_id, "quantity": quantity})
    return CartChangeFindings(intent, cart=cart, change=change, line=cart.line(line.product_id))


def cart_line(context: RouteContext, intent: Intent, text: str) -> CartLine | None:
    session = context.session
    lines = session.cart.lines
    in_cart = {line.product_id: line for line in lines}
    positions = cues.ordinals(text)
    if positions:
        n = positions[0]
        shown = session.shown_ids
        if shown and n != 0 and -len(shown) <= n <= len(shown):
            pointed = shown[n - 1 if n > 0 else n]
            if pointed in in_cart:
                return in_cart[pointed]
        return lines[n - 1 if n > 0 else n] if n != 0 and -len(lines) <= n <= len(lines) else None
    if intent.reference and intent.reference.product_id in in_cart:
        return in_cart[intent.reference.product_id]
    named, names_some = _named_line(context, intent, text)
    if named is not None:
        return named
    if names_some and not cues.points_at_one(text):  # "delete the tent" with no tent in the cart
        return None
    if session.focus_id in in_cart:
        return in_cart[session.focus_id]
    return lines[0] if len(lines) == 1 else None


def _named_line(context: RouteContext, intent: Intent, text: str) -> tuple[CartLine | None, bool]:
    """(the one line whose title words, brand or category the message names best, whether it names anything at
    all): "remove it" names nothing."""
    words = {w for w in re.findall(r"[a-z0-9][a-z0-9'-]*", text.lower())
             if w not in _NOT_NAMES and not w.isdigit() and len(w) > 1}
    brands = {brand.lower() for brand in intent.brands}
    if not words and not brands and not intent.category:
        return None, False
    best: list[tuple[int, CartLine]] = []
    for line in context.session.cart.lines:
        title = {form for w in re.findall(r"[a-z0-9][a-z0-9'-]*", line.title.lower()) for form in forms(w)}
        score = sum(1 for w in words if forms(w) & title)
        if brands or intent.category:
            product = context.product(line.product_id)
            if product is not None and ((product.brand or "").lower() in brands or
                                        (intent.category and intent.category in product.category)):
                score += 1
        if score:
            best.append((score, line))
    best.sort(key=lambda pair: -pair[0])
    if best and (len(best) == 1 or best[0][0] > best[1][0]):
        return best[0][1], True
    return None, True

"""What outside agents can do in the store: the tools of UCP's shopping service (catalog search and lookup, the
cart), the store's policies, and a whole turn of our assistant. Transport-free: `server.py` serves these over
MCP (streamable HTTP and stdio).

    store = AgentStore(services)
    store.call("search_catalog", {"catalog": {"query": "hiking boots", "filters": {"price": {"max": 15000}}}},
               AgentCaller(profile="https://platform.example/profile.json"))

Arguments are validated against UCP's own schemas (`validation.py`) and our limits; a bad argument raises
`InvalidArguments` naming the field ("catalog.filters.price.max: -5 is less than the minimum of 0"), which the
server answers as an MCP invalid-params error. Business outcomes (an unknown product, an expired cart) are
successful results carrying UCP messages, as the spec asks.

Search is the shoppers' search (`tools.catalog.search_products`: hybrid retrieval, hard filters inside it, the
trained ranker); carts are chat sessions (`assistant.chat.sessions.Session`, kept in the session store), so a
cart id is a session id: a 192-bit secret only the server issues, and a cart tool only ever opens the cart whose
id it is given. Checkout is a hand-off: every cart carries `continue_url` into the store.

Every call is logged as UBI events with the agent as the client (`client_id` "agent:<the agent profile's
host>", `query_attributes.traffic` "agent"), so agent traffic is visible and can be kept apart in training
(`shopassist train-ranker` leaves it out unless `--agent-traffic include`). A search is logged as the shoppers'
are: a query event the server issued, and an impression for each product on the page; a product the same agent
then opens (`get_product`, `lookup_catalog`) or puts in a cart is a click or an add-to-cart on the search that
showed it (`RecentShown`, in this process), so agent traffic has the shape the ranker learns from.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from ranking.events import InteractionEvent, QueryEvent
from ranking.screening import client_key
from retrieval.models import Product, SearchRequest
from tools import Shop
from tools.catalog import SearchProductsArgs, search_products
from tools.policy import lookup_policy

from ..chat.models import ChatRequest
from ..chat.sessions import Session, is_issued_id, new_session_id
from .convert import (CART, LOOKUP, SEARCH, absolute, continue_url, currency_code, envelope, error_response, expiry,
                      has_price, info, major, ucp_cart, ucp_product, warning)
from .validation import errors

log = logging.getLogger(__name__)

MAX_PAGE = 20  # products per search page (UCP's default page is 10)
MAX_LOOKUP_IDS = 50  # identifiers per lookup_catalog call; more is invalid params (-32602), as UCP asks
MAX_CART_LINES = 50
MAX_CATEGORIES = 5
MAX_QUERY_CHARS = 500
MAX_SEEN = 200  # products a search's pages may go through


class InvalidArguments(ValueError):
    """Arguments that do not fit the tool: `errors` are (dotted field, message), the first named in the text."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors[:5]))


@dataclass
class AgentCaller:
    """Who is calling: the agent's UCP profile (`meta["ucp-agent"].profile`), what the transport knows of it."""

    profile: str | None = None
    transport: str = "mcp"
    session: str | None = None  # the MCP session, when the transport has one
    address: str | None = None

    @property
    def client_id(self) -> str:
        host = urlsplit(self.profile).hostname if self.profile else None
        return f"agent:{host or 'unknown'}"[:256]

    @property
    def actor(self) -> str:
        """Who the agent is for attributing its actions to its searches: its client, address and MCP session."""
        return f"{self.client_id}|{self.address or ''}|{self.session or ''}"


class RecentShown:
    """Where each agent last saw each product: (agent actor, product id) -> (query_id, position, session_id) of
    the search page that showed it; the oldest entries go first beyond `size`."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._seen: OrderedDict[tuple[str, str], tuple[str, int, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, actor: str, query_id: str, product_ids: list[str], session_id: str | None) -> None:
        with self._lock:
            for position, product_id in enumerate(product_ids, start=1):
                self._seen.pop((actor, product_id), None)
                self._seen[(actor, product_id)] = (query_id, position, session_id)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def find(self, actor: str, product_id: str) -> tuple[str, int, str | None] | None:
        with self._lock:
            return self._seen.get((actor, product_id))


@dataclass
class Tool:
    name: str
    description: str
    input_schema: dict
    capability: str | None = None  # the UCP capability it serves (None: ours)


@dataclass
class AgentStore:
    """The tools over one `Services` (assistant/services.py)."""

    services: Any
    base_url: str | None = None  # None: settings.base_url (the HTTP server passes the address agents used)
    recent: RecentShown = field(default_factory=RecentShown)  # shared by the stores of one server
    tools: dict[str, Tool] = field(init=False)
    _store_currency: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.tools = {tool.name: tool for tool in TOOLS}

    @property
    def settings(self):
        return self.services.settings

    def base(self) -> str:
        return (self.base_url or self.settings.base_url).rstrip("/")

    # ------------------------------------------------------------------ dispatch

    def call(self, name: str, arguments: dict | None, caller: AgentCaller) -> dict:
        """The tool's structured result; raises InvalidArguments, or KeyError for an unknown tool."""
        handler = getattr(self, f"_{name}") if name in self.tools else None
        if handler is None:
            raise KeyError(name)
        arguments = dict(arguments or {})
        meta = arguments.pop("meta", None)
        if meta is not None:
            problems = _meta_errors(meta)
            if problems:
                raise InvalidArguments(problems)
            profile = meta.get("ucp-agent", {}).get("profile")
            caller.profile = caller.profile or profile
        log.info("agent tool call %s from %s (profile %s)", name, caller.client_id, caller.profile or "none")
        return handler(arguments, caller)

    # ------------------------------------------------------------------ catalog

    def _search_catalog(self, arguments: dict, caller: AgentCaller) -> dict:
        catalog = _object(arguments, "catalog", required=False)
        _check("shopping/catalog_search.json#/$defs/search_request", catalog, "catalog")
        query = (catalog.get("query") or "").strip()
        filters = catalog.get("filters") or {}
        categories = [c.strip() for c in filters.get("categories") or [] if isinstance(c, str) and c.strip()]
        brands = _brands(filters)
        available = _available(filters)
        price = filters.get("price") or {}
        limit = (catalog.get("pagination") or {}).get("limit", 10)
        cursor = (catalog.get("pagination") or {}).get("cursor")
        problems = []
        if len(query) > MAX_QUERY_CHARS:
            problems.append(("catalog.query", f"longer than {MAX_QUERY_CHARS} characters"))
        if len(categories) > MAX_CATEGORIES:
            problems.append(("catalog.filters.categories", f"at most {MAX_CATEGORIES} categories"))
        if not query and not categories and not brands:
            problems.append(("catalog.query", "give a query, or a categories or brand filter to browse"))
        if price.get("min") is not None and price.get("max") is not None and price["min"] > price["max"]:
            problems.append(("catalog.filters.price.min", "must not be more than filters.price.max"))
        seen = _decode_cursor(cursor, problems)
        if problems:
            raise InvalidArguments(problems)
        currency = self._currency()
        messages = []
        asked_currency = ((catalog.get("context") or {}).get("currency") or "").upper()
        if price and asked_currency and asked_currency != currency:
            messages.append(warning("currency_mismatch", f"price filter read in {currency}, the store's currency "
                                                         f"(the request's context says {asked_currency})",
                                    "$.filters.price"))
        page = min(int(limit), MAX_PAGE)
        if int(limit) > MAX_PAGE:
            messages.append(info("limit_clamped", f"pages hold at most {MAX_PAGE} products"))
        shop = self._shop(log_searches=False)
        found: list[Product] = []
        # One search per category (UCP's categories are any-of); a query alone searches the whole catalog.
        for category in categories or [None]:
            args = SearchProductsArgs(
                query=query or category or " ".join(brands), k=MAX_PAGE, exclude_ids=seen,
                min_price=major(price["min"], currency) if price.get("min") is not None else None,
                max_price=major(price["max"], currency) if price.get("max") is not None else None,
                brand=brands, category=category, whole_category=bool(category and not query),
                browse=not query)
            results = search_products(shop, args)
            for card in results.products:
                product = shop.search.get_product(card.id)
                if product is None or any(p.id == product.id for p in found):
                    continue
                if available is not None and product.in_stock != available:
                    continue
                if not has_price(product):
                    continue  # UCP products need a price; one the feed does not state cannot be offered
                found.append(product)
        shown = found[:page]
        seen_now = [*seen, *(p.id for p in shown)]
        more = len(found) > page or (len(shown) == page and len(seen_now) < MAX_SEEN)
        pagination: dict = {"has_next_page": bool(more and len(seen_now) < MAX_SEEN)}
        if pagination["has_next_page"]:
            pagination["cursor"] = _encode_cursor(seen_now)
        query_id = self._log_search(caller, query, shown, {
            "categories": categories, "brand": brands, "available": available,
            "min_price": price.get("min"), "max_price": price.get("max"), "page": len(seen) // max(page, 1) + 1})
        body = {"ucp": envelope(SEARCH), "products": [ucp_product(p, self.base()) for p in shown],
                "pagination": pagination}
        if messages:
            body["messages"] = messages
        body["metadata"] = {"query_id": query_id} if query_id else {}
        return _drop_empty(body, "metadata")

    def _lookup_catalog(self, arguments: dict, caller: AgentCaller) -> dict:
        catalog = _object(arguments, "catalog")
        _check("shopping/catalog_lookup.json#/$defs/lookup_request", catalog, "catalog")
        ids = catalog["ids"]
        if len(ids) > MAX_LOOKUP_IDS:
            raise InvalidArguments([("catalog.ids", f"at most {MAX_LOOKUP_IDS} identifiers per call, got {len(ids)}")])
        products, messages = [], []
        for wanted in ids:
            product, match = self._resolve(wanted)
            if product is None:
                messages.append(info("not_found", wanted))
                continue
            if not has_price(product):
                messages.append(info("not_found", f"{wanted}: no price in the catalog"))
                continue
            existing = next((p for p in products if p["id"] == product.id), None)
            if existing is None:
                existing = ucp_product(product, self.base())
                existing["variants"][0]["inputs"] = []
                products.append(existing)
            existing["variants"][0]["inputs"].append({"id": wanted, "match": match})
        self._log_views(caller, "lookup_catalog", [p["id"] for p in products])
        body = {"ucp": envelope(LOOKUP), "products": products}
        if messages:
            body["messages"] = messages
        return body

    def _get_product(self, arguments: dict, caller: AgentCaller) -> dict:
        catalog = _object(arguments, "catalog")
        _check("shopping/catalog_lookup.json#/$defs/get_product_request", catalog, "catalog")
        product, _ = self._resolve(catalog["id"])
        if product is None or not has_price(product):
            return error_response("not_found", f"Product not found: {catalog['id']}", LOOKUP)
        self._log_views(caller, "get_product", [product.id])
        item = ucp_product(product, self.base())
        selected = [s for s in catalog.get("selected") or []
                    if any(o["name"].lower() == str(s.get("name", "")).lower() for o in item.get("options", []))]
        item["selected"] = selected
        for option in item.get("options", []):
            for value in option["values"]:
                value.update({"available": product.in_stock, "exists": True})
        return {"ucp": envelope(LOOKUP), "product": item}

    def _resolve(self, wanted: str) -> tuple[Product | None, str]:
        """The product an identifier names (product and variant ids are the same here: one variant each)."""
        product = self.services.search.get_product(wanted) if wanted.strip() else None
        if product is not None:
            return product, "exact"
        return None, "exact"

    # ------------------------------------------------------------------ policies

    def _search_shop_policies_and_faqs(self, arguments: dict, caller: AgentCaller) -> dict:
        query = arguments.get("query")
        context = arguments.get("context")
        problems = []
        if not isinstance(query, str) or not query.strip():
            problems.append(("query", "required: the shopper's question, e.g. 'how long do refunds take'"))
        elif len(query) > MAX_QUERY_CHARS:
            problems.append(("query", f"longer than {MAX_QUERY_CHARS} characters"))
        if context is not None and (not isinstance(context, str) or len(context) > 1000):
            problems.append(("context", "a string of at most 1000 characters, if given"))
        problems += [(k, "unknown argument") for k in arguments if k not in ("query", "context")]
        if problems:
            raise InvalidArguments(problems)
        found = lookup_policy(self._shop(), query, 3)
        self._log_query(caller, "search_shop_policies_and_faqs", query, [], {"passages": len(found.passages)})
        return {"query": query, "passages": [
            {"source": p.source, "title": p.title, "text": p.text} for p in found.passages],
            "answered": bool(found.passages),
            "contact": None if found.passages else found.contact,
            "note": "Quote these passages of the store's own policies; they are the whole answer. With no passage, "
                    "the policies do not cover the question: point the shopper to `contact`."}

    # ------------------------------------------------------------------ cart

    def _create_cart(self, arguments: dict, caller: AgentCaller) -> dict:
        cart = _object(arguments, "cart")
        _check("shopping/cart.json", cart, "cart", request="create")
        lines = self._lines(cart)
        session = Session(id=new_session_id())
        messages = self._fill(session, lines)
        if not session.cart.lines:
            return error_response("out_of_stock" if any(m.get("code") == "out_of_stock" for m in messages)
                                  else "item_unavailable",
                                  "None of the requested items can be bought: "
                                  + "; ".join(m["content"] for m in messages), CART,
                                  continue_url=self.base() + "/")
        self.services.sessions.save(session)
        self._log_cart(caller, "create_cart", session, lines)
        return self._cart_body(session, messages)

    def _get_cart(self, arguments: dict, caller: AgentCaller) -> dict:
        session = self._stored(arguments)
        if session is None:
            return _cart_not_found(self.base())
        self._log_query(caller, "get_cart", "", [], {"cart": True}, session.id)
        return self._cart_body(session)

    def _update_cart(self, arguments: dict, caller: AgentCaller) -> dict:
        cart = _object(arguments, "cart")
        _check("shopping/cart.json", cart, "cart", request="update")
        lines = self._lines(cart, empty_ok=True)  # no line items: an empty cart
        session = self._stored(arguments)
        if session is None:
            return _cart_not_found(self.base())
        session.clear_cart()  # line items are a full replacement on update
        messages = self._fill(session, lines)
        self.services.sessions.save(session)
        self._log_cart(caller, "update_cart", session, lines)
        return self._cart_body(session, messages)

    def _cancel_cart(self, arguments: dict, caller: AgentCaller) -> dict:
        session = self._stored(arguments)
        if session is None:
            return _cart_not_found(self.base())
        body = self._cart_body(session, [info("canceled", "the cart was canceled; its id no longer opens it")])
        self.services.sessions.delete(session.id)
        self._log_query(caller, "cancel_cart", "", [], {"cart": True}, session.id)
        return body

    def _stored(self, arguments: dict) -> Session | None:
        cart_id = arguments.get("id")
        if not isinstance(cart_id, str) or not cart_id.strip():
            raise InvalidArguments([("id", "required: the cart's id, as create_cart returned it")])
        if len(cart_id) > 128:
            raise InvalidArguments([("id", "longer than 128 characters")])
        return self.services.sessions.get(cart_id) if is_issued_id(cart_id) else None

    def _lines(self, cart: dict, empty_ok: bool = False) -> list[tuple[str, int]]:
        items = cart["line_items"]
        if not items and not empty_ok:
            raise InvalidArguments([("cart.line_items", "give at least one line item")])
        if len(items) > MAX_CART_LINES:
            raise InvalidArguments([("cart.line_items", f"at most {MAX_CART_LINES} line items")])
        lines: dict[str, int] = {}
        for index, line in enumerate(items):
            quantity = line.get("quantity", 1)
            if quantity > 99:
                raise InvalidArguments([(f"cart.line_items.{index}.quantity", "must be at most 99")])
            item_id = line["item"]["id"]
            lines[item_id] = min(99, lines.get(item_id, 0) + quantity)
        return list(lines.items())

    def _fill(self, session: Session, lines: list[tuple[str, int]]) -> list[dict]:
        """Add each line through the session's own methods; what cannot be added becomes a message."""
        messages = []
        for index, (item_id, quantity) in enumerate(lines):
            path = f"$.line_items[{index}]"
            product, _ = self._resolve(item_id)
            if product is None:
                messages.append(warning("not_found", f"no product {item_id!r} in the catalog; left out", path))
            elif not product.in_stock:
                messages.append(warning("out_of_stock", f"{product.title} is out of stock; left out", path))
            elif product.price is None:
                messages.append(warning("item_unavailable", f"{product.title} has no price; left out", path))
            else:
                session.add_to_cart(product, quantity)
        return messages

    def _cart_body(self, session: Session, messages: list[dict] | None = None) -> dict:
        images = {}
        for line in session.cart.lines:
            product = self.services.search.get_product(line.product_id)
            images[line.product_id] = absolute(product.image_url, self.base()) if product else None
        url = continue_url(self.settings.checkout_url_template, self.base(), session.id)
        return ucp_cart(session.id, session.cart, images, url, expiry(self.settings.session_ttl_minutes), messages)

    # ------------------------------------------------------------------ the assistant

    def _ask_shop_assistant(self, arguments: dict, caller: AgentCaller) -> dict:
        message = arguments.get("message")
        session_id = arguments.get("session_id")
        problems = []
        if not isinstance(message, str) or not message.strip():
            problems.append(("message", "required: what the shopper wants, in their words"))
        if session_id is not None and (not isinstance(session_id, str) or not session_id.strip()):
            problems.append(("session_id", "a session id an earlier answer returned, if given"))
        problems += [(k, "unknown argument") for k in arguments if k not in ("message", "session_id")]
        if problems:
            raise InvalidArguments(problems)
        try:
            request = ChatRequest(message=message, session_id=session_id)
        except ValidationError as exc:
            raise InvalidArguments([(".".join(map(str, e["loc"])) or "message", e["msg"])
                                    for e in exc.errors()]) from None
        response = self.services.chat.turn(request, search_marks={
            "traffic": "agent", "tool": "ask_shop_assistant", "agent_client": caller.client_id})
        self._log_query(caller, "ask_shop_assistant", message, [], {"reply_products": len(response.products)},
                        response.session_id, hit_ids=[card.id for card in response.products])
        body: dict = {
            "session_id": response.session_id, "reply": response.reply,
            "products": [_card(card, self.base()) for card in response.products],
            "note": "The reply is grounded in the catalog and the store's policies. Send session_id back to "
                    "continue the conversation; it is also the id of the session's cart (get_cart, update_cart).",
        }
        if response.policies:
            body["policies"] = [{"source": p.source, "title": p.title, "text": p.text} for p in response.policies]
        if response.cart is not None and response.cart.lines:
            body["cart"] = self._cart_body(self.services.sessions.get(response.session_id)
                                           or Session(id=response.session_id, cart=response.cart))
        return body

    # ------------------------------------------------------------------ events

    def _shop(self, log_searches: bool = True) -> Shop:
        return Shop(search=self.services.search, policies=self.services.policies, events=self.services.events,
                    log_searches=log_searches)

    def _currency(self) -> str:
        """The store's currency (a product's), which UCP price filters are read in."""
        if self._store_currency is None:
            try:
                hits = self.services.search.search(SearchRequest(query="product", k=1)).results
            except Exception:  # noqa: BLE001 - an empty or missing catalog: the default currency
                hits = []
            self._store_currency = currency_code(hits[0].currency) if hits else "USD"
        return self._store_currency

    def _log_search(self, caller: AgentCaller, text: str, products: list[Product], attributes: dict) -> str | None:
        """A search as the shoppers' are logged: a query event the server issued (to the agent's address, or to
        the agent when the transport has none), and an impression per product shown; then remembered, so what
        the agent does next with a product counts for this search."""
        query_id = self._log_query(caller, "search_catalog", text, products, attributes, issue=True)
        if query_id is None:
            return None
        ids = [p.id for p in products]
        now = datetime.now(timezone.utc)
        self._store([InteractionEvent(type="interaction", event_id=uuid.uuid4().hex, action_name="impression",
                                      query_id=query_id, object_id=pid, position=rank, client_id=caller.client_id,
                                      session_id=caller.session, timestamp=now)
                     for rank, pid in enumerate(ids, start=1)])
        self.recent.remember(caller.actor, query_id, ids, caller.session)
        return query_id

    def _log_query(self, caller: AgentCaller, tool: str, text: str, products: list[Product],
                   attributes: dict, session_id: str | None = None, hit_ids: list[str] | None = None,
                   issue: bool = False) -> str | None:
        """One UBI query event per tool call, marked as agent traffic (`issue`: as a search this server ran)."""
        query_id = uuid.uuid4().hex
        event = QueryEvent(
            type="query", event_id=query_id, query_id=query_id, client_id=caller.client_id,
            session_id=session_id or caller.session, user_query=text[:1000], timestamp=datetime.now(timezone.utc),
            query_attributes={"traffic": "agent", "tool": tool, "transport": caller.transport,
                              "agent_profile": caller.profile,
                              **{k: v for k, v in attributes.items() if v not in (None, [], "")}},
            query_response_hit_ids=hit_ids if hit_ids is not None else [p.id for p in products])
        if issue:
            try:
                self.services.events.issue([event], client_key=client_key(caller.address) or caller.client_id)
                return query_id
            except Exception:  # noqa: BLE001 - logging never fails the agent's call
                log.warning("could not log the agent's search", exc_info=True)
                return None
        return query_id if self._store([event]) else None

    def _log_views(self, caller: AgentCaller, tool: str, product_ids: list[str]) -> None:
        query_id = self._log_query(caller, tool, " ".join(product_ids)[:1000], [], {}, hit_ids=product_ids)
        self._log_actions(caller, "click", query_id, product_ids, caller.session)

    def _log_cart(self, caller: AgentCaller, tool: str, session: Session, lines: list[tuple[str, int]]) -> None:
        ids = [line.product_id for line in session.cart.lines]
        query_id = self._log_query(caller, tool, "", [], {"cart": True, "lines": len(lines)}, session.id, ids)
        self._log_actions(caller, "add_to_cart", query_id, ids, session.id)

    def _log_actions(self, caller: AgentCaller, action: str, query_id: str | None, product_ids: list[str],
                     session_id: str | None) -> None:
        """`action` on each product: on the agent's search that showed it when there is one (a click or cart the
        ranker can learn from), else on this call's own query event (visible, not a search's outcome)."""
        now = datetime.now(timezone.utc)
        events = []
        for rank, pid in enumerate(product_ids, start=1):
            shown = self.recent.find(caller.actor, pid)
            target, position, session = shown if shown else (query_id, rank, session_id)
            if target is None:
                continue  # this call's query event could not be stored
            events.append(InteractionEvent(type="interaction", event_id=uuid.uuid4().hex, action_name=action,
                                           query_id=target, object_id=pid, position=position,
                                           client_id=caller.client_id, session_id=session, timestamp=now))
        self._store(events)

    def _store(self, events: list) -> bool:
        if not events:
            return True
        try:
            self.services.events.add(events)
            return True
        except Exception:  # noqa: BLE001 - logging never fails the agent's call
            log.warning("could not log the agent's events", exc_info=True)
            return False


# ---------------------------------------------------------------------- helpers


def _card(card, base_url: str) -> dict:
    """A product card of the assistant's reply, its values from the catalog (price in major units, as shown)."""
    return {"id": card.id, "title": card.title, "price": card.price, "currency": card.currency,
            "brand": card.brand, "in_stock": card.in_stock, "rating": card.rating,
            "review_count": card.review_count, "url": absolute(card.url, base_url),
            "image_url": absolute(card.image_url, base_url), "reasons": card.reasons}


def _cart_not_found(base_url: str) -> dict:
    return error_response("not_found", "Cart not found or has expired", CART, continue_url=base_url + "/")


def _object(arguments: dict, name: str, required: bool = True) -> dict:
    value = arguments.get(name)
    if value is None and not required:
        value = {}
    if not isinstance(value, dict):
        raise InvalidArguments([(name, "required: an object" if value is None else "must be an object")])
    return value


def _check(ref: str, instance: dict, name: str, request: str | None = None) -> None:
    problems = errors(ref, instance, name, request)
    if problems:
        raise InvalidArguments(problems)


def _meta_errors(meta: Any) -> list[tuple[str, str]]:
    if not isinstance(meta, dict):
        return [("meta", "must be an object")]
    agent = meta.get("ucp-agent")
    if agent is None:
        return []
    if not isinstance(agent, dict) or not isinstance(agent.get("profile"), str) or not agent["profile"].strip():
        return [("meta.ucp-agent.profile", "required: the URL of the agent's UCP profile")]
    parts = urlsplit(agent["profile"])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [("meta.ucp-agent.profile", "must be an http(s) URL")]
    return []


def _brands(filters: dict) -> list[str]:
    raw = filters.get("brand", filters.get("brands"))
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise InvalidArguments([("catalog.filters.brand", "a brand name or a list of brand names")])
    return [v.strip() for v in values][:10]


def _available(filters: dict) -> bool | None:
    if "available" in filters:
        value = filters["available"]
        if not isinstance(value, bool):
            raise InvalidArguments([("catalog.filters.available", "must be true or false")])
        return value
    if "availability" in filters:
        value = filters["availability"]
        if value not in ("in_stock", "out_of_stock"):
            raise InvalidArguments([("catalog.filters.availability", "must be 'in_stock' or 'out_of_stock'")])
        return value == "in_stock"
    return None


def _encode_cursor(seen: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(seen, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str | None, problems: list) -> list[str]:
    if cursor is None:
        return []
    try:
        seen = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(seen, list) and all(isinstance(s, str) for s in seen) and len(seen) <= MAX_SEEN:
            return seen
    except ValueError:
        pass
    problems.append(("catalog.pagination.cursor", "not a cursor this store returned"))
    return []


def _drop_empty(body: dict, *names: str) -> dict:
    for name in names:
        if not body.get(name):
            body.pop(name, None)
    return body


def _tool(name: str, description: str, properties: dict, required: list[str], capability: str | None = None) -> Tool:
    schema = {"type": "object", "properties": {"meta": META_SCHEMA, **properties}, "required": required}
    return Tool(name, description, schema, capability)


META_SCHEMA = {
    "type": "object", "description": "UCP request metadata: meta['ucp-agent'].profile is the URL of the calling "
                                     "agent's UCP profile.",
    "properties": {"ucp-agent": {"type": "object", "properties": {"profile": {"type": "string", "format": "uri"}},
                                 "required": ["profile"]},
                   "idempotency-key": {"type": "string"}},
}
PRICE_FILTER = {"type": "object", "description": "Price range in minor units of the store's currency (cents): "
                                                 "{\"max\": 15000} is at most 150.00.",
                "properties": {"min": {"type": "integer", "minimum": 0}, "max": {"type": "integer", "minimum": 0}}}
LINE_ITEMS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["item", "quantity"],
    "properties": {"item": {"type": "object", "required": ["id"],
                            "properties": {"id": {"type": "string", "description": "A product (variant) id from "
                                                                                   "search_catalog or lookup_catalog."}}},
                   "quantity": {"type": "integer", "minimum": 1, "maximum": 99}}}}
CART_ID = {"type": "string", "description": "The cart's id, as create_cart returned it."}
CONTEXT = {"type": "object", "description": "Buyer signals: address_country, currency, intent, language ...",
           "additionalProperties": True}

TOOLS = [
    _tool("search_catalog",
          "Search the store's catalog (UCP catalog search). The store's own hybrid search and ranker; filters are "
          "hard: price in minor units, categories (any of), brand (one or a list), available (in stock). Returns "
          "products with ids, prices (minor units) and links; page on with pagination.cursor.",
          {"catalog": {"type": "object", "properties": {
              "query": {"type": "string", "description": "What the shopper wants, e.g. 'waterproof hiking boots'."},
              "context": CONTEXT,
              "filters": {"type": "object", "properties": {
                  "categories": {"type": "array", "items": {"type": "string"}},
                  "price": PRICE_FILTER,
                  "brand": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                  "available": {"type": "boolean", "description": "true: only products in stock."}},
                  "additionalProperties": True},
              "pagination": {"type": "object", "properties": {"cursor": {"type": "string"},
                                                               "limit": {"type": "integer", "minimum": 1,
                                                                         "default": 10}}}}}},
          ["catalog"], SEARCH),
    _tool("lookup_catalog",
          "Look up products by id (UCP catalog lookup): up to 50 ids; unknown ids are reported in messages.",
          {"catalog": {"type": "object", "required": ["ids"], "properties": {
              "ids": {"type": "array", "minItems": 1, "items": {"type": "string"}}, "context": CONTEXT}}},
          ["catalog"], LOOKUP),
    _tool("get_product",
          "Full detail of one product (UCP get_product): description, options, price, availability, rating.",
          {"catalog": {"type": "object", "required": ["id"], "properties": {
              "id": {"type": "string"},
              "selected": {"type": "array", "items": {"type": "object", "properties": {
                  "name": {"type": "string"}, "label": {"type": "string"}}}},
              "context": CONTEXT}}},
          ["catalog"], LOOKUP),
    _tool("create_cart",
          "Create a cart with line items (UCP cart). Returns the cart with its id, totals in minor units and "
          "continue_url, where the shopper checks out in the store (payment happens there, not here).",
          {"cart": {"type": "object", "required": ["line_items"], "properties": {
              "line_items": LINE_ITEMS, "context": CONTEXT}}},
          ["cart"], CART),
    _tool("get_cart", "The cart with this id (UCP cart).", {"id": CART_ID}, ["id"], CART),
    _tool("update_cart", "Replace the cart's line items (UCP cart: a full replacement).",
          {"id": CART_ID, "cart": {"type": "object", "required": ["line_items"], "properties": {
              "line_items": LINE_ITEMS, "context": CONTEXT}}},
          ["id", "cart"], CART),
    _tool("cancel_cart", "Cancel the cart: returns it as it was; its id no longer opens it.", {"id": CART_ID},
          ["id"], CART),
    _tool("search_shop_policies_and_faqs",
          "The store's own policy and FAQ passages (returns, refunds, shipping, warranty, payment) that answer a "
          "question, quoted as written. No passage: the policies do not cover it; `contact` says how to ask.",
          {"query": {"type": "string", "description": "The question, e.g. 'how long do refunds take?'"},
           "context": {"type": "string", "description": "Optional background, e.g. the product concerned."}},
          ["query"]),
    _tool("ask_shop_assistant",
          "One turn of the store's own shopping assistant: understands the request, searches the catalog and "
          "answers with product cards and a reply grounded in the catalog and policies. Send session_id back to "
          "continue ('cheaper', 'the second one', 'add it to my cart').",
          {"message": {"type": "string", "description": "What the shopper wants, in their words."},
           "session_id": {"type": "string", "description": "From an earlier answer, to continue the conversation."}},
          ["message"]),
]

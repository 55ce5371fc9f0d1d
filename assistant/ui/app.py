"""The Gradio app at /ui. It calls the app's ChatService in-process, not the HTTP API.

The Shop tab is public (what a shopper may do anyway); the Copilot tab is a staff door: it opens with a staff
(or admin) key, checked again on every suggestion, so a key revoked while the page is open stops working."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from fastapi import FastAPI
from pydantic import ValidationError

from assistant.chat.models import (ChatRequest, ConversationTurn, CopilotRequest, DoneEvent, ErrorEvent,
                                   ProductsEvent, TokenEvent)
from assistant.chat.service import ChatService
from assistant.keys import KeyStore

from .render import policy_passages, product_cards

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: it reads it then

import gradio as gr  # noqa: E402

SHOP_EXAMPLES = ["Waterproof hiking boots under $150", "A gift for a 5 year old who likes building things",
                 "What is your return policy for shoes?"]
COPILOT_EXAMPLE = ("Customer: Hi, I need a waterproof tent for 4 people, under $300.\n"
                   "Agent: Happy to help! Any brand you prefer?\n"
                   "Customer: Not really. Can I return it if it leaks on the first trip?")
ROLES = {"customer": "customer", "shopper": "customer", "agent": "agent", "staff": "agent", "support": "agent"}
ROLE_PREFIX = re.compile(r"^\s*(\w+)\s*:\s*(.*)$")

CSS = """
.sa-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.sa-card{border:1px solid var(--border-color-primary);border-radius:12px;overflow:hidden;background:var(--background-fill-primary);display:flex;flex-direction:column;text-align:left}
.sa-img{position:relative;aspect-ratio:4/3;display:grid;place-items:center;padding:8px;text-align:center;font:700 13px/1.3 system-ui,sans-serif;letter-spacing:.12em;text-transform:uppercase}
.sa-photo{position:absolute;inset:0;background:center/cover no-repeat}
.sa-body{padding:9px 10px 10px;display:flex;flex-direction:column;gap:3px;font-size:14px}
.sa-brand{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--body-text-color-subdued)}
.sa-title{font-weight:600;color:inherit !important;text-decoration:none;text-align:left;padding:0 !important}
.sa-price{font-weight:700;font-size:15px}
.sa-rating{font-size:12px;color:var(--body-text-color-subdued)}.sa-rating b{color:#c98a06}
.sa-reasons{list-style:none;margin:2px 0 !important;padding:0 !important;display:flex;flex-wrap:wrap;gap:4px}
.sa-reasons li{margin:0 !important;background:#eaf3ef;color:#1f5f4a;border-radius:6px;padding:1px 6px;font-size:11px}
.sa-meta{font-size:11px;color:var(--body-text-color-subdued)}
.sa-policy{margin:0 0 10px !important;padding:8px 12px;border-left:4px solid #1f5f4a;background:var(--background-fill-secondary);white-space:pre-wrap;font-size:14px}
.sa-source{font-weight:600;font-size:12px;margin-bottom:4px}
.sa-empty{color:var(--body-text-color-subdued)}
"""


def parse_conversation(text: str) -> list[ConversationTurn]:
    """'Customer: ...' / 'Agent: ...' lines into turns; unprefixed lines continue the turn before them.

    Text before any prefix is the customer's (a pasted single message).
    """
    turns: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        match = ROLE_PREFIX.match(line)
        if match and match.group(1).lower() in ROLES:
            turns.append((ROLES[match.group(1).lower()], [match.group(2)]))
        elif line.strip():
            if not turns:
                turns.append(("customer", []))
            turns[-1][1].append(line.strip())
    return [ConversationTurn(role=role, text="\n".join(lines).strip()) for role, lines in turns
            if "".join(lines).strip()]


def staff_key_error(keys: KeyStore, key: str | None) -> str | None:
    """Why `key` does not open the Copilot tab (None when it does)."""
    record = keys.check(key.strip()) if key and key.strip() else None
    if record is None:
        return "Enter a valid staff key (shopassist keys create --role staff; `make run` prints one)."
    if not record.allows("staff"):
        return f"A {record.role} key cannot open the Copilot: it needs a staff key."
    return None


def build_ui(chat: Callable[[], ChatService], keys: Callable[[], KeyStore]) -> gr.Blocks:
    """`chat`, `keys`: the running app's ChatService and key store (built at start-up, after the UI)."""

    def shop_turn(message: str, history: list[dict], session_id: str | None):
        if not message.strip():
            return
        try:
            request = ChatRequest(message=message, session_id=session_id or None, stream=True)
        except ValidationError as exc:
            raise gr.Error(f"That message cannot be sent: {exc.errors()[0]['msg']}") from exc
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        gallery = gr.skip()
        yield history, gallery, session_id, ""
        for event in chat().stream(request):
            if isinstance(event, ProductsEvent):
                gallery = product_cards(event.products)
            elif isinstance(event, TokenEvent):
                history[-1]["content"] += event.text
            elif isinstance(event, DoneEvent):
                # The grounding check may have repaired the streamed text: the final reply is the one to keep.
                history[-1]["content"] = event.response.reply
                gallery, session_id = product_cards(event.response.products), event.response.session_id
            elif isinstance(event, ErrorEvent):
                history[-1]["content"] = f"Sorry, something went wrong: {event.detail}"
            yield history, gallery, session_id, ""

    def sign_in(key: str):
        # The refusal is a message, not a gr.Error: an error would cover the key box until it is dismissed.
        error = staff_key_error(keys(), key)
        if error:
            return None, gr.skip(), gr.skip(), gr.skip(), f"**{error}**"
        return key.strip(), gr.update(visible=False), gr.update(visible=True), "", ""

    def copilot(conversation: str, staff_key: str | None):
        error = staff_key_error(keys(), staff_key)  # checked on every call: the session's key may be revoked
        if error:
            raise gr.Error(error)
        turns = parse_conversation(conversation)
        if not turns:
            raise gr.Error("Paste or type the conversation first (lines starting 'Customer:' or 'Agent:').")
        try:
            request = CopilotRequest(conversation=turns)
        except ValidationError as exc:
            raise gr.Error(f"That conversation cannot be used: {exc.errors()[0]['msg']}") from exc
        suggestion = chat().suggest(request)
        # Only what was understood (plus the action, whose default is meaningful too): easier to read.
        intent = {"action": suggestion.intent.action,
                  **suggestion.intent.model_dump(mode="json", exclude_defaults=True)}
        return (suggestion.reply, intent, product_cards(suggestion.products, "No product fits this conversation."),
                policy_passages(suggestion.policies))

    with gr.Blocks(title="shopassist") as blocks:
        gr.Markdown("## shopassist\nThe shopping assistant over this store's catalog. **Shop**: chat as a shopper. "
                    "**Copilot**: draft grounded replies for customer-service conversations.")
        with gr.Tab("Shop"):
            session = gr.State(None)
            with gr.Row(equal_height=False):
                with gr.Column(scale=5):
                    chatbot = gr.Chatbot(label="Conversation", height=480, buttons=["copy"],
                                         placeholder="Ask for a product, a gift idea, or a store policy.")
                    with gr.Row():
                        message = gr.Textbox(show_label=False, placeholder="What are you looking for?",
                                             scale=5, container=False, max_length=2000)
                        ask = gr.Button("Send", variant="primary", scale=1, min_width=80)
                    gr.Examples(SHOP_EXAMPLES, inputs=message, label="Try")
                with gr.Column(scale=6):
                    gallery = gr.HTML(product_cards([]), label="Products", elem_id="shop-products")
            for trigger in (message.submit, ask.click):
                trigger(shop_turn, [message, chatbot, session], [chatbot, gallery, session, message])
        with gr.Tab("Copilot"):
            staff_key = gr.State(None)  # kept on the server, per browser session
            with gr.Row(elem_id="copilot-login") as login:
                key_box = gr.Textbox(label="Staff key", type="password", placeholder="sa_staff_...", scale=4,
                                     elem_id="copilot-key")
                sign_in_button = gr.Button("Sign in", variant="primary", scale=1, elem_id="copilot-sign-in")
            login_status = gr.Markdown("", elem_id="copilot-login-status")
            with gr.Row(equal_height=False, visible=False) as desk:
                with gr.Column(scale=5):
                    conversation = gr.Textbox(label="Customer conversation", lines=10, max_lines=30,
                                              placeholder=COPILOT_EXAMPLE, elem_id="copilot-conversation")
                    suggest = gr.Button("Suggest a reply", variant="primary")
                    gr.Examples([COPILOT_EXAMPLE], inputs=conversation, label="Example")
                    intent = gr.JSON(label="Parsed intent", elem_id="copilot-intent")
                    gr.Markdown("**Relevant policy passages**")
                    policies = gr.HTML('<p class="sa-empty">Policy passages appear here.</p>',
                                       elem_id="copilot-policies")
                with gr.Column(scale=7):
                    reply = gr.Textbox(label="Suggested reply (edit, then copy)", lines=5, max_lines=12,
                                       interactive=True, buttons=["copy"], elem_id="copilot-reply")
                    gr.Markdown("**Candidate products**")
                    products = gr.HTML(product_cards([], "Candidate products appear here."), elem_id="copilot-products")
            for trigger in (key_box.submit, sign_in_button.click):
                trigger(sign_in, key_box, [staff_key, login, desk, key_box, login_status], show_progress="hidden")
            suggest.click(copilot, [conversation, staff_key], [reply, intent, products, policies])
    return blocks


def mount_ui(app: FastAPI, chat: Callable[[], ChatService], keys: Callable[[], KeyStore]) -> FastAPI:
    # No SSR (it needs Node), no run history on disk; the default theme's fonts ship with gradio (offline).
    return gr.mount_gradio_app(app, build_ui(chat, keys), path="/ui", ssr_mode=False, run_history=False,
                               footer_links=["settings"], css=CSS,
                               theme=gr.themes.Default(primary_hue="emerald", secondary_hue="stone"))

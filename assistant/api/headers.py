"""Security headers on every response, and a Content-Security-Policy on every page.

- Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: strict-origin-when-cross-origin`.
- Every HTML page (the home page, /demo and its product pages, the Gradio UI at /ui, /docs): a CSP and
  `X-Frame-Options: DENY` (with `frame-ancestors 'none'`): no page of ours may be framed. The widget is
  embedded by a script tag on the shop's own page, never an iframe, so this costs it nothing.

The CSP allows no inline script except the page's own (and eval only on /ui, for Gradio): each HTML response gets a fresh nonce, written into its
`<script>` tags (ours are static files; Gradio and Swagger build theirs, config included, per request), and
`'strict-dynamic'` lets those scripts load the modules they import. A `<script>` smuggled in through catalog
text cannot run: it is escaped (`&lt;script&gt;`) where a page shows it, so it never gets the nonce, and the
front ends render catalog text as text. Styles may be inline (the widget styles its shadow root, Gradio its
components); images may come from any https host (product photos).

A plain ASGI middleware: streamed responses (SSE) pass untouched; only HTML bodies are read to add the nonce.
"""

from __future__ import annotations

import re
import secrets

ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]
CSP = ("default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'self'{eval}; "
       "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' https: data: blob:; "
       "font-src 'self' data:; connect-src 'self'; media-src 'self' data: blob:; worker-src 'self' blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Gradio's HTML component renders its templates through `new Function`: the staff UI needs 'unsafe-eval' (it
# still runs no inline script without the nonce). Nothing else does.
EVAL_PATHS = ("/ui",)
SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start: dict | None = None
        body: list[bytes] = []

        async def send_with_headers(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in dict(ALWAYS)]
                message = {**message, "headers": headers + ALWAYS}
                content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    start = message  # held until the body is complete: the nonce goes into it
                    return
                return await send(message)
            if message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_page(send, start, b"".join(body), scope["path"].startswith(EVAL_PATHS))
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_page(send, start: dict, body: bytes, allow_eval: bool) -> None:
    nonce = secrets.token_urlsafe(18)
    body = SCRIPT_TAG.sub(b'<script nonce="' + nonce.encode() + b'"', body)
    headers = [(k, v) for k, v in start["headers"] if k.lower() not in (b"content-length",
                                                                         b"content-security-policy",
                                                                         b"x-frame-options")]
    headers += [(b"content-length", str(len(body)).encode()),
                (b"content-security-policy", CSP.format(nonce=nonce, eval=" 'unsafe-eval'" * allow_eval).encode()),
                (b"x-frame-options", b"DENY")]
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})

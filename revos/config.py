"""Settings: where the database is, which backend talks to it, and the secrets it needs.

Every setting is read from the environment first and `.streamlit/secrets.toml` second, so a
deployment can override a checked-in-looking file without editing it. With nothing set, the
app runs on the embedded PostgreSQL server and generates its own secrets (see `embedded.py`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

SECRETS_FILE = Path(".streamlit") / "secrets.toml"

SETTING_NAMES = (
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_JWT_SECRET",
    "DATABASE_URL",
    "GATEWAY_DATABASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "COOKIE_NAME",
    "COOKIE_KEY",
    "COOKIE_EXPIRY_DAYS",
    "REVOS_DATA_DIR",
    "REVOS_READ_CACHE_SECONDS",
)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class BackendKind(StrEnum):
    EMBEDDED = "embedded"
    POSTGRES = "postgres"
    SUPABASE = "supabase"


@dataclass(frozen=True)
class Settings:
    backend: BackendKind
    database_url: str | None
    gateway_database_url: str | None
    supabase_url: str | None
    supabase_anon_key: str | None
    jwt_secret: str | None
    openai_api_key: str | None
    openai_base_url: str | None
    openai_model: str
    cookie_name: str
    cookie_key: str | None
    cookie_expiry_days: float
    data_dir: Path
    read_cache_seconds: float


def _read_secrets_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def _lookup(name: str, env: dict[str, str], secrets: dict[str, Any]) -> str | None:
    value = env.get(name)
    if value is None and name in secrets:
        value = str(secrets[name])
    return value or None


def _days(raw: str | None) -> float:
    """COOKIE_EXPIRY_DAYS: 1 to 90 days (the database caps sessions at 90), default 7."""
    if raw is None:
        return 7.0
    try:
        days = float(raw)
    except ValueError:
        days = float("nan")
    if not 1 <= days <= 90:  # also false for NaN
        raise ConfigError(f"COOKIE_EXPIRY_DAYS must be a number of days from 1 to 90, not {raw!r}.")
    return days


def load_settings(env: dict[str, str] | None = None, secrets_file: Path | None = None) -> Settings:
    """Read settings; the environment wins over the secrets file."""
    env = dict(os.environ) if env is None else env
    secrets = _read_secrets_file(secrets_file or SECRETS_FILE)
    get = lambda name: _lookup(name, env, secrets)  # noqa: E731

    if get("SUPABASE_URL"):
        backend = BackendKind.SUPABASE
    elif get("DATABASE_URL"):
        backend = BackendKind.POSTGRES
    else:
        backend = BackendKind.EMBEDDED

    settings = Settings(
        backend=backend,
        database_url=get("DATABASE_URL"),
        gateway_database_url=get("GATEWAY_DATABASE_URL"),
        supabase_url=get("SUPABASE_URL"),
        supabase_anon_key=get("SUPABASE_ANON_KEY"),
        jwt_secret=get("SUPABASE_JWT_SECRET"),
        openai_api_key=get("OPENAI_API_KEY"),
        openai_base_url=get("OPENAI_BASE_URL"),
        openai_model=get("OPENAI_MODEL") or "gpt-4o-mini",
        cookie_name=get("COOKIE_NAME") or "revos_session",
        cookie_key=get("COOKIE_KEY"),
        cookie_expiry_days=_days(get("COOKIE_EXPIRY_DAYS")),
        data_dir=Path(get("REVOS_DATA_DIR") or ".revos").resolve(),
        read_cache_seconds=float(get("REVOS_READ_CACHE_SECONDS") or 30),
    )
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    missing: list[str] = []
    if settings.backend is BackendKind.SUPABASE:
        for name, value in (
            ("SUPABASE_ANON_KEY", settings.supabase_anon_key),
            ("SUPABASE_JWT_SECRET", settings.jwt_secret),
            ("DATABASE_URL", settings.database_url),
        ):
            if not value:
                missing.append(name)
    if settings.backend is BackendKind.POSTGRES:
        if not settings.jwt_secret:
            missing.append("SUPABASE_JWT_SECRET")
        if not settings.gateway_database_url:
            missing.append("GATEWAY_DATABASE_URL")
    if missing:
        raise ConfigError(
            f"The {settings.backend} backend needs {', '.join(missing)}: set it in the "
            f"environment or in {SECRETS_FILE} (see .streamlit/secrets.toml.example)."
        )
    if settings.jwt_secret and len(settings.jwt_secret.encode()) < 32:
        raise ConfigError("SUPABASE_JWT_SECRET must be at least 32 bytes long.")
    if settings.cookie_key and len(settings.cookie_key.encode()) < 32:
        raise ConfigError("COOKIE_KEY must be at least 32 bytes long.")

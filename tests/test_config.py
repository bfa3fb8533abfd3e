"""Settings: the environment beats secrets.toml, and the backend follows what is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from revos.config import BackendKind, ConfigError, load_settings

SECRET = "j" * 40


def _secrets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(text)
    return path


def test_nothing_set_means_embedded(tmp_path: Path) -> None:
    settings = load_settings(env={}, secrets_file=tmp_path / "missing.toml")
    assert settings.backend is BackendKind.EMBEDDED
    assert settings.data_dir == Path(".revos").resolve()


def test_environment_overrides_the_secrets_file(tmp_path: Path) -> None:
    path = _secrets(
        tmp_path,
        f'DATABASE_URL = "postgresql://file/db"\n'
        f'GATEWAY_DATABASE_URL = "postgresql://authenticator@file/db"\n'
        f'SUPABASE_JWT_SECRET = "{SECRET}"\nOPENAI_MODEL = "from-file"\n',
    )
    settings = load_settings(env={"OPENAI_MODEL": "from-env"}, secrets_file=path)
    assert settings.backend is BackendKind.POSTGRES
    assert settings.database_url == "postgresql://file/db"
    assert settings.gateway_database_url == "postgresql://authenticator@file/db"
    assert settings.openai_model == "from-env"


def test_supabase_url_selects_supabase_and_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET, DATABASE_URL"):
        load_settings(env={"SUPABASE_URL": "https://x.supabase.co"}, secrets_file=tmp_path / "none")
    settings = load_settings(
        env={
            "SUPABASE_URL": "https://x.supabase.co",
            "SUPABASE_ANON_KEY": "anon",
            "SUPABASE_JWT_SECRET": SECRET,
            "DATABASE_URL": "postgresql://x/postgres",
        },
        secrets_file=tmp_path / "none",
    )
    assert settings.backend is BackendKind.SUPABASE


def test_short_secrets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        load_settings(
            env={
                "DATABASE_URL": "postgresql://x",
                "GATEWAY_DATABASE_URL": "postgresql://authenticator@x",
                "SUPABASE_JWT_SECRET": "short",
            },
            secrets_file=tmp_path / "none",
        )
    with pytest.raises(ConfigError, match="COOKIE_KEY"):
        load_settings(env={"COOKIE_KEY": "short"}, secrets_file=tmp_path / "none")


def test_plain_postgres_needs_a_gateway_login(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GATEWAY_DATABASE_URL"):
        load_settings(
            env={"DATABASE_URL": "postgresql://x", "SUPABASE_JWT_SECRET": SECRET},
            secrets_file=tmp_path / "none",
        )


def test_a_broken_secrets_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={}, secrets_file=_secrets(tmp_path, "DATABASE_URL = "))


def test_example_secrets_file_names_every_setting() -> None:
    from revos.config import SETTING_NAMES

    example = (Path(__file__).parent.parent / ".streamlit" / "secrets.toml.example").read_text()
    for name in SETTING_NAMES:
        assert name in example


@pytest.mark.parametrize("days", ["nan", "0", "1000", "seven"])
def test_cookie_expiry_days_must_be_sensible(tmp_path: Path, days: str) -> None:
    with pytest.raises(ConfigError, match="COOKIE_EXPIRY_DAYS"):
        load_settings(env={"COOKIE_EXPIRY_DAYS": days}, secrets_file=tmp_path / "none")

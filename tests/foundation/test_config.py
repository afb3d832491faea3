"""Settings from the environment, and the refusal to run production with an unsafe secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from consortium.config import DEV_SECRET_KEY, ConfigError, Settings
from consortium.web import create_app

GOOD_SECRET = "a" * 16 + "b" * 16 + "c" * 8
SEALING_KEY = "0" * 43 + "="  # a valid Fernet key (32 zero-ish bytes), for these tests only


def test_from_env_reads_every_setting(tmp_path):
    env = {
        "CONSORTIUM_ENV": "development", "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": "postgres://u:p@db:5432/consortium", "REDIS_URL": "redis://r:6379/1",
        "CONSORTIUM_INSTANCE": str(tmp_path), "LOGIN_MAX_FAILURES_PER_ACCOUNT": "7",
        "LOGIN_MAX_FAILURES_PER_IP": "30", "LOGIN_WINDOW_MINUTES": "20", "RUN_STALE_MINUTES": "12",
        "MAX_CSV_BYTES": "1000", "SESSION_COOKIE_SECURE": "true", "HOST": "0.0.0.0", "PORT": "8080",
    }
    s = Settings.from_env(env)
    assert (s.env, s.secret_key, s.redis_url) == ("development", GOOD_SECRET, "redis://r:6379/1")
    assert s.instance_path == Path(tmp_path).resolve()
    assert (s.login_max_failures_per_account, s.login_max_failures_per_ip) == (7, 30)
    assert (s.login_window_minutes, s.run_stale_minutes, s.max_csv_bytes) == (20, 12, 1000)
    assert s.session_cookie_secure is True and (s.host, s.port) == ("0.0.0.0", 8080)
    # Heroku-style URLs are turned into the psycopg 3 driver's.
    assert s.effective_database_url == "postgresql+psycopg://u:p@db:5432/consortium"


def test_defaults_are_production_and_sqlite_in_the_instance_folder(tmp_path):
    s = Settings.from_env({"CONSORTIUM_INSTANCE": str(tmp_path)})
    assert s.env == "production" and s.port == 5000 and s.host == "127.0.0.1"
    assert s.effective_database_url == f"sqlite:///{Path(tmp_path).resolve() / 'consortium.db'}"


@pytest.mark.parametrize("secret, message", [
    ("", "SECRET_KEY is missing"),
    (DEV_SECRET_KEY, "development default"),
    ("short-but-not-default", "too short"),
])
def test_production_refuses_unsafe_secret(tmp_path, secret, message):
    settings = Settings.from_env({"SECRET_KEY": secret, "CONSORTIUM_INSTANCE": str(tmp_path)})
    with pytest.raises(ConfigError, match=message):
        settings.check()
    with pytest.raises(ConfigError, match=message):
        create_app(settings)


def test_production_accepts_a_long_secret(tmp_path):
    settings = Settings.from_env({"SECRET_KEY": GOOD_SECRET, "CONSORTIUM_INSTANCE": str(tmp_path),
                                  "BID_SEALING_KEY": SEALING_KEY})
    settings.check()
    app = create_app(settings)
    assert app.config["SECRET_KEY"] == GOOD_SECRET and not app.config["TESTING"]
    app.extensions["consortium.engine"].dispose()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_may_use_the_built_in_secret(tmp_path, env):
    settings = Settings.from_env({"CONSORTIUM_ENV": env, "CONSORTIUM_INSTANCE": str(tmp_path)})
    settings.check()
    app = create_app(settings)
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    app.extensions["consortium.engine"].dispose()


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="CONSORTIUM_ENV must be one of"):
        Settings.from_env({"CONSORTIUM_ENV": "staging", "CONSORTIUM_INSTANCE": str(tmp_path)}).check()


def test_defaults_are_stated_once():
    from dataclasses import fields

    from consortium.config import ENVIRONMENT

    settings = Settings.from_env({})
    defaults = Settings(instance_path=settings.instance_path)
    assert settings == defaults
    test_only = {"huey_immediate", "csrf_enabled"}
    assert set(ENVIRONMENT) == {f.name for f in fields(Settings)} - test_only
    typed = Settings.from_env({"PORT": "8080", "LOGIN_DELAY_SECONDS": "2.5",
                               "SESSION_COOKIE_SECURE": "true", "PUBLIC_URL": "https://x.org/"})
    assert (typed.port, typed.login_delay_seconds, typed.session_cookie_secure,
            typed.public_url) == (8080, 2.5, True, "https://x.org")


def test_production_refuses_to_start_without_a_bid_sealing_key(tmp_path):
    settings = Settings.from_env({"SECRET_KEY": GOOD_SECRET, "CONSORTIUM_INSTANCE": str(tmp_path)})
    with pytest.raises(ConfigError, match="BID_SEALING_KEY is missing"):
        create_app(settings)


def test_a_bid_sealing_key_that_is_not_a_fernet_key_is_refused(tmp_path):
    settings = Settings.from_env({"CONSORTIUM_ENV": "development", "BID_SEALING_KEY": "hunter2",
                                  "CONSORTIUM_INSTANCE": str(tmp_path)})
    with pytest.raises(ConfigError, match="not a Fernet key"):
        settings.check()

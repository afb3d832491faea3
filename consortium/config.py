"""One settings object, read from the environment, with safe defaults for development.

Every setting the application reads is listed here (and in the README's configuration table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"
ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """The configuration is unsafe or invalid; the application refuses to start."""


def _is_fernet_key(key: str) -> bool:
    from cryptography.fernet import Fernet
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return True


def _default_instance_path() -> Path:
    return Path(os.environ.get("CONSORTIUM_INSTANCE", Path.cwd() / "instance")).resolve()


@dataclass(frozen=True)
class Settings:
    """Application settings. Build with `Settings.from_env()`; tests pass overrides."""

    env: str = "production"
    secret_key: str = ""
    database_url: str = ""
    redis_url: str = ""
    instance_path: Path = field(default_factory=_default_instance_path)
    huey_immediate: bool = False
    csrf_enabled: bool = True
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_window_minutes: int = 15
    login_delay_seconds: float = 30.0
    trusted_proxies: int = 0
    vendor_signups_per_hour: int = 5
    run_stale_minutes: int = 10
    max_csv_bytes: int = 5 * 1024 * 1024
    session_cookie_secure: bool = False
    consortium_name: str = "Consortium for Clean Municipal Fleets"
    consortium_email: str = "procurement@consortium.example.org"
    public_url: str = "https://consortium.example.org"
    ocid_prefix: str = "ocds-consortium"
    host: str = "127.0.0.1"
    port: int = 5000
    smtp_url: str = ""
    mail_from: str = "Consortium <noreply@consortium.example.org>"
    bid_sealing_key: str = ""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Read every setting from the environment (or `environ`), then apply `overrides`.

        A variable that is not set leaves the field's default above: defaults are stated once.
        """
        env = os.environ if environ is None else environ
        values = {}
        for setting in fields(cls):
            name = ENVIRONMENT.get(setting.name)
            if name is not None and name in env:
                values[setting.name] = _PARSERS[setting.type](env[name])
        values.setdefault("instance_path", (Path.cwd() / "instance").resolve())
        if "public_url" in values:
            values["public_url"] = values["public_url"].rstrip("/")
        if "bid_sealing_key" in values:
            values["bid_sealing_key"] = values["bid_sealing_key"].strip()
        return replace(cls(**values), **overrides)

    @property
    def debug(self) -> bool:
        """True outside production: development and testing may use the built-in secret."""
        return self.env in ("development", "testing")

    @property
    def effective_database_url(self) -> str:
        """`DATABASE_URL`, or a SQLite file under the instance folder."""
        if self.database_url:
            url = self.database_url
            # Heroku-style URLs name the old driver; SQLAlchemy wants psycopg 3 explicitly.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix):]
            return url
        return f"sqlite:///{self.instance_path / 'consortium.db'}"

    @property
    def effective_secret_key(self) -> str:
        """The secret key; the development default only outside production."""
        return self.secret_key or DEV_SECRET_KEY

    def check(self) -> None:
        """Refuse unsafe settings: production needs a real secret key."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"CONSORTIUM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}")
        if not self.debug:
            if not self.secret_key or self.secret_key == DEV_SECRET_KEY:
                raise ConfigError(
                    "SECRET_KEY is missing or is the development default; set a long random "
                    "SECRET_KEY in the environment (e.g. python -c 'import secrets; "
                    "print(secrets.token_hex(32))') or set CONSORTIUM_ENV=development."
                )
            if len(self.secret_key) < 32:
                raise ConfigError("SECRET_KEY is too short; use at least 32 random characters.")
            if not self.bid_sealing_key:
                raise ConfigError(
                    "BID_SEALING_KEY is missing; sealed bids are encrypted with it. Generate one "
                    "with python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())', keep it safe (bids cannot be opened "
                    "without it) and set it in the environment.")
        if self.bid_sealing_key and not _is_fernet_key(self.bid_sealing_key):
            raise ConfigError("BID_SEALING_KEY is not a Fernet key (32 bytes, URL-safe base64).")


# The environment variable of each setting (huey_immediate and csrf_enabled are for tests only).
ENVIRONMENT = {
    "env": "CONSORTIUM_ENV", "secret_key": "SECRET_KEY", "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL", "instance_path": "CONSORTIUM_INSTANCE",
    "login_max_failures_per_account": "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "login_max_failures_per_ip": "LOGIN_MAX_FAILURES_PER_IP",
    "login_window_minutes": "LOGIN_WINDOW_MINUTES", "login_delay_seconds": "LOGIN_DELAY_SECONDS",
    "trusted_proxies": "TRUSTED_PROXIES", "vendor_signups_per_hour": "VENDOR_SIGNUPS_PER_HOUR",
    "run_stale_minutes": "RUN_STALE_MINUTES", "max_csv_bytes": "MAX_CSV_BYTES",
    "session_cookie_secure": "SESSION_COOKIE_SECURE", "consortium_name": "CONSORTIUM_NAME",
    "consortium_email": "CONSORTIUM_EMAIL", "public_url": "PUBLIC_URL",
    "ocid_prefix": "OCID_PREFIX", "host": "HOST", "port": "PORT", "smtp_url": "SMTP_URL",
    "mail_from": "MAIL_FROM", "bid_sealing_key": "BID_SEALING_KEY",
}

# How a variable's text becomes a setting, by the field's annotation.
_PARSERS = {
    "str": str, "int": int, "float": float, "Path": lambda text: Path(text).resolve(),
    "bool": lambda text: text.lower() in ("1", "true"),
}

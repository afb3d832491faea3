"""One settings object, read from the environment, with safe defaults for development.

Every setting the application reads is listed here (and in the README's configuration table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
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
        """Read every setting from the environment (or `environ`), then apply `overrides`."""
        env = os.environ if environ is None else environ
        instance = Path(env.get("CONSORTIUM_INSTANCE", Path.cwd() / "instance")).resolve()
        settings = cls(
            env=env.get("CONSORTIUM_ENV", "production"),
            secret_key=env.get("SECRET_KEY", ""),
            database_url=env.get("DATABASE_URL", ""),
            redis_url=env.get("REDIS_URL", ""),
            instance_path=instance,
            login_max_failures_per_account=int(env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)),
            login_max_failures_per_ip=int(env.get("LOGIN_MAX_FAILURES_PER_IP", 20)),
            login_window_minutes=int(env.get("LOGIN_WINDOW_MINUTES", 15)),
            login_delay_seconds=float(env.get("LOGIN_DELAY_SECONDS", 30)),
            trusted_proxies=int(env.get("TRUSTED_PROXIES", 0)),
            vendor_signups_per_hour=int(env.get("VENDOR_SIGNUPS_PER_HOUR", 5)),
            run_stale_minutes=int(env.get("RUN_STALE_MINUTES", 10)),
            max_csv_bytes=int(env.get("MAX_CSV_BYTES", 5 * 1024 * 1024)),
            session_cookie_secure=env.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true"),
            consortium_name=env.get("CONSORTIUM_NAME", cls.consortium_name),
            consortium_email=env.get("CONSORTIUM_EMAIL", cls.consortium_email),
            public_url=env.get("PUBLIC_URL", cls.public_url).rstrip("/"),
            ocid_prefix=env.get("OCID_PREFIX", cls.ocid_prefix),
            host=env.get("HOST", "127.0.0.1"),
            port=int(env.get("PORT", 5000)),
            smtp_url=env.get("SMTP_URL", ""),
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            bid_sealing_key=env.get("BID_SEALING_KEY", "").strip(),
        )
        return replace(settings, **overrides)

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

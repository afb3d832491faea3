"""The web application. Build it only through `create_app()`."""

from __future__ import annotations

from flask import Flask

from consortium.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app from `settings` (default: from the environment).

    Refuses to start with unsafe settings (see Settings.check).
    """
    from consortium.db import make_engine
    from consortium.web import errors, guard, nav, security, transaction
    from consortium.web.access import close_db
    from consortium.web.blueprints import register_blueprints
    from consortium.web.extensions import csrf, login_manager
    from consortium.web.filters import register_filters

    settings = settings or Settings.from_env()
    settings.check()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.effective_secret_key,
        TESTING=settings.env == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        MAX_CONTENT_LENGTH=settings.max_csv_bytes + 64 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session
        WTF_CSRF_ENABLED=settings.csrf_enabled,
    )
    app.extensions["consortium.settings"] = settings
    if settings.trusted_proxies > 0:
        # Behind N reverse proxies, the client address is the Nth-from-last X-Forwarded-For
        # entry; without this setting the headers are ignored (a client could forge them).
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,
                                x_proto=settings.trusted_proxies)
    app.extensions["consortium.engine"] = make_engine(settings.effective_database_url)
    from consortium.services.sealing import make_sealer
    app.extensions["consortium.sealer"] = make_sealer(settings)  # BID_SEALING_KEY or dev key

    csrf.init_app(app)
    login_manager.init_app(app)
    app.teardown_appcontext(close_db)
    security.init_app(app)
    errors.init_app(app)
    register_filters(app)
    nav.init_app(app)
    guard.init_app(app)  # before the blueprints: their <int:id> rules use its converter
    register_blueprints(app)
    transaction.init_app(app)  # after the blueprints: the commit runs before their hooks
    from consortium.jobs import init_app as init_jobs; init_jobs(app)  # noqa: E702
    return app

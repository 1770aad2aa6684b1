"""Settings read from the environment; production refuses to start without its secrets."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


class ConfigError(RuntimeError):
    """A setting the service cannot start without is missing or wrong."""


def _development_secret_key(instance_dir: Path) -> str:
    # Generated once and kept, so sessions and resume links survive a restart of `make run`.
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def sqlalchemy_url(database_url: str) -> str:
    """`postgres://` and `postgresql://` as people write them, with the psycopg 3 driver we install."""
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return database_url


def load_config(environ: dict[str, str] | None = None) -> dict:
    env = os.environ if environ is None else environ
    instance_dir = Path(env.get("INSTANCE_PATH", INSTANCE_DIR))
    is_production = env.get("APP_ENV", "development") == "production"
    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if is_production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production (e.g. `openssl rand -hex 32`).")
        secret_key = _development_secret_key(instance_dir)
    database_url = sqlalchemy_url(env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'bussola.sqlite'}")
    if is_production and database_url.startswith("sqlite") and not _bool("ALLOW_SQLITE_IN_PRODUCTION", False):
        raise ConfigError("Production runs on PostgreSQL: set DATABASE_URL=postgresql://…")
    public_base_url = env.get("PUBLIC_BASE_URL", "").rstrip("/")
    if is_production and not public_base_url.startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must be set when APP_ENV=production (e.g. https://bussola.example.org): "
                          "links in e-mails are built on it, never on the Host header a request brings.")
    proxy_count = env.get("PROXY_COUNT", "0").strip() or "0"
    if not (proxy_count.isascii() and proxy_count.isdigit()):
        raise ConfigError(f"PROXY_COUNT={proxy_count!r} must be a whole number (how many proxies stand in front).")
    proxy_count = int(proxy_count)
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    timezone = env.get("TIMEZONE", "Europe/Rome")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE={timezone!r} is not a known time zone (e.g. Europe/Rome).") from None
    return {
        "APP_ENV": "production" if is_production else "development",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "INSTANCE_DIR": str(instance_dir),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)),
        "BABEL_DEFAULT_LOCALE": "it",
        "LANGUAGES": ["it", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if is_production else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        # Production shares its limits between workers in Redis (in memory, each worker would count apart).
        # If Redis is unreachable, limits fall back to each worker's memory instead of failing the request.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or (redis_url if is_production else "memory://"),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "REDIS_URL": redis_url,
        "DRAFT_RETENTION_DAYS": int(env.get("DRAFT_RETENTION_DAYS", 90)),
        "PROPOSAL_REMINDER_DAYS": int(env.get("PROPOSAL_REMINDER_DAYS", 7)),
        "PASSWORD_LINK_HOURS": int(env.get("PASSWORD_LINK_HOURS", 48)),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", 587)),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        # A mail is sent while its page waits: a silent SMTP server must not hold a worker for long.
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", 10)),
        "MAIL_SENDER": env.get("MAIL_SENDER", "Bussola Digitale <noreply@localhost>"),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR", str(instance_dir / "outbox")),
        "PUBLIC_BASE_URL": public_base_url,
        # How many proxies stand in front (nginx: 1): their X-Forwarded-For/-Proto are believed, no others.
        "PROXY_COUNT": proxy_count,
        # Host names this service answers to (comma-separated); others get 400. Unset: any.
        "TRUSTED_HOSTS": [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None,
        # Who is responsible for the data, as the privacy notice names them: the body running the programme.
        "PRIVACY_CONTROLLER": env.get("PRIVACY_CONTROLLER", ""),
        "PRIVACY_CONTACT": env.get("PRIVACY_CONTACT", ""),
        "TIMEZONE": timezone,
        # The national grant catalogue (`grants sync`): incentivi.gov.it's public Solr, read in pages; every
        # page is retried on timeouts, connection errors, 5xx and 429 with exponential backoff.
        "INCENTIVI_SOLR_URL": env.get("INCENTIVI_SOLR_URL", "https://www.incentivi.gov.it/solr/coredrupal/select"),
        "INCENTIVI_PAGE_SIZE": int(env.get("INCENTIVI_PAGE_SIZE", 500)),
        "INCENTIVI_CONNECT_TIMEOUT": float(env.get("INCENTIVI_CONNECT_TIMEOUT", 10)),
        "INCENTIVI_READ_TIMEOUT": float(env.get("INCENTIVI_READ_TIMEOUT", 60)),
        "INCENTIVI_RETRIES": int(env.get("INCENTIVI_RETRIES", 5)),
        "INCENTIVI_BACKOFF": float(env.get("INCENTIVI_BACKOFF", 2)),
        # Admin pages warn when the last good sync is older than this many days (or there was none).
        "GRANT_SYNC_STALE_DAYS": int(env.get("GRANT_SYNC_STALE_DAYS", 3)),
    }

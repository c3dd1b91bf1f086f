"""Typed readers for settings taken from the environment.

Each helper raises ``ImproperlyConfigured`` with the variable's name when a value cannot be
used, so a bad deployment fails at start-up instead of at the first request that needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    env = os.environ if environ is None else environ
    value = env.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0), got {value!r}")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {number}")
    return number


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def env_choice(
    name: str, choices: tuple[str, ...], default: str, environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def env_url(
    name: str,
    schemes: tuple[str, ...],
    default: str = "",
    environ: Mapping[str, str] | None = None,
) -> str:
    """A URL whose scheme is one of ``schemes`` and which names a host; empty means unset."""
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must start with {' or '.join(s + '://' for s in schemes)}; got {value!r}"
        )
    if not parts.hostname and not (parts.scheme.startswith("postgres") and parts.path):
        raise ImproperlyConfigured(f"{name} names no host: {value!r}")
    return value


def database_from_url(url: str) -> dict:
    """Django DATABASES entry for a postgres:// URL (host may be a socket directory)."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or "postgres"
    host = unquote(parts.hostname or "")
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    if not host and "host" in query:
        host = unquote(query["host"])
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": name,
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 0,
        "TEST": {"NAME": query.get("test_name") or f"test_{name}"},
    }


def database_url(settings_dict: Mapping) -> str:
    """The postgresql:// URL of a Django DATABASES entry; ``database_from_url`` reads it back.

    Used to hand the database a process is using to a child process. A HOST that starts with
    ``/`` is a unix-socket directory (the embedded server's), which a URL carries as ``?host=``;
    an empty HOST stays empty, meaning libpq's default socket.
    """
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or ""
    port = str(settings_dict.get("PORT") or "")
    name = quote(settings_dict["NAME"], safe="")
    query = ""
    if host.startswith("/"):
        query, host = f"?host={quote(host, safe='/')}", ""
    elif ":" in host:  # an IPv6 address
        host = f"[{host}]"
    location = f"{host}:{port}" if port else host
    return f"postgresql://{credentials}@{location}/{name}{query}"

"""Parsing of the environment variables behind Dharma's security settings.

Each function reads one variable and either returns the setting's value or raises
ImproperlyConfigured naming the variable, so a typo stops the process at start instead of
quietly leaving a protection off.
"""

import os

from django.core.exceptions import ImproperlyConfigured


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None
    if not number >= minimum or number == float("inf"):
        raise ImproperlyConfigured(f"{name} must be a finite number >= {minimum}, got {value!r}")
    return number


def proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """`HTTP_X_FORWARDED_PROTO,https` → ("HTTP_X_FORWARDED_PROTO", "https"); unset → None.

    Set it only when a proxy in front of Dharma always sets (or strips) that header: Django then
    takes a request carrying it for HTTPS."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    header, _, expected = (part.strip() for part in value.partition(","))
    if not header or not expected or "," in expected:
        raise ImproperlyConfigured(
            f"{name} must be 'HEADER,value', e.g. 'HTTP_X_FORWARDED_PROTO,https', got {value!r}"
        )
    header = header.upper().replace("-", "_")
    if not header.startswith("HTTP_"):
        header = f"HTTP_{header}"
    return header, expected


def api_renderers(*, debug: bool) -> list[str]:
    """JSON always; DRF's browsable HTML pages only while DEBUG is on."""
    renderers = ["rest_framework.renderers.JSONRenderer"]
    if debug:
        renderers.append("rest_framework.renderers.BrowsableAPIRenderer")
    return renderers

"""Walk the URL map: every route, the HTTP methods its view accepts, and a concrete URL for it.

The access tests enumerate routes from the URL map itself, so a route added later is walked
without anyone editing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    pattern: str  # as written in the URL map, e.g. "api/v1/libraries/<str:code>/instances/"
    view: object
    name: str | None

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def takes_library_code(self) -> bool:
        return "<str:code>" in self.pattern

    def url(self, code: str = "beta", number: int = 1) -> str:
        """A concrete URL: the library code, ``number`` for every numeric id, "x" for other values."""
        url = self.pattern.replace("<str:code>", code)
        url = re.sub(r"<(?:int:[a-z_]+|[a-z_]*(?:pk|id))>", str(number), url)
        url = re.sub(r"<[^>]+>", "x", url)
        return "/" + url

    def allowed_methods(self) -> set[str]:
        return allowed_methods(self.view)


def _clean(pattern: str) -> str:
    """A regex route (DRF routers) as the readable path it matches."""
    pattern = pattern.replace("^", "").replace("\\Z", "").replace("$", "")
    pattern = re.sub(r"\(\?P<format>[^)]*\)", "json", pattern).replace("<drf_format_suffix:format>", ".json")
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    return pattern.replace("\\.", ".").replace("/?", "/")


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield Route(_clean(route), p.callback, p.name)


def all_routes(urlconf=None) -> list[Route]:
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver(urlconf).url_patterns):
        seen.setdefault(route.pattern, route)
    return sorted(seen.values(), key=lambda r: r.pattern)


def allowed_methods(view) -> set[str]:
    """The methods a view handles: DRF's handlers or actions, a class's methods, or the list a
    ``require_http_methods`` decorator keeps; a plain function view handles every method."""
    actions = getattr(view, "actions", None)
    if actions:
        return set(actions) & set(METHODS)
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    if view_class is not None:
        return {m for m in METHODS if hasattr(view_class, m)}
    function = view
    while function is not None:
        for cell in function.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, list | tuple) and value and all(
                    isinstance(v, str) and v.isupper() for v in value):
                return {v.lower() for v in value} & set(METHODS)
        function = getattr(function, "__wrapped__", None)
    return set(METHODS)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")

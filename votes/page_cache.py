"""Pages and API reads served from the cache, under keys that name the state they show.

A page is a function of a few parts of the stored state (votes/state.py) and of the code that
renders it, so it is computed once per version of those and then served from the cache (Redis
in production, the local-memory cache by default). The key holds the parts' version tokens: a
writer replaces a token in its own transaction, so nothing stale can be served. Responses carry
an ETag and a Last-Modified made from the same versions, and a client that revalidates with
If-None-Match or If-Modified-Since gets a 304 without anything being computed.

Only anonymous GET/HEAD requests are cached, and only 200 responses that set no cookie. Pages
cache their rendered bytes (`cached_page`), with a hole where a form's CSRF token was, since the
token belongs to one visitor. API viewsets cache a rendered body per negotiated media type,
after DRF's authentication, permissions, throttles and content negotiation (`CachedByState`);
the browsable API, which holds a CSRF token, is computed each time.
"""

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import resolve
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from rest_framework.response import Response

from votes.state import stamp

CACHE_SECONDS = 24 * 3600  # only to reclaim entries of past versions: a current one never ages
CODE_FOLDERS = ("templates", "static", "votes", "diversity", "towerwatch")
CODE_SUFFIXES = {".py", ".html", ".css", ".js", ".json", ".txt"}
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]+)(")')
CSRF_HOLE = b"\x00csrf-token\x00"


@functools.cache
def release() -> tuple[str, float]:
    """A digest of the code and templates that render the pages, and their newest change time:
    after a deploy, a shared cache's pages of the previous code are no longer addressed."""
    digest, newest = hashlib.sha256(), 0.0
    for folder in CODE_FOLDERS:
        for path in sorted(Path(settings.BASE_DIR, folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
                newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest()[:16], newest


@dataclass(frozen=True)
class Version:
    """One request's cache key and validators."""

    key: str
    etag: str
    last_modified: int | None  # unix seconds

    @classmethod
    def of(cls, parts: tuple[str, ...], kind: str, address: str, variant: str = ""):
        """`address` names what is cached; `variant` what else the client's copy depends on."""
        code, code_time = release()
        state = stamp(parts)
        address = hashlib.sha256(address.encode()).hexdigest()[:32]
        key = f"towerwatch:{kind}:{code}:{address}:{state.tag}"
        etag = hashlib.sha256(f"{key}|{variant}".encode()).hexdigest()[:32]
        modified = state.modified.timestamp() if state.modified else None
        newest = max(modified or 0.0, code_time)
        return cls(key, f'"{etag}"', int(newest) if newest else None)

    def not_modified(self, request) -> HttpResponse | None:
        """The 304 (or 412) a conditional request earns, with the validators."""
        answer = get_conditional_response(request, etag=self.etag, last_modified=self.last_modified)
        return answer and self.validate(answer)

    def validate(self, response: HttpResponse) -> HttpResponse:
        """Validators on a response, and `no-cache`: clients keep it but ask before reuse."""
        response["ETag"] = self.etag
        if self.last_modified:
            response["Last-Modified"] = http_date(self.last_modified)
        patch_cache_control(response, no_cache=True)
        return response


def cacheable(request) -> bool:
    """Anonymous reads only: a signed-in user may see more (staff see deliveries)."""
    user = getattr(request, "user", None)
    return (
        request.method in ("GET", "HEAD")
        and not (user and user.is_authenticated)
        and "HTTP_AUTHORIZATION" not in request.META
    )


def frozen(request, response: HttpResponse) -> tuple | None:
    """What the cache keeps of a response, or None if it must not be kept. A form's CSRF token
    belongs to one visitor: its fields are kept as holes that `thaw` fills for each request,
    and a page that shows the token anywhere else is not kept at all."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    content = response.content
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # rendering asked for the token
        tokens = {match[2] for match in CSRF_FIELD.finditer(content)}
        content = CSRF_FIELD.sub(rb"\1" + CSRF_HOLE + rb"\3", content)
        if not tokens or any(token in content for token in tokens):
            return None
    return response.status_code, content, list(response.headers.items())


def thaw(request, stored: tuple) -> HttpResponse:
    status, content, headers = stored
    if CSRF_HOLE in content:
        content = content.replace(CSRF_HOLE, get_token(request).encode())
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def cached_page(*parts: str):
    """Decorate a page view that shows `parts` of the state: its rendered bytes are cached."""

    def decorate(view):
        @functools.wraps(view)
        def serve(request, *args, **kwargs):
            if not cacheable(request):
                return view(request, *args, **kwargs)
            csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")  # a form's token
            version = Version.of(parts, "page", request.get_full_path(), csrf_cookie)
            if answer := version.not_modified(request):
                return answer
            stored = cache.get(version.key)
            if stored is not None:
                return version.validate(thaw(request, stored))
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            stored = frozen(request, response)
            if stored is None:
                return response
            cache.set(version.key, stored, CACHE_SECONDS)
            return version.validate(response)

        return serve

    return decorate


def warm(paths: list[str]) -> int:
    """Compute the pages at `paths` into the cache now, as an anonymous visitor would get them,
    so that the first visitors after a change do not wait for them (a page's key holds its path,
    not the host). Only a shared cache can be warmed from another process: a local-memory one
    belongs to this process alone. Returns how many pages were computed."""
    if isinstance(caches["default"], LocMemCache):
        return 0
    for path in paths:
        request = HttpRequest()
        request.method, request.path = "GET", path
        request.path_info, request.user = path, AnonymousUser()
        request.resolver_match = match = resolve(path)
        match.func(request, *match.args, **match.kwargs)
    return len(paths)


class CachedByState:
    """A DRF viewset mixin: the actions in `cached_actions` are answered from the cache while
    `state_parts` are unchanged, one rendered body per negotiated media type. It takes effect
    after authentication, permissions, throttling and content negotiation (`initial`), so those
    apply to cached answers too."""

    state_parts: tuple[str, ...] = ()
    cached_actions: tuple[str, ...] = ("list",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        browsable = request.accepted_renderer.format == "api"  # holds a CSRF token: per visitor
        if self.action in self.cached_actions and cacheable(request) and not browsable:
            handler = getattr(self, method)
            setattr(self, method, functools.partial(self._from_cache, handler))

    def _from_cache(self, handler, request, *args, **kwargs):
        # absolute links in the data (pagination): one entry per host and scheme too
        address = f"{request.build_absolute_uri()}|{request.accepted_media_type}"
        version = Version.of(self.state_parts, "api", address)
        if answer := version.not_modified(request):
            return answer
        stored = cache.get(version.key)
        if stored is not None:
            content, content_type = stored
            return version.validate(HttpResponse(content, content_type=content_type))
        response = handler(request, *args, **kwargs)
        if response.status_code != 200 or not isinstance(response, Response):
            return response
        response = self.finalize_response(request, response, *args, **kwargs).render()
        cache.set(version.key, (response.content, response["Content-Type"]), CACHE_SECONDS)
        return version.validate(response)

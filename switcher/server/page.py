"""``/``: which account this browser is signed in as, and a form to sign in.

``GET`` shows the page; it reads only and never refreshes or clears cookies.
``POST`` signs in with the form's email and password, without JavaScript: it
is ``POST /sign-in/email`` (the same origin rule, rate limit, password check,
session row and cookies) with a form-only body and an HTML answer, a
``303`` back to the page on success. switcher's own addition; better-auth has
no page.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from switcher.html_text import escape
from switcher.protocol.errors import ErrorCode
from switcher.server.context import Context, Services
from switcher.server.errors import APIError, RateLimitedError
from switcher.server.http import BodyTooLargeError, Request, Response, html_response
from switcher.server.origin import TrustedOrigins, check_request, origin_of
from switcher.server.ratelimit import DatabaseRateLimiter, RateLimiter
from switcher.server.routes.email_password import sign_in
from switcher.server.routes.multi_session import after_new_session, list_device_sessions

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}ul{padding-left:1.2rem}
.muted{color:#666}.active{font-weight:600}.error{color:#a00}
form{display:grid;gap:.3rem;max-width:20rem}label{margin-top:.4rem}
input,button{font:inherit;padding:.35rem .5rem;border:1px solid #888;border-radius:4px}
button{justify-self:start;margin-top:.8rem;padding:.35rem 1.2rem;background:#f4f4f4;cursor:pointer}
"""

# Nothing may load or run; the inline style and a form posted to this site are all.
_POLICY = (
    b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    b"base-uri 'none'; frame-ancestors 'none'"
)
_FORM = "application/x-www-form-urlencoded"
# The rate limiter's key: the page's sign-ins share the API's budget.
_SIGN_IN_PATH = "/sign-in/email"

WRONG_CREDENTIALS = "Wrong email or password"
_MESSAGES = {
    ErrorCode.INVALID_EMAIL_OR_PASSWORD: WRONG_CREDENTIALS,
    ErrorCode.INVALID_EMAIL: "That is not a valid email address",
    ErrorCode.PASSWORD_TOO_LONG: "That password is too long",
    ErrorCode.CROSS_SITE_NAVIGATION_LOGIN_BLOCKED: (
        "Refused: this sign-in form was sent from another site"
    ),
    ErrorCode.MISSING_OR_NULL_ORIGIN: (
        "Refused: the browser did not say which site sent this sign-in form"
    ),
}


def _who(name: str, email: str) -> str:
    return f"{escape(name)} &lt;{escape(email)}&gt;"


def _form(root: str, title: str, error: str, email: str) -> str:
    # After a failed attempt the email is kept, so the cursor goes to the password.
    email_focus, password_focus = (" autofocus", "") if not email else ("", " autofocus")
    alert = f'<p id="sign-in-error" class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        f'<h2 id="sign-in-title">{title}</h2>{alert}'
        f'<form method="post" action="{escape(root + "/")}" accept-charset="utf-8">'
        '<label for="email">Email</label>'
        f'<input id="email" name="email" type="email" value="{escape(email)}"'
        f' autocomplete="username" required{email_focus}>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password"'
        f' autocomplete="current-password" required{password_focus}>'
        '<button type="submit">Sign in</button>'
        "</form>"
    )


async def render_page(
    services: Services,
    request: Request,
    *,
    root: str = "",
    status: int = 200,
    error: str = "",
    email: str = "",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> Response:
    """The page; after a refused sign-in, with ``error`` and the typed ``email``."""
    ctx = Context(services, request)
    current = await ctx.current_session(read_only=True)
    device = await list_device_sessions(ctx)
    if current is not None:
        user = current.user
        who = _who(user.name, user.email)
        headline = f'Signed in as <span id="active-email" class="active">{who}</span>'
        active_id = current.session.id
    else:
        headline = '<span id="active-email">Not signed in</span>'
        active_id = ""
    items = []
    for entry in device:
        user, sess = entry["user"], entry["session"]
        mark = " (active)" if sess["id"] == active_id else ""
        items.append(
            f"<li>{_who(user['name'], user['email'])}{mark} "
            f'<span class="muted">until {escape(sess["expiresAt"])}</span></li>'
        )
    listing = (
        "<ul>" + "".join(items) + "</ul>"
        if items
        else '<p class="muted">No accounts on this device.</p>'
    )
    title = "Sign in" if current is None else "Add another account"
    html = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>switcher · local better-auth server</title>"
        f"<style>{_STYLE}</style>"
        f"<h1>{headline}</h1><h2>Accounts on this device</h2>{listing}"
        f"{_form(root, title, error, email)}"
        '<p class="muted">Served by switcher\'s bundled better-auth server.</p>'
    )
    return html_response(status, html, _POLICY, headers)


class _Refused(Exception):
    """A sign-in the page answers with an error, a status and the email to keep."""

    def __init__(self, status: int, message: str, email: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.email = email


def _origin_refused(error: APIError, request: Request, trusted_origin: str) -> _Refused:
    if error.code is ErrorCode.INVALID_ORIGIN:
        claimed = request.headers.get("origin") or origin_of(request.headers.get("referer", ""))
        return _Refused(
            error.status,
            f"Refused: this sign-in form was sent from {claimed or 'an unknown page'}, "
            f"which this server does not trust; open {trusted_origin}/ instead",
        )
    return _Refused(error.status, _MESSAGES.get(error.code, error.message))


def _is_form(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    charsets = [p.partition("=")[2].strip('"') for p in params if p.startswith("charset=")]
    return media == _FORM and all(c in ("utf-8", "utf8") for c in charsets)


async def _read_form(request: Request, limit: int) -> tuple[str, str]:
    """The form's email and password, or ``_Refused`` with a 4xx."""
    if not _is_form(request.headers.get("content-type")):
        raise _Refused(415, f"Send the sign-in form as {_FORM} (UTF-8)")
    try:
        raw = await request.body(limit)
    except BodyTooLargeError:
        raise _Refused(413, "The sign-in form was too large") from None
    try:
        fields = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, "The sign-in form was not UTF-8 text") from None
    email = fields.get("email", "")
    password = fields.get("password", "")
    if not email or not password:
        raise _Refused(400, "Enter your email and password", email)
    return email, password


async def sign_in_with_form(
    services: Services,
    request: Request,
    trusted: TrustedOrigins,
    limiter: RateLimiter | DatabaseRateLimiter | None,
    root: str = "",
) -> Response:
    """``POST /``: sign in as ``POST /sign-in/email`` does, then ``303`` to the page."""
    ctx = Context(services, request)
    try:
        if limiter is not None:
            await limiter.consume(ctx.client_ip(), _SIGN_IN_PATH)
        try:
            check_request(request.method, request.headers, trusted, credential_route=True)
        except APIError as error:
            raise _origin_refused(error, request, services.config.origin) from None
        email, password = await _read_form(request, services.config.max_body_bytes)
        # Only these two fields: no callbackURL, no rememberMe from the form.
        ctx.body = {"email": email, "password": password}
        try:
            await sign_in(ctx)
        except APIError as error:
            raise _Refused(error.status, _MESSAGES.get(error.code, error.message), email) from None
        await after_new_session(ctx)
    except RateLimitedError as limited:
        wait = str(limited.retry_after).encode()
        return await render_page(
            services,
            request,
            root=root,
            status=429,
            error=f"Too many sign-in attempts; try again in {limited.retry_after} seconds",
            headers=[(b"x-retry-after", wait), (b"retry-after", wait)],
        )
    except _Refused as refused:
        return await render_page(
            services,
            request,
            root=root,
            status=refused.status,
            error=refused.message,
            email=refused.email,
        )
    headers = [
        (b"location", (root + "/").encode("utf-8", "replace")),
        (b"cache-control", b"no-store"),
    ]
    headers.extend(
        (b"set-cookie", line.encode("latin-1", "replace")) for line in ctx.set_cookies.values()
    )
    return Response(303, b"", headers)

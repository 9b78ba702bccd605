"""The multi-session plugin: device sessions kept in signed ``…_multi-<token>`` cookies.

Behaviour follows better-auth 1.7.25, including its later fixes: values are
trusted only when their signature verifies, and a cookie's verified *value*
(not its name) decides which session is acted on.
"""

from __future__ import annotations

from typing import Any

from switcher.protocol.cookies import multi_names
from switcher.protocol.dates import to_iso, utc_now
from switcher.protocol.errors import ErrorCode
from switcher.server.context import Context
from switcher.server.errors import APIError
from switcher.server.rows import SessionWithUser
from switcher.server.validation import SESSION_TOKEN

_SECURE_LOWER = "__secure-"


async def _first_active(ctx: Context, tokens: list[str]) -> list[SessionWithUser]:
    """Unexpired sessions for ``tokens``, in the order of ``tokens``."""
    if not tokens:
        return []
    by_token = {
        found.session.token: found
        for found in await ctx.store.find_sessions(tokens, active_after=to_iso(utc_now()))
    }
    return [by_token[token] for token in dict.fromkeys(tokens) if token in by_token]


async def list_device_sessions(ctx: Context) -> Any:
    seen_users: set[str] = set()
    listed = []
    for found in await _first_active(ctx, [token for _, token in ctx.device_tokens()]):
        if found.user.id not in seen_users:
            seen_users.add(found.user.id)
            listed.append(found.to_json())
    return listed


def _device_cookie(ctx: Context, session_token: str) -> tuple[str, str]:
    """The multi cookie the body names, and its verified token, or 401."""
    name = ctx.names.multi(session_token)
    token = ctx.signed_cookie(name)
    if token is None:
        raise APIError(ErrorCode.INVALID_SESSION_TOKEN)
    return name, token


async def set_active(ctx: Context) -> Any:
    body = SESSION_TOKEN.parse(ctx.body)
    name, token = _device_cookie(ctx, body["sessionToken"])
    found = await ctx.store.find_session(token)
    if found is None or found.session.expires_at < to_iso(utc_now()):
        ctx.expire_cookie(name)
        raise APIError(ErrorCode.INVALID_SESSION_TOKEN)
    ctx.set_session_cookie(found)
    return found.to_json()


async def revoke(ctx: Context) -> Any:
    body = SESSION_TOKEN.parse(ctx.body)
    active = await ctx.current_session()
    if active is None:
        raise APIError(ErrorCode.UNAUTHORIZED)
    name, token = _device_cookie(ctx, body["sessionToken"])
    await ctx.store.delete_sessions([token])
    ctx.expire_cookie(name)
    if active.session.token == token:
        remaining = await _first_active(ctx, [t for _, t in ctx.device_tokens()])
        if remaining:
            ctx.set_session_cookie(remaining[0])
        else:
            ctx.delete_session_cookie()
    return {"status": True}


async def after_new_session(ctx: Context) -> None:
    """Give a newly active session its device cookie, within ``maximumSessions``.

    Runs after every endpoint that set a session cookie. Older sessions of the
    same user on this device are revoked, so one account appears once.
    """
    new = ctx.new_session
    if new is None or not ctx.set_cookies:
        return
    name = ctx.names.multi(new.session.token)
    if name in ctx.set_cookies or name in ctx.cookies:
        return
    device = ctx.device_tokens()
    replaced: list[str] = []
    if device:
        owners = {
            found.session.token: found.user.id
            for found in await ctx.store.find_sessions([token for _, token in device])
        }
        for cookie_name, token in device:
            if owners.get(token) == new.user.id:
                ctx.expire_cookie(cookie_name)
                replaced.append(token)
        if replaced:
            await ctx.store.delete_sessions(replaced)
    # Every multi cookie counts, verified or not, as in better-auth.
    count = len(multi_names(ctx.cookie_header)) - len(replaced) + 1
    if count > ctx.config.maximum_sessions:
        return
    ctx.set_signed_cookie(name, new.session.token, ctx.config.expires_in)


async def after_sign_out(ctx: Context) -> None:
    """Sign-out ends every verified device session and clears its cookie."""
    device = ctx.device_tokens()
    for cookie_name, _ in device:
        lowered = cookie_name.lower()
        if lowered.startswith(_SECURE_LOWER):
            lowered = "__Secure-" + lowered[len(_SECURE_LOWER) :]
        ctx.expire_cookie(lowered)
    if device:
        await ctx.store.delete_sessions([token for _, token in device])

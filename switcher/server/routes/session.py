"""``GET /get-session``, ``POST /sign-out`` and ``GET /ok``."""

from __future__ import annotations

from typing import Any

from switcher.protocol.errors import ErrorCode
from switcher.server.context import Context
from switcher.server.errors import APIError
from switcher.server.validation import SIGN_OUT

NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]


def _query_flag(ctx: Context, name: str) -> bool:
    return ctx.request.query.get(name, "").lower() == "true"


async def get_session(ctx: Context) -> Any:
    ctx.headers.extend(NO_STORE)
    found = await ctx.current_session(refresh=not _query_flag(ctx, "disableRefresh"))
    return found.to_json() if found else None


async def post_get_session(ctx: Context) -> Any:
    ctx.headers.extend(NO_STORE)
    raise APIError(ErrorCode.METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED)


async def sign_out(ctx: Context) -> Any:
    SIGN_OUT.parse(ctx.body)
    token = ctx.signed_cookie(ctx.names.session_token)
    if token is not None:
        await ctx.store.delete_sessions([token])
    ctx.delete_session_cookie()
    return {"success": True}


async def ok(ctx: Context) -> Any:
    return {"ok": True}

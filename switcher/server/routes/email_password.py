"""``POST /sign-up/email`` and ``POST /sign-in/email``."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from switcher.protocol.dates import to_iso, utc_now
from switcher.protocol.email import is_email
from switcher.protocol.errors import ErrorCode
from switcher.server import passwords
from switcher.server.context import Context
from switcher.server.errors import APIError
from switcher.server.ids import generate_id
from switcher.server.rows import Account, Session, SessionWithUser, User
from switcher.server.store import EmailTakenError, UnstorableValueError
from switcher.server.validation import SIGN_IN, SIGN_UP

# Unknown emails cost a full scrypt verify against this stored-format hash,
# so the answer's timing does not reveal which emails have accounts. It is a
# constant (any valid hash costs the same) so importing costs no scrypt.
_DUMMY_HASH = "9f1c6b0e2d4a8c7e5b3f1a0d9c8e7b6a:" + "0" * 128


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# scrypt releases the GIL, so hashing runs beside the event loop. One thread
# per usable CPU: each hash walks 32 MiB, and more threads than cores only
# evict each other from the cache (measured: 25% fewer sign-ins per second).
_HASHING = ThreadPoolExecutor(max_workers=_usable_cpus(), thread_name_prefix="scrypt")


async def _hash(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(
        _HASHING, passwords.hash_password, password
    )


async def _verify(stored: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _HASHING, passwords.verify_password, stored, password
    )


async def _new_session(ctx: Context, user: User, dont_remember: bool) -> SessionWithUser:
    now = utc_now()
    lifetime = ctx.config.dont_remember_expires_in if dont_remember else ctx.config.expires_in
    session = Session(
        id=generate_id(),
        token=generate_id(),
        user_id=user.id,
        expires_at=to_iso(now + timedelta(seconds=lifetime)),
        created_at=to_iso(now),
        updated_at=to_iso(now),
        ip_address=ctx.client_ip(),
        user_agent=ctx.request.headers.get("user-agent", ""),
    )
    await ctx.store.create_session(session)
    found = SessionWithUser(session, user)
    ctx.set_session_cookie(found, dont_remember)
    return found


async def sign_up(ctx: Context) -> Any:
    body = SIGN_UP.parse(ctx.body)
    password: str = body["password"]
    length = passwords.js_length(password)
    if length < ctx.config.min_password_length:
        raise APIError(ErrorCode.PASSWORD_TOO_SHORT)
    if length > ctx.config.max_password_length:
        raise APIError(ErrorCode.PASSWORD_TOO_LONG)
    email = body["email"].lower()
    if await ctx.store.find_user_by_email(email) is not None:
        raise APIError(ErrorCode.USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL)
    hashed = await _hash(password)
    now = to_iso(utc_now())
    user = User(
        id=generate_id(),
        name=body["name"],
        email=email,
        email_verified=False,
        image=body.get("image"),
        created_at=now,
        updated_at=now,
    )
    account = Account(
        id=generate_id(),
        account_id=user.id,
        provider_id="credential",
        user_id=user.id,
        password=hashed,
        created_at=now,
        updated_at=now,
    )
    try:
        await ctx.store.create_user(user, account)
    except EmailTakenError:
        # Lost a race with a concurrent sign-up of the same email.
        raise APIError(ErrorCode.USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL) from None
    except UnstorableValueError:
        raise APIError(ErrorCode.FAILED_TO_CREATE_USER) from None
    found = await _new_session(ctx, user, body.get("rememberMe") is False)
    return {"token": found.session.token, "user": user.to_json()}


async def sign_in(ctx: Context) -> Any:
    body = SIGN_IN.parse(ctx.body)
    email: str = body["email"]
    password: str = body["password"]
    if not is_email(email):
        raise APIError(ErrorCode.INVALID_EMAIL)
    if passwords.js_length(password) > ctx.config.max_password_length:
        raise APIError(ErrorCode.PASSWORD_TOO_LONG)
    user = await ctx.store.find_user_by_email(email.lower())
    stored = await ctx.store.find_credential_password(user.id) if user else None
    if user is None or not stored:
        await _verify(_DUMMY_HASH, password)
        raise APIError(ErrorCode.INVALID_EMAIL_OR_PASSWORD)
    if not await _verify(stored, password):
        raise APIError(ErrorCode.INVALID_EMAIL_OR_PASSWORD)
    found = await _new_session(ctx, user, body.get("rememberMe") is False)
    callback = body.get("callbackURL")
    answer: dict[str, Any] = {"redirect": bool(callback), "token": found.session.token}
    if callback:
        answer["url"] = callback
        ctx.headers.append((b"location", callback.encode("utf-8", "replace")))
    answer["user"] = user.to_json()
    return answer

"""The server is a plain ASGI app: it runs inside another ASGI application."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from switcher.server import ServerConfig, create_app
from tests.support.targets import PASSWORD, SECRET, unique_email


@pytest.mark.anyio
async def test_mounted_under_a_prefix_in_starlette(tmp_path: Path) -> None:
    auth = create_app(
        ServerConfig(
            secret=SECRET,
            base_url="http://testserver/identity",
            database_url=f"sqlite:///{tmp_path / 'auth.db'}",
            rate_limit=None,
        )
    )

    async def home(request: object) -> PlainTextResponse:
        return PlainTextResponse("host app")

    host = Starlette(routes=[Route("/", home), Mount("/identity", app=auth)])
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/")).text == "host app"
        email = unique_email()
        up = await client.post(
            "/identity/api/auth/sign-up/email",
            json={"name": "Mounted", "email": email, "password": PASSWORD},
        )
        assert up.status_code == 200
        cookie = "; ".join(line.split(";", 1)[0] for line in up.headers.get_list("set-cookie"))
        session = await client.get("/identity/api/auth/get-session", headers={"cookie": cookie})
        assert session.json()["user"]["email"] == email
        page = await client.get("/identity/", headers={"cookie": cookie})
        assert email in page.text
    await auth.close()

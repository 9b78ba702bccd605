"""``GET /``: a page that tells a person which account this browser is signed in as.

It exists so an exported session can be checked in a real browser. It reads
only; it never refreshes or clears cookies.
"""

from __future__ import annotations

from html import escape

from switcher.server.context import Context, Services
from switcher.server.http import Request, Response, html_response
from switcher.server.routes.multi_session import list_device_sessions

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}ul{padding-left:1.2rem}.muted{color:#666}.active{font-weight:600}
"""


def _who(name: str, email: str) -> str:
    return f"{escape(name)} &lt;{escape(email)}&gt;"


async def render_page(services: Services, request: Request) -> Response:
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
    html = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<title>switcher · local better-auth server</title>"
        f"<style>{_STYLE}</style>"
        f"<h1>{headline}</h1><h2>Accounts on this device</h2>{listing}"
        '<p class="muted">Served by switcher\'s bundled better-auth server.</p>'
    )
    return html_response(200, html)

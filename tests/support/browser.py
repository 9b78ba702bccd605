"""A browser-like cookie jar and client for driving a better-auth server in tests.

Cookies keep their creation order (a replaced cookie keeps its place), a
``Max-Age=0`` line deletes, and POSTs carry the page's ``Origin`` as a
browser's fetch would; each behaviour is what better-auth's responses assume.
"""

from __future__ import annotations

from typing import Any

import httpx

from switcher.protocol.setcookie import SetCookie, parse_set_cookie

_DEFAULT = object()


class Browser:
    def __init__(self, base_url: str, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = self.base_url
        self.jar: dict[str, str] = {}
        self.client = httpx.Client(base_url=self.base_url, transport=transport, timeout=30)
        self.last: httpx.Response | None = None

    def close(self) -> None:
        self.client.close()

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.jar.items())

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _DEFAULT,
        content: bytes | None = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        origin: str | object | None = _DEFAULT,
        cookie: str | object | None = _DEFAULT,
    ) -> httpx.Response:
        sent: dict[str, str] = {}
        header = self.cookie_header if cookie is _DEFAULT else cookie
        if header:
            sent["cookie"] = str(header)
        if origin is _DEFAULT:
            origin = self.origin if method == "POST" else None
        if origin is not None:
            sent["origin"] = str(origin)
        sent.update(headers or {})
        kwargs: dict[str, Any] = {"headers": sent}
        if json is not _DEFAULT:
            kwargs["json"] = json
        if content is not None:
            kwargs["content"] = content
        if data is not None:
            kwargs["data"] = data
        response = self.client.request(method, "/api/auth" + path, **kwargs)
        self.client.cookies.clear()  # this class is the jar, not httpx
        self.apply(response)
        self.last = response
        return response

    def apply(self, response: httpx.Response) -> None:
        for line in response.headers.get_list("set-cookie"):
            parsed = parse_set_cookie(line)
            if parsed is None:
                continue
            if parsed.deletes:
                self.jar.pop(parsed.name, None)
            else:
                self.jar[parsed.name] = parsed.value

    def post(self, path: str, json: Any = _DEFAULT, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json=json, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)


def set_cookies(response: httpx.Response) -> list[SetCookie]:
    parsed = [parse_set_cookie(line) for line in response.headers.get_list("set-cookie")]
    return [item for item in parsed if item is not None]


def set_cookie_lines(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")

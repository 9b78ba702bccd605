"""One cookie as a browser holds it.

The one cookie type: the client's jar keeps it, the vault stores it in the
keyring, and the browser writers put it into profiles.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Cookie:
    name: str
    value: str  # exactly as the server sent it (percent-encoded where it was)
    # The host that set it ("127.0.0.1", "app.example.com"), or for a domain
    # cookie its Domain attribute without the leading dot.
    domain: str
    host_only: bool = True
    path: str = "/"
    secure: bool = False
    http_only: bool = True
    same_site: str | None = "Lax"  # "Lax", "Strict", "None" or None (unspecified)
    expires: float | None = None  # Unix time; None: ends with the browser session

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cookie:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})

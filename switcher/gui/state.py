"""What the UI renders: an immutable snapshot of the current server, made on the worker."""

from __future__ import annotations

from dataclasses import dataclass

from switcher.display_text import who
from switcher.vault import Index


@dataclass(frozen=True)
class AccountView:
    user_id: str
    email: str
    name: str
    image: str | None
    status: str
    expires_at: str | None
    last_seen: str | None
    active: bool
    signed_in_at: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None

    @property
    def label(self) -> str:
        """One short line: a server's name for a user may hold newlines, tabs, or a novel."""
        return who(self.name, self.email)


@dataclass(frozen=True)
class Snapshot:
    server: str
    url: str
    servers: tuple[tuple[str, str], ...]
    accounts: tuple[AccountView, ...]
    generation: int = 0  # the index's save count: a newer snapshot is never replaced by an older

    @property
    def active(self) -> AccountView | None:
        return next((a for a in self.accounts if a.active), None)

    @classmethod
    def empty(cls) -> Snapshot:
        return cls("local", "", (), ())

    @classmethod
    def of(cls, index: Index) -> Snapshot:
        server = index.servers[index.current]
        return cls(
            server=server.name,
            url=server.url,
            servers=tuple((s.name, s.url) for s in index.servers.values()),
            generation=index.generation,
            accounts=tuple(
                AccountView(
                    user_id=a.user_id,
                    email=a.email,
                    name=a.name,
                    image=a.image,
                    status=a.status,
                    expires_at=a.expires_at,
                    last_seen=a.last_seen,
                    active=a.user_id == server.active,
                    signed_in_at=a.signed_in_at,
                    ip_address=a.ip_address,
                    user_agent=a.user_agent,
                )
                for a in server.accounts
            ),
        )

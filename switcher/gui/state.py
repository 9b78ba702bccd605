"""What the UI renders: an immutable snapshot of the current server, made on the worker."""

from __future__ import annotations

from dataclasses import dataclass, replace

from switcher.vault import Account, Index


@dataclass(frozen=True)
class Snapshot:
    server: str
    url: str
    servers: tuple[tuple[str, str], ...]
    # Copies made for this snapshot, never changed after: the worker keeps
    # changing the index's own accounts while the UI thread reads these.
    accounts: tuple[Account, ...]
    active_id: str | None = None
    generation: int = 0  # the index's save count: a newer snapshot is never replaced by an older

    @property
    def active(self) -> Account | None:
        return next((a for a in self.accounts if a.user_id == self.active_id), None)

    def is_active(self, account: Account) -> bool:
        return account.user_id == self.active_id

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
            accounts=tuple(replace(a) for a in server.accounts),
            active_id=server.active,
            generation=index.generation,
        )

"""One site's accounts, as the tests of sites configured their own way look at them."""

from __future__ import annotations

from pathlib import Path

from switcher.accounts import Accounts
from switcher.secrets import KeyringSecrets
from switcher.vault import Server, Vault


def site_service(tmp_path: Path, url: str, *, keep_alive: bool = True) -> Accounts:
    """A service with its own index under ``tmp_path``, on the site at ``url`` (named "site").

    Added without asking the site first: these tests are about what happens
    after, and some sites here are meant to answer badly.
    """
    service = Accounts(
        Vault(tmp_path / "config", KeyringSecrets()), timeout=10, keep_alive=keep_alive
    )
    service.add_server(url, name="site")
    service.use_server("site")
    return service


def active_email(server: Server) -> str | None:
    return next((a.email for a in server.accounts if a.user_id == server.active), None)

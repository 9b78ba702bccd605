"""Builds the accounts service, the same way for the command line and the tray app.

Both front-ends get one ``Accounts`` wired to the same places: the index in
the config directory, session cookies in the OS keyring (or, by request, a
private file), and the bundled server reached in-process. What the person
must be told while it is built (an index recovered from its backup) is left
in ``service.vault.notices`` for the front-end to show its own way: the
command line on stderr, the tray app as a notification.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from switcher.accounts import Accounts, TransportFactory
from switcher.bundled import LOCAL
from switcher.logs import REPORTED
from switcher.paths import config_dir, insecure_secrets_path, settings_path
from switcher.secrets import FileSecrets, SecretStore, SecretStoreError, open_keyring
from switcher.secrets.file_store import plain_text_warning
from switcher.vault import Server, Vault, VaultError

if TYPE_CHECKING:
    from switcher.client.exchange import Exchange

log = logging.getLogger("switcher.bootstrap")
T = TypeVar("T")


class ServiceUnavailableError(Exception):
    """The service cannot be built (an index from a newer switcher, an unusable directory)."""


class LazySecrets:
    """Opens the secret store on first use: listing fresh accounts needs none.

    Both front-ends reach the store through here, so keyring failures are
    logged here: which operation, and the store's one-line message (never a
    value; ``service`` is a server URL and ``key`` a user id, neither secret).
    """

    def __init__(self, open_store: Callable[[], SecretStore]) -> None:
        self._open = open_store
        self._store: SecretStore | None = None
        self._opening = threading.Lock()  # the app's lanes may ask at the same moment

    @property
    def store(self) -> SecretStore:
        with self._opening:
            if self._store is None:
                self._store = self._open()  # a failure is logged by _logged, once
                log.debug("secret store: %s", type(self._store).__name__)
            return self._store

    @property
    def calls(self) -> int:
        return self._store.calls if self._store is not None else 0

    def _logged(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except SecretStoreError as error:
            log.error("secret store failed %s: %s", what, error, extra=REPORTED)
            raise

    def get(self, service: str, key: str) -> str | None:
        return self._logged("reading", lambda: self.store.get(service, key))

    def set(self, service: str, key: str, value: str) -> None:
        self._logged("writing", lambda: self.store.set(service, key, value))

    def delete(self, service: str, key: str) -> None:
        self._logged("deleting", lambda: self.store.delete(service, key))

    def warm(self) -> None:
        self._logged("opening", lambda: self.store.warm())


def open_vault(*, insecure_storage: bool = False) -> Vault:
    """The index and the secret store behind it; notices are logged and kept on the vault."""
    path = insecure_secrets_path()
    secrets = LazySecrets(lambda: FileSecrets(path) if insecure_storage else open_keyring())
    try:
        vault = Vault(config_dir(), secrets)
    except (VaultError, SecretStoreError) as error:
        raise ServiceUnavailableError(str(error)) from None
    for notice in vault.notices:
        log.warning("%s", notice, extra=REPORTED)
    if insecure_storage:
        # Every time, also when this command needs no secret: the choice stands.
        vault.notices.append(plain_text_warning(path))
    return vault


def transports() -> TransportFactory:
    """The bundled server in process; every other server over the network."""

    @cache
    def local() -> Exchange:
        from switcher.bundled_server import bundled_server

        return bundled_server().exchange

    def transport_for(server: Server) -> Exchange | None:
        return local() if server.name == LOCAL else None

    return transport_for


def build_service(*, insecure_storage: bool = False, vault: Vault | None = None) -> Accounts:
    """The one service object a front-end works through."""
    return Accounts(
        vault or open_vault(insecure_storage=insecure_storage),
        transport_for=transports(),
        keep_alive=keeps_sessions_alive(),
    )


def keeps_sessions_alive() -> bool:
    """The app's "keep sessions alive" setting (on unless turned off), for every front-end."""
    try:
        data = json.loads(settings_path().read_text())
    except (OSError, ValueError):
        return True
    return not (isinstance(data, dict) and data.get("keep_sessions_alive") is False)

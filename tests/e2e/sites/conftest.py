"""An OAuth-only better-auth site, shared by the modules that sign in to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.oauth_provider import Provider, running_provider
from tests.support.peer import PeerServer
from tests.support.targets import SECRET


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """A local OAuth provider that approves at once, as the identity a test chooses."""
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def oauth_site(provider: Provider) -> Iterator[PeerServer]:
    """The real better-auth with genericOAuth against ``provider``, and no password at all."""
    with PeerServer(secret=SECRET, generic_oauth=provider.url, no_password=True) as peer:
        yield peer

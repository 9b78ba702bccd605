"""The one place that builds the service: notices are handed back, never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from switcher.accounts import Accounts
from switcher.bootstrap import (
    ServiceUnavailableError,
    build_service,
    keeps_sessions_alive,
    transports,
)
from switcher.bundled import LOCAL


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("SWITCHER_CONFIG_DIR", str(config))
    monkeypatch.setenv("SWITCHER_DATA_DIR", str(tmp_path / "data"))
    return config


def test_a_recovered_index_is_a_notice_for_the_front_end_not_a_print(
    profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = build_service(insecure_storage=True)
    assert isinstance(first, Accounts)
    assert len(first.vault.notices) == 1
    assert "plain text" in first.vault.notices[0]  # told each time that store is used
    first.add_server("https://auth.example.com", "remote", None)  # saved, with a backup
    (profile / "accounts.json").write_text("{not json")

    service = build_service(insecure_storage=True)
    assert len(service.vault.notices) == 2
    assert "rebuilt from its backup" in service.vault.notices[0]
    assert "remote" in service.vault.index.servers
    assert capsys.readouterr() == ("", "")  # the front-end decides how to tell it
    again = build_service(insecure_storage=True).vault.notices
    assert len(again) == 1 and "plain text" in again[0]  # the recovery is told once


def test_a_service_that_cannot_be_built_is_one_typed_error(profile: Path) -> None:
    build_service(insecure_storage=True).add_server("https://auth.example.com", "remote", None)
    newer = json.dumps({"version": 99, "servers": {}})
    (profile / "accounts.json").write_text(newer)
    with pytest.raises(ServiceUnavailableError, match="newer switcher"):
        build_service(insecure_storage=True)
    assert (profile / "accounts.json").read_text() == newer


def test_the_bundled_server_is_reached_in_process_and_others_over_the_network(
    profile: Path,
) -> None:
    from switcher.client.exchange import Exchange

    service = build_service(insecure_storage=True)
    local = service.server(LOCAL)
    transport_for = transports()
    link = transport_for(local)
    assert isinstance(link, Exchange)
    assert transports()(local) is link  # one bundled server per process
    remote = service.add_server("https://auth.example.com", "remote", None)
    assert transport_for(remote) is None  # the client's own HTTP exchange
    # The service built for a front-end reaches the bundled server that way:
    # no socket serves 127.0.0.1:3000 here, and the server still answers.
    assert service.refresh(LOCAL).name == LOCAL


def test_sessions_are_kept_alive_unless_the_setting_says_no(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWITCHER_CONFIG_DIR", str(tmp_path))
    settings = tmp_path / "settings.json"
    assert keeps_sessions_alive() is True  # no settings yet
    for text, kept in [
        ('{"keep_sessions_alive": false}', False),
        ('{"keep_sessions_alive": true}', True),
        ('{"refresh_seconds": 60}', True),
        ("not json", True),
        ("[]", True),
    ]:
        settings.write_text(text)
        assert keeps_sessions_alive() is kept, text

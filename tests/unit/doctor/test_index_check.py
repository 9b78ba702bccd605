"""The doctor reads the account index as saved and never repairs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from switcher.bundled import LOCAL
from switcher.doctor import (
    read_index,
)
from switcher.vault import Index, Server


def test_the_index_is_read_as_saved_and_never_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWITCHER_CONFIG_DIR", str(tmp_path))
    index, problem = read_index()
    assert problem is None
    assert list(index.servers) == [LOCAL]

    saved = Index.empty()
    saved.servers["work"] = Server("work", "https://work.example.com")
    (tmp_path / "accounts.json.bak").write_text(json.dumps(saved.to_json()))
    (tmp_path / "accounts.json").write_text("{ torn")
    index, problem = read_index()
    assert problem is not None
    assert problem.status == "warn"
    assert "accounts.json.bak" in problem.summary
    assert set(index.servers) == {LOCAL, "work"}
    assert (tmp_path / "accounts.json").read_text() == "{ torn"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.json", "accounts.json.bak"]

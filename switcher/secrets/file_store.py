"""``--insecure-storage``: session cookies in an owner-only file, by explicit request only."""

from __future__ import annotations

import json
import os
from pathlib import Path

from switcher.paths import private_dir
from switcher.secrets.store import SecretStoreError


def plain_text_warning(path: Path) -> str:
    """What the person is told each time this store is used (by the front-end)."""
    return (
        f"warning: session cookies are stored in plain text in {path} "
        "(--insecure-storage); anyone who can read that file can use your accounts"
    )


class FileSecrets:
    """``--insecure-storage``: a JSON file readable by its owner only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise SecretStoreError(f"cannot read {self.path}: {error}") from None
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        private_dir(self.path.parent)
        temp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)

    def warm(self) -> None:
        """A file needs nothing opened ahead."""

    def get(self, service: str, key: str) -> str | None:
        self.calls += 1
        return self._load().get(service, {}).get(key)

    def set(self, service: str, key: str, value: str) -> None:
        self.calls += 1
        data = self._load()
        data.setdefault(service, {})[key] = value
        self._save(data)

    def delete(self, service: str, key: str) -> None:
        self.calls += 1
        data = self._load()
        if data.get(service, {}).pop(key, None) is not None:
            self._save(data)

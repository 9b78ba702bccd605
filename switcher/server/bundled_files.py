"""The bundled server's local defaults: a database and a private secret in the data dir."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from switcher.paths import bundled_server_dir, private_dir


class SecretFileError(Exception):
    """The local secret cannot be created or read safely."""


def database_path() -> Path:
    """The bundled server's SQLite database file."""
    return bundled_server_dir() / "auth.db"


def secret_path() -> Path:
    """The bundled server's secret file."""
    return bundled_server_dir() / "secret"


def default_database_url() -> str:
    return f"sqlite:///{database_path()}"


def local_secret(path: Path | None = None) -> str:
    """The local server's secret, generated on first use and kept owner-only (0600).

    It is never printed: anyone holding it can forge every session cookie.
    """
    path = path or secret_path()
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    secret = secrets.token_urlsafe(48)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # link() publishes the complete file atomically and fails if another
        # process got there first; then theirs is the secret.
        os.link(temp, path)
    except FileExistsError:
        return _read(path)
    except OSError as error:
        raise SecretFileError(f"cannot create {path}: {error.strerror}") from error
    finally:
        temp.unlink(missing_ok=True)
    return secret


def _read(path: Path) -> str:
    try:
        mode = path.stat().st_mode & 0o777
        if os.name == "posix" and mode & 0o077:
            raise SecretFileError(
                f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
            )
        secret = path.read_text().strip()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise SecretFileError(f"cannot read {path}: {error.strerror}") from error
    if not secret:
        raise SecretFileError(f"{path} is empty; delete it to generate a new secret")
    return secret

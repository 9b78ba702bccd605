"""The account index, read as saved for the server checks, and what is wrong with it."""

from __future__ import annotations

from switcher.doctor.report import Check
from switcher.paths import config_dir
from switcher.vault import Index, NewerIndexError, backup_path, index_path, parse_index


def read_index() -> tuple[Index, Check | None]:
    """The account index as saved, without the keyring and without repairing anything.

    (Opening a ``Vault`` would move a corrupt index aside and ask the keyring
    to rebuild it: not the doctor's business.)
    """
    directory = config_dir()
    path = index_path(directory)
    facts = {"path": str(path)}
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Index.empty(), None
    except OSError as error:
        return Index.empty(), Check(
            "index",
            "fail",
            f"cannot read {path}: {error.strerror}",
            hint=f"fix its permissions (ls -l {path}) so your user can read and write it",
            facts=facts,
        )
    try:
        index = parse_index(raw)
    except NewerIndexError as newer:
        return Index.empty(), Check(
            "index",
            "fail",
            f"{path} was written by a newer switcher (index version {newer})",
            hint="update switcher (this one leaves the file as it is)",
            facts=facts,
        )
    if index is not None:
        return index, None
    backup = backup_path(directory)
    try:
        saved = parse_index(backup.read_bytes())
    except (OSError, NewerIndexError):
        saved = None
    index = saved if saved is not None else Index.empty()
    source = backup.name if saved is not None else "nothing (no good backup)"
    return index, Check(
        "index",
        "warn",
        f"{path} is corrupt; the servers below are from {source}",
        hint="the next switcher command moves it aside and rebuilds it from its backup and "
        "the keyring: run switcher accounts list",
        facts=facts,
    )

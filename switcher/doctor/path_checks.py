"""The configuration, data and log directories: there, or creatable, and writable."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from switcher.doctor.report import Check
from switcher.paths import config_dir, data_dir, log_dir

PATHS: tuple[tuple[str, str, Callable[[], Path], str], ...] = (
    ("config", "configuration", config_dir, "SWITCHER_CONFIG_DIR"),
    ("data", "data", data_dir, "SWITCHER_DATA_DIR"),
    ("logs", "log", log_dir, "SWITCHER_LOG_DIR"),
)


def check_paths() -> list[Check]:
    return [check_path(key, label, find(), variable) for key, label, find, variable in PATHS]


def check_path(key: str, label: str, path: Path, variable: str) -> Check:
    name = f"path:{key}"
    facts: dict[str, Any] = {
        "path": str(path),
        "exists": path.exists(),
        "writable": False,
        "override": variable,
    }
    elsewhere = f"or set {variable} to a directory of your own"
    if path.exists() and not path.is_dir():
        return Check(
            name,
            "fail",
            f"{label} directory {path} is a file, not a directory",
            hint=f"move that file away, {elsewhere}",
            facts=facts,
        )
    if path.is_dir():
        facts["writable"] = os.access(path, os.W_OK | os.X_OK)
        if facts["writable"]:
            return Check(name, "ok", f"{label} directory {path}", facts=facts)
        return Check(
            name,
            "fail",
            f"{label} directory {path} is not writable",
            hint=f"make it yours (chown -R $USER {path}), {elsewhere}",
            facts=facts,
        )
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        facts["writable"] = True
        return Check(name, "ok", f"{label} directory {path} (made on first use)", facts=facts)
    return Check(
        name,
        "fail",
        f"{label} directory {path} cannot be created: {parent} is not a writable directory",
        hint=f"create it yourself (mkdir -p {path}), {elsewhere}",
        facts=facts,
    )

"""A real Secret Service and a helper that runs the ``switcher`` command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.secret_service import SecretService, running_secret_service
from tests.support.targets import PASSWORD


@pytest.fixture(scope="module")
def secret_service() -> Iterator[SecretService]:
    with running_secret_service() as service:
        yield service


@dataclass
class Cli:
    env: dict[str, str]
    root: Path
    outputs: list[str] = field(default_factory=list)  # everything printed, for the secrets check

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "switcher", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=60,
            check=False,
        )
        if args[0] != "cookie":
            self.outputs.append(result.stdout + result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def add(
        self,
        email: str,
        *extra: str,
        check: bool = True,
        env: dict[str, str] | None = None,
        before: tuple[str, ...] = (),
    ) -> subprocess.CompletedProcess[str]:
        """``accounts add`` with the test password; ``before``: global options (--server …)."""
        return self(
            *before,
            "accounts",
            "add",
            email,
            "--password-stdin",
            *extra,
            stdin=PASSWORD + "\n",
            check=check,
            env=env,
        )

    def listing(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self("accounts", "list", "--json").stdout)
        return data


@pytest.fixture
def cli(secret_service: SecretService, tmp_path: Path) -> Cli:
    env = secret_service.child_env()
    env["SWITCHER_CONFIG_DIR"] = str(tmp_path / "config")
    env["SWITCHER_DATA_DIR"] = str(tmp_path / "data")
    env["SWITCHER_LOG_DIR"] = str(tmp_path / "logs")  # never the real home's log
    # A terminal, as a person has it: tests/gui/conftest.py sets Qt's offscreen
    # platform for the whole test process, which the commands must not inherit.
    env.pop("QT_QPA_PLATFORM", None)
    return Cli(env, tmp_path)

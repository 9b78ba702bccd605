"""``switcher serve`` refuses unsafe or impossible settings with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli


@pytest.fixture
def serve_cli(cli_here: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    for name in ("BETTER_AUTH_SECRET", "AUTH_SECRET", "BETTER_AUTH_URL"):
        cli_here.env.pop(name, None)
    return cli_here


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "refusing to listen on 0.0.0.0 with the generated local secret"),
        (["--port", "70000"], "--port must be between 1 and 65535"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--database", "mysql://x"], "database URL must start with sqlite:///"),
        (["--base-url", "ftp://x"], "base URL must be an http(s) URL"),
    ],
)
def test_serve_refuses_bad_settings(serve_cli: Cli, args: list[str], message: str) -> None:
    ran = serve_cli("serve", *args, check=False)
    assert ran.returncode == 1
    assert ran.stderr.startswith("switcher: ")
    assert message in ran.stderr
    assert ran.stderr.count("\n") == 1


def test_usage_errors_exit_2(serve_cli: Cli) -> None:
    ran = serve_cli("serve", "--port", "many", check=False)
    assert ran.returncode == 2
    assert "--port" in ran.stderr


def test_the_generated_secret_is_never_printed(serve_cli: Cli) -> None:
    # A bad base URL is refused after the local secret has been generated.
    ran = serve_cli("serve", "--base-url", "ftp://x", check=False)
    assert ran.returncode == 1
    secret = (Path(serve_cli.env["SWITCHER_DATA_DIR"]) / "server" / "secret").read_text().strip()
    assert len(secret) >= 32
    assert secret not in ran.stdout + ran.stderr

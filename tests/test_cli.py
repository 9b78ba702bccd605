"""``switcher serve`` refuses unsafe or impossible settings with one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from switcher import __version__
from switcher.main import main


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "switcher", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_version() -> None:
    result = _run("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"switcher {__version__}")


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SWITCHER_DATA_DIR", str(tmp_path / "data"))
    for name in ("BETTER_AUTH_SECRET", "AUTH_SECRET", "BETTER_AUTH_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


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
def test_serve_refuses_bad_settings(
    clean_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["serve", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("switcher: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--port", "many"])
    assert caught.value.code == 2


def test_the_generated_secret_is_never_printed(clean_env: Path) -> None:
    result = _run("serve", "--port", "70000")
    secret_file = clean_env / "data" / "server" / "secret"
    assert result.returncode == 1
    if secret_file.exists():
        secret = secret_file.read_text().strip()
        assert secret not in result.stdout + result.stderr


def test_the_tray_app_without_a_display_says_what_to_do(tmp_path: Path) -> None:
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["SWITCHER_CONFIG_DIR"] = str(tmp_path / "config")
    env["SWITCHER_DATA_DIR"] = str(tmp_path / "data")
    result = _run(env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("switcher: no display")
    assert "Traceback" not in result.stderr

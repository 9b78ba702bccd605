"""One app per user, as real processes: launches at one moment, an unusable runtime directory."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from switcher.logs import LOG_FILE
from tests.support.cli import SWITCHER_COMMAND


def test_two_launches_at_the_same_moment_end_as_one_app(tmp_path: Path) -> None:
    """Real processes (offscreen: the accounts window is the app), started together."""
    env = dict(os.environ)  # QT_QPA_PLATFORM=offscreen and XDG_RUNTIME_DIR, from the conftest
    env["SWITCHER_CONFIG_DIR"] = str(tmp_path / "config")
    env["SWITCHER_DATA_DIR"] = str(tmp_path / "data")
    env["SWITCHER_LOG_DIR"] = str(tmp_path / "logs")
    launches = [
        subprocess.Popen(
            list(SWITCHER_COMMAND),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(3)
    ]
    try:
        deadline = time.monotonic() + 30
        while sum(p.poll() is None for p in launches) > 1:
            assert time.monotonic() < deadline, "more than one app kept running"
            time.sleep(0.1)
        time.sleep(1.0)  # and it stays that way
        running = [p for p in launches if p.poll() is None]
        assert len(running) == 1
        assert all(p.returncode == 0 for p in launches if p not in running)
        log = (tmp_path / "logs" / LOG_FILE).read_text()
        assert log.count("asked it to show its window") == 2
    finally:
        for process in launches:
            if process.poll() is None:
                process.kill()
            _, stderr = process.communicate(timeout=10)
            assert b"Traceback" not in stderr


def test_an_unusable_runtime_directory_is_one_clear_line(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    (runtime / "switcher").write_text("a file where the app's channel directory goes")
    env = dict(os.environ)  # QT_QPA_PLATFORM=offscreen, from the conftest
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        SWITCHER_CONFIG_DIR=str(tmp_path / "config"),
        SWITCHER_DATA_DIR=str(tmp_path / "data"),
        SWITCHER_LOG_DIR=str(tmp_path / "logs"),
    )
    done = subprocess.run(
        list(SWITCHER_COMMAND),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("switcher: cannot set up the app's channel:"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

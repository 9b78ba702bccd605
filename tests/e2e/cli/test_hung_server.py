"""A server that hangs holds up only the command talking to it.

Real processes, a real gnome-keyring: ``accounts add`` against a server that
drips its answer one byte every 2 s, and meanwhile other commands on another
server. Before, the add held the index lock across its request, so ``switcher
server use local`` waited for it (80 s was seen), and the add itself never
returned.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.support.cli import Cli
from tests.support.fault_server import FaultServer, drip, http_response
from tests.support.targets import PASSWORD, unique_email

# accounts.Accounts gives each request a 10 s overall deadline.
DEADLINE = 10.0


SLACK = 3.0  # process start, and a loaded machine


def test_a_dripping_server_blocks_neither_other_commands_nor_other_servers(cli: Cli) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up")
    cli.add(bob, "--sign-up")
    answer = http_response(200, b'{"token": "t", "user": {}}')
    with FaultServer(drip(answer, every=2.0, count=len(answer))) as dripping:
        cli("server", "add", dripping.base_url, "--name", "slow", "--no-check")
        started = time.monotonic()
        add = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "switcher",
                "--server",
                "slow",
                "accounts",
                "add",
                "carol@example.com",
                "--password-stdin",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli.env,
        )
        try:
            assert add.stdin is not None
            add.stdin.write(PASSWORD + "\n")
            add.stdin.close()
            deadline = time.monotonic() + 10
            while not dripping.requests:
                assert time.monotonic() < deadline, "the add never reached the server"
                time.sleep(0.05)

            # While it hangs: other commands, on the index and on another server.
            for args in (
                ("server", "use", "local"),
                ("accounts", "use", alice),
                ("accounts", "list", "--json"),
                ("server", "list"),
            ):
                took = time.monotonic()
                cli(*args)
                assert time.monotonic() - took < 3.0, f"{args} waited for the hung add"
            assert add.poll() is None  # still hanging: the commands did not wait for its end

            add.wait(timeout=DEADLINE + SLACK)
            assert add.stderr is not None
            stderr = add.stderr.read()
        finally:
            if add.poll() is None:
                add.kill()
                add.wait()
            for stream in (add.stdout, add.stderr):
                if stream is not None:
                    stream.close()
        elapsed = time.monotonic() - started
    assert add.returncode == 1
    assert f"did not answer within {DEADLINE:g} s" in stderr
    assert "Traceback" not in stderr
    assert elapsed < DEADLINE + SLACK

    accounts = json.loads(cli("accounts", "list", "--json").stdout)["accounts"]
    assert [a["email"] for a in accounts] == [alice, bob]
    assert next(a for a in accounts if a["active"])["email"] == alice
    index = json.loads((cli.root / "config" / "accounts.json").read_text())
    assert index["current"] == "local"
    assert index["pending"] == []  # the failed add cleared its marker
    assert index["servers"]["slow"]["accounts"] == []

"""What a server says reaches the terminal as text, never as terminal commands."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import Cli
from tests.support.fault_server import FaultServer, http_response

# Clear the screen, retitle the terminal, a one-byte CSI, and a right-to-left override.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07wrong \x9b31m password\u202egnp.exe"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (
            http_response(401, json.dumps({"message": HOSTILE, "code": "X\x1b[31m"}).encode()),
            "switcher: ?[2J?]0;pwned?wrong ?31m password?gnp.exe\n",
        ),
        (
            http_response(503, json.dumps({"message": HOSTILE}).encode()),
            "cannot answer now: ?[2J?]0;pwned?wrong ?31m password?gnp.exe (HTTP 503)\n",
        ),
        (
            # A link endpoint's failure: the description is percent-encoded in the URL.
            http_response(
                302, b"", headers=[("Location", "/x?error=E&error_description=%1B%5B2Jgone")]
            ),
            "switcher: ?[2Jgone\n",
        ),
    ],
)
def test_a_servers_message_is_quoted_without_its_control_characters(
    cli_here: Cli, answer: bytes, said: str
) -> None:
    with FaultServer(answer) as hostile:
        cli_here("server", "add", hostile.base_url, "--name", "hostile", "--no-check")
        ran = cli_here(
            "--server", "hostile", "accounts", "add", "ann@example.com",
            "--password-stdin", stdin="pw\n", check=False,
        )  # fmt: skip
    assert ran.returncode == 1
    assert ran.stderr.endswith(said)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in ran.stderr)
    assert "\x9b" not in ran.stderr and "\u202e" not in ran.stderr

"""The log file through real ``switcher`` processes: a full flow leaves no secret in it.

Real CLI subprocesses, a real Secret Service and switcher's server on a real
socket; the session tokens are read back from that server's database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from switcher.logs import LOG_FILE
from switcher.protocol.signing import Signer
from switcher.server.store.sqlite import sqlite_path
from tests.support.cli import Cli
from tests.support.targets import PASSWORD, SECRET, SWITCHER, Options, Servers, unique_email

WRONG_PASSWORD = "Wr0ng-and-l0ng-enough"


def _tokens(database_url: str) -> set[str]:
    with sqlite3.connect(sqlite_path(database_url)) as db:
        return {row[0] for row in db.execute("select token from session")}


def _secret_forms(tokens: set[str]) -> set[str]:
    """Each token raw, signed as on the wire (percent-encoded), and signed decoded."""
    signer = Signer(SECRET)
    forms = set(tokens)
    for token in tokens:
        forms.add(signer.sign(token))
        forms.add(f"{token}.{signer.signature(token)}")
        forms.add(token.lower())  # as a multi-session cookie's name carries it
    return forms


def test_a_full_flow_logs_what_happened_and_no_secret(
    cli: Cli, servers: Servers, tmp_path: Path
) -> None:
    target = servers.get(SWITCHER, Options())
    assert target.app is not None
    database = target.app.config.database_url
    alice, bob = unique_email("alice"), unique_email("bob")
    verbose: list[str] = []

    def loud(*args: str, stdin: str | None = None, check: bool = True) -> str:
        result = cli("--verbose", *args, stdin=stdin, check=check)
        verbose.append(result.stderr)
        return result.stdout

    cli("server", "add", target.base_url, "--name", "remote")
    cli("server", "use", "remote")
    cli.add(alice, "--sign-up", "--name", "Alice")
    loud("accounts", "add", bob, "--sign-up", "--password-stdin", stdin=PASSWORD + "\n")
    refused = loud(
        "accounts", "add", alice, "--password-stdin", stdin=WRONG_PASSWORD + "\n", check=False
    )
    assert refused == ""
    cli("accounts", "list")
    loud("accounts", "list", "--json")
    loud("accounts", "use", alice)
    printed = cli("cookie").stdout  # may print the session: it is what it is for
    json_cookies = json.loads(cli("cookie", "--format", "json").stdout)
    cookies_txt = tmp_path / "exported-cookies.txt"
    loud("export", "cookies-txt", "--output", str(cookies_txt))
    tokens = _tokens(database)
    assert len(tokens) >= 2
    loud("accounts", "revoke", bob)
    cli("accounts", "sign-out")

    log = (tmp_path / "logs" / LOG_FILE).read_text()
    secrets = _secret_forms(tokens) | {PASSWORD, WRONG_PASSWORD, SECRET}
    secrets |= {c["value"] for c in json_cookies}
    secrets |= {pair.split("=", 1)[1] for pair in printed.strip().split("; ")}
    assert all(len(s) >= 11 for s in secrets)
    for secret in secrets:
        assert secret not in log, "a secret is in the log file"
        for output in [*verbose, *cli.outputs]:
            assert secret not in output, "a secret is on the terminal"
    assert "[redacted]" not in log  # the code logs none: the filter had nothing to do

    for expected in (
        "accounts add started",
        f"signed up {alice} on remote ({target.base_url}): added, active",
        f"signed up {bob} on remote ({target.base_url}): added, active",
        f"sign-in {alice} on remote refused: Invalid email or password",
        "failed: Invalid email or password",
        f"switched to {alice} on remote ({target.base_url})",
        # session_token and the two multi-session cookies
        f"exported 3 cookies to cookies.txt file {cookies_txt}",
        f"revoked {bob} on remote ({target.base_url})",
        f"signed out 1 account on remote ({target.base_url})",
        "accounts sign-out exited with status 0",
    ):
        assert expected in log, expected
    assert " DEBUG switcher.accounts: talking to remote" in log  # the --verbose runs
    assert all(" DEBUG " in stderr for stderr in verbose)


def test_verbose_adds_debug_lines_and_otherwise_the_terminal_is_unchanged(cli: Cli) -> None:
    quiet = cli("accounts", "list")
    assert quiet.stderr == ""
    assert quiet.stdout == (
        "local (http://127.0.0.1:3000)\n  no accounts; add one with: switcher accounts add EMAIL\n"
    )
    loud = cli("-v", "accounts", "list")
    assert loud.stdout == quiet.stdout
    lines = loud.stderr.splitlines()
    assert any(" DEBUG switcher: logging to " in line for line in lines), loud.stderr
    assert any("accounts list started" in line for line in lines), loud.stderr
    failed = cli("accounts", "use", "nobody@example.com", check=False)
    assert failed.stderr.startswith("switcher: no account nobody@example.com on local")
    assert failed.stderr.count("\n") == 1  # one line, no log lines without --verbose
    # Conventional: global options come before the command.
    assert cli("accounts", "list", "--verbose", check=False).returncode == 2


def test_an_unwritable_log_directory_changes_nothing(cli: Cli) -> None:
    cli.env["SWITCHER_LOG_DIR"] = "/dev/null/logs"  # under a device file: fails even as root
    quiet = cli("accounts", "list")
    assert quiet.stderr == ""
    assert "no accounts" in quiet.stdout
    loud = cli("--verbose", "accounts", "list")
    warnings = [line for line in loud.stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == 1
    assert "no log file" in warnings[0]
    assert not (cli.root / "logs").exists()

"""The command line end to end: real processes, a real Secret Service, real servers."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.cli import SWITCHER_COMMAND, Cli, typed_at_a_terminal
from tests.support.secret_service import SecretService
from tests.support.targets import PASSWORD, Target, unique_email


def _emails(listing: dict[str, object]) -> list[tuple[str, bool]]:
    return [(a["email"], a["active"]) for a in listing["accounts"]]  # type: ignore[attr-defined]


def test_the_whole_flow_on_the_bundled_server(cli: Cli) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    assert cli.add(alice, "--sign-up", "--name", "Alice").stdout.strip() == (
        f"signed in as {alice} (active)"
    )
    cli.add(bob, "--sign-up", "--name", "Bob")
    assert _emails(cli.listing()) == [(alice, False), (bob, True)]
    text = cli("accounts", "list").stdout
    assert f"* Bob <{bob}>  (active, until " in text
    assert f"  Alice <{alice}>  (signed in, until " in text
    assert cli("accounts", "use", alice).stdout.strip() == f"active: {alice}"
    assert _emails(cli.listing()) == [(alice, True), (bob, False)]
    header = cli("cookie").stdout.strip()
    assert header.startswith("better-auth.session_token=")
    cookies = json.loads(cli("cookie", "--format", "json").stdout)
    assert cookies[0]["name"] == "better-auth.session_token"
    assert cookies[0]["httpOnly"] is True
    assert "\t2 signed in" in cli("server", "list").stdout
    assert cli("accounts", "revoke", alice).stdout.strip() == f"revoked {alice}; active: {bob}"
    assert _emails(cli.listing()) == [(bob, True)]
    assert cli("accounts", "sign-out").stdout.strip() == "signed out 1 account"
    assert cli.listing()["accounts"] == []


def test_a_remote_server_and_its_secrets_stay_out_of_files_and_output(
    cli: Cli, target: Target
) -> None:
    cli("server", "add", target.base_url, "--name", "remote")
    assert "remote" in cli("server", "list").stdout
    cli("server", "use", "remote")
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up")
    cli.add(bob, "--sign-up")
    cli("accounts", "use", alice)
    tokens = {value.split(";")[0] for value in cli("cookie").stdout.strip().split("; ")}
    signed = [pair.split("=", 1)[1] for pair in tokens]
    raw_tokens = [value.split(".")[0] for value in signed]
    cli("accounts", "revoke", bob)
    cli("accounts", "list")
    secrets = signed + raw_tokens
    assert all(len(s) >= 32 for s in raw_tokens)
    for path in cli.root.rglob("*"):
        if path.is_file():
            content = path.read_bytes().decode("utf-8", "replace")
            for secret in secrets:
                assert secret not in content, f"a session secret is in {path}"
    for output in cli.outputs:
        for secret in secrets:
            assert secret not in output
    cli("accounts", "sign-out")


def test_an_ended_session_reads_as_ended_even_when_it_is_the_active_one(cli: Cli) -> None:
    alice = unique_email("alice")
    cli.add(alice, "--sign-up", "--name", "Alice")
    index_file = cli.root / "config" / "accounts.json"
    data = json.loads(index_file.read_text())
    data["servers"]["local"]["accounts"][0]["status"] = "revoked"  # as a refresh saves it
    index_file.write_text(json.dumps(data))
    text = cli("accounts", "list").stdout
    assert f"* Alice <{alice}>  (revoked elsewhere: sign in again)" in text


def test_bad_input_gets_one_clear_line_and_exit_status_1(cli: Cli) -> None:
    alice = unique_email("alice")
    cli.add(alice, "--sign-up")
    before = cli.listing()
    cases = [
        (("accounts", "use", "nobody@example.com"), None, "no account nobody@example.com"),
        (
            ("accounts", "add", alice, "--password-stdin"),
            "wrong-password\n",
            "Invalid email or password",
        ),
        (("accounts", "add", alice), None, "--password-stdin"),
        (("accounts", "add", alice, "--name", "X", "--password-stdin"), "x\n", "--sign-up"),
        (("accounts", "add", "not@an-email", "--password-stdin"), "pw\n", "neither an email"),
        (("accounts", "add", "a-name", "--password-stdin"), "pw\n", "does not sign in by username"),
        (("accounts", "add", "a-name", "--sign-up"), None, "not an email address"),
        (("--server", "nope", "accounts", "list"), None, "no server named 'nope'"),
        (("server", "add", "ftp://example.com"), None, "not an http(s) URL"),
        (("server", "remove", "local"), None, "cannot be removed"),
        (("accounts", "add", alice, "--password-stdin"), "\n", "password is empty"),
    ]
    for args, stdin, message in cases:
        result = cli(*args, stdin=stdin, check=False)
        assert result.returncode == 1, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1, (args, result.stderr)
    usage = cli("accounts", "frobnicate", check=False)
    assert usage.returncode == 2
    assert cli.listing() == before


def test_a_new_accounts_password_is_asked_twice_at_a_terminal(cli: Cli) -> None:
    carol = unique_email("carol")
    code, shown = typed_at_a_terminal(
        cli, ["accounts", "add", carol, "--sign-up"], ["first-try-123", "first-try-124"]
    )
    assert code == 1, shown
    assert "the two passwords differ; nothing was changed" in shown
    assert carol not in [email for email, _ in _emails(cli.listing())]
    code, shown = typed_at_a_terminal(
        cli, ["accounts", "add", carol, "--sign-up"], ["same-pass-123", "same-pass-123"]
    )
    assert code == 0, shown
    assert f"signed in as {carol}" in shown
    assert "same-pass-123" not in shown  # never echoed
    # Signing in (not up) asks once.
    code, shown = typed_at_a_terminal(cli, ["accounts", "add", carol], ["same-pass-123"])
    assert code == 0, shown
    assert shown.count("assword") == 1


def test_an_unreachable_server_is_reported_and_nothing_is_lost(cli: Cli) -> None:
    from tests.support.fault_server import refused_port

    with refused_port() as port:
        refused = cli("server", "add", f"http://127.0.0.1:{port}", "--name", "down", check=False)
        assert refused.returncode == 1
        assert "cannot connect" in refused.stderr
        assert refused.stderr.endswith("(to add it anyway, pass --no-check)\n")
        assert "down" not in cli("server", "list").stdout
        cli("server", "add", f"http://127.0.0.1:{port}", "--name", "down", "--no-check")
        result = cli(
            "--server",
            "down",
            "accounts",
            "add",
            "a@example.com",
            "--password-stdin",
            stdin="pw\n",
            check=False,
        )
    assert result.returncode == 1
    assert "cannot connect" in result.stderr
    assert "down" in cli("server", "list").stdout


def test_a_locked_keyring_is_a_clear_error_not_a_hang(
    cli: Cli, secret_service: SecretService
) -> None:
    alice = unique_email("alice")
    cli.add(alice, "--sign-up")
    cli(
        "accounts",
        "add",
        unique_email("bob"),
        "--sign-up",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    secret_service.lock()
    try:
        result = cli("accounts", "use", alice, check=False)
        assert result.returncode == 1
        assert "keyring is locked" in result.stderr
    finally:
        secret_service.unlock()
    cli("accounts", "use", alice)


def test_no_keyring_at_all_names_the_fix(cli: Cli) -> None:
    env = dict(cli.env)
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={cli.root / 'no-bus-here'}"
    lost = Cli(env, cli.root)
    result = lost.add(unique_email("alice"), "--sign-up", check=False)
    assert result.returncode == 1
    assert "--insecure-storage" in result.stderr
    assert "gnome-keyring" in result.stderr.lower() or "secret service" in result.stderr.lower()


def test_insecure_storage_works_and_warns_every_time(cli: Cli) -> None:
    alice = unique_email("alice")
    first = cli.add(alice, "--sign-up", before=("--insecure-storage",))
    assert "plain text" in first.stderr
    second = cli("--insecure-storage", "accounts", "use", alice)
    assert "plain text" in second.stderr
    listing = cli("--insecure-storage", "accounts", "list")  # reads no secret, still warned
    assert "plain text" in listing.stderr
    secrets_file = cli.root / "data" / "insecure-secrets.json"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    # Without the option, the keyring has no session for it: say where it is.
    for command in (("accounts", "use", alice), ("cookie",)):
        without = cli(*command, check=False)
        assert without.returncode == 1
        assert "no stored session" in without.stderr
        assert "--insecure-storage" in without.stderr
        assert without.stdout == ""


def test_a_corrupt_index_is_rebuilt_and_the_user_told(cli: Cli) -> None:
    alice = unique_email("alice")
    cli.add(alice, "--sign-up")
    cli.add(unique_email("bob"), "--sign-up")
    index = cli.root / "config" / "accounts.json"
    index.write_text("{ this is not json")
    result = cli("accounts", "list")
    assert result.stderr.count("was corrupt") == 1  # said once, not once per log handler
    assert alice in result.stdout
    assert any(p.name.startswith("accounts.json.corrupt-") for p in index.parent.iterdir())
    # The recovery was saved: told once, and the accounts stay (before, they were
    # gone from the index two commands later).
    for _ in range(3):
        again = cli("accounts", "list")
        assert "corrupt" not in again.stderr
        assert alice in again.stdout
        assert cli("accounts", "use", alice).stdout.strip() == f"active: {alice}"


def test_a_missing_index_is_restored_from_its_backup(cli: Cli) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up")
    cli.add(bob, "--sign-up")
    (cli.root / "config" / "accounts.json").unlink()
    result = cli("accounts", "list", "--json")
    assert "was missing" in result.stderr
    assert [a["email"] for a in json.loads(result.stdout)["accounts"]] == [alice, bob]
    assert "missing" not in cli("accounts", "list").stderr


def test_accounts_only_the_keyring_still_holds_come_back_when_the_server_confirms_them(
    cli: Cli, secret_service: SecretService
) -> None:
    """A corrupt index without a backup (or an older version's rebuild that was never saved)."""
    from switcher.bundled import LOCAL_URL
    from switcher.vault import service_name

    secret_service.clear(service_name(LOCAL_URL))  # other tests' accounts of this server name
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up")
    cli.add(bob, "--sign-up")
    (cli.root / "config" / "accounts.json.bak").unlink()
    (cli.root / "config" / "accounts.json").write_text('{"version": 1, "servers": {"lo')
    result = cli("accounts", "list", "--json")
    assert "was corrupt" in result.stderr
    assert f"{alice}: a stored session on local was restored" in result.stderr
    assert f"{bob}: a stored session on local was restored" in result.stderr
    assert sorted(a["email"] for a in json.loads(result.stdout)["accounts"]) == sorted([alice, bob])
    again = cli("accounts", "list")
    assert "completed" not in again.stderr
    assert cli("accounts", "use", bob).stdout.strip() == f"active: {bob}"


def test_two_processes_adding_at_once_both_land(cli: Cli) -> None:
    emails = [unique_email(f"p{i}") for i in range(3)]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda e: cli.add(e, "--sign-up", check=False), emails))
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    listed = [a["email"] for a in cli.listing()["accounts"]]  # type: ignore[attr-defined]
    assert sorted(listed) == sorted(emails)


def test_a_command_with_the_other_store_does_not_end_the_keyrings_accounts(cli: Cli) -> None:
    """--insecure-storage (the doctor's advice when the keyring fails) beside the keyring."""
    alice, bob = unique_email("alice"), unique_email("bob")
    cli.add(alice, "--sign-up")
    cli.add(bob, "--sign-up")
    carol = unique_email("carol")
    cli.add(carol, "--sign-up", before=("--insecure-storage",))
    listing = json.loads(cli("accounts", "list", "--json").stdout)
    statuses = {a["email"]: a["status"] for a in listing["accounts"]}
    assert statuses == {alice: "valid", bob: "valid", carol: "valid"}
    assert cli("accounts", "use", alice).stdout.strip() == f"active: {alice}"


def test_a_reader_that_goes_away_is_no_error_of_ours(cli: Cli) -> None:
    """The pipe is closed before the first line: every write the command makes fails."""
    import subprocess

    cli.add(unique_email("alice"), "--sign-up")
    for args in (
        ("accounts", "list"),
        ("accounts", "list", "--json"),
        ("server", "list"),
        ("doctor",),
        ("--help",),
    ):
        process = subprocess.Popen(
            [*SWITCHER_COMMAND, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli.env,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the first line
        stderr = process.stderr.read().decode()
        process.stderr.close()
        process.wait(60)
        assert "Traceback" not in stderr and "unhandled exception" not in stderr, stderr
        assert stderr == "", (args, stderr)
        # 1 as CPython does on EPIPE (docs: "Note on SIGPIPE"); argparse's help
        # ignores a failed write and exits 0.
        assert process.returncode == (0 if args == ("--help",) else 1), (args, stderr)


def _many(cli: Cli, count: int) -> None:
    """``count`` ended accounts on local and ``count`` more servers, as a long-used index has.

    Written into the index (signing up thousands would take minutes); ended
    accounts are listed without asking the server or the keyring.
    """
    index_file = cli.root / "config" / "accounts.json"
    data = json.loads(index_file.read_text())
    local = data["servers"]["local"]
    template = local["accounts"][0]
    for i in range(count):
        email = f"user{i:05d}@example.com"
        local["accounts"].append(
            {**template, "user_id": f"u{i:031d}", "email": email, "status": "revoked"}
        )
        name = f"server{i:05d}"
        data["servers"][name] = {
            **local,
            "name": name,
            "url": f"https://{name}.example.com",
            "accounts": [],
            "active": None,
        }
    index_file.write_text(json.dumps(data))


def _through_head(cli: Cli, args: tuple[str, ...], head: list[str]) -> tuple[bytes, int, str]:
    """``switcher ARGS | head HEAD`` as a shell runs it: what head printed, the status, stderr."""
    import subprocess

    with (
        subprocess.Popen(
            [*SWITCHER_COMMAND, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli.env,
        ) as switcher,
        subprocess.Popen(["head", *head], stdin=switcher.stdout, stdout=subprocess.PIPE) as reader,
    ):
        assert switcher.stdout is not None and switcher.stderr is not None
        switcher.stdout.close()  # head holds the read end now, as in a shell pipeline
        out, _ = reader.communicate(timeout=60)
        stderr = switcher.stderr.read().decode()
        switcher.wait(60)
    return out, switcher.returncode, stderr


def test_head_closing_the_pipe_mid_output_ends_the_command_quietly(cli: Cli) -> None:
    """switcher accounts list | head -2 on output longer than a pipe holds.

    The command blocks on the full pipe until head exits, so its writes fail
    in the middle of its output, not only at the final flush.
    """
    cli.add(unique_email("alice"), "--sign-up")
    # The doctor's report is short (it may fit the pipe: then nothing breaks),
    # and it would ask every server of the long index below.
    out, code, stderr = _through_head(cli, ("doctor",), ["-n", "1"])
    assert len(out.splitlines()) == 1 and stderr == "" and code in (0, 1), (out, stderr)
    _many(cli, 3000)
    for args, head, shown in (
        (("accounts", "list"), ["-n", "2"], 2),
        (("accounts", "list", "--json"), ["-c", "10"], 10),
        (("server", "list"), ["-n", "1"], 1),
    ):
        out, code, stderr = _through_head(cli, args, head)
        assert (len(out) if head[0] == "-c" else len(out.splitlines())) == shown, out
        assert stderr == "", (args, stderr)
        assert code == 1, (args, code)


def test_an_app_that_stopped_answering_does_not_stop_a_switch(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen app takes the request and says nothing: the command switches by itself."""
    import argparse
    import socket

    import switcher.cli.use
    from switcher.app_channel import channel_name

    alice, bob = unique_email("alice"), unique_email("bob")
    for email in (alice, bob):
        cli.add(email, "--sign-up", before=("--insecure-storage",))
    for name in ("SWITCHER_CONFIG_DIR", "SWITCHER_DATA_DIR", "XDG_RUNTIME_DIR"):
        if name in cli.env:
            monkeypatch.setenv(name, cli.env[name])
    monkeypatch.setattr(switcher.cli.use, "APP_ANSWER_TIMEOUT", 1.0)
    frozen = socket.socket(socket.AF_UNIX)
    frozen.bind(channel_name())
    frozen.listen()  # accepts (the kernel does) and never answers
    try:
        args = argparse.Namespace(email=alice, server=None, insecure_storage=True)
        assert switcher.cli.use.run(args) == 0
    finally:
        frozen.close()
    listing = json.loads(cli("--insecure-storage", "accounts", "list", "--json").stdout)
    assert next(a for a in listing["accounts"] if a["active"])["email"] == alice

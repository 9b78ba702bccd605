"""The accounts and server commands in this process: messages that say what to do next."""

from __future__ import annotations

import pytest

from tests.support.cli import Cli
from tests.support.targets import unique_email


def test_an_account_named_by_anything_but_its_email_points_to_the_list(cli_here: Cli) -> None:
    ran = cli_here("accounts", "use", "Alice", check=False)
    assert ran.returncode == 1
    assert ran.stderr.startswith("switcher: no account Alice on local")
    assert "give its email; see switcher accounts list" in ran.stderr


def test_a_server_added_twice_names_the_one_already_there(cli_here: Cli) -> None:
    cli_here("server", "add", "http://127.0.0.1:4321", "--name", "work", "--no-check")
    # Said before asking the server (nothing listens there: that would be another error).
    ran = cli_here("server", "add", "http://127.0.0.1:4321/", "--name", "again", check=False)
    assert ran.returncode == 1
    assert ran.stderr == ("switcher: http://127.0.0.1:4321 is already configured, as 'work'\n")
    assert "again" not in cli_here("server", "list").stdout


def test_signing_up_an_existing_user_says_how_to_sign_in(cli_here: Cli) -> None:
    email = unique_email("taken")
    cli_here.add(email, "--sign-up")
    ran = cli_here.add(email, "--sign-up", check=False)
    assert ran.returncode == 1
    assert ran.stderr == (
        "switcher: User already exists. Use another email. To sign in to it, leave out --sign-up.\n"
    )
    assert cli_here.add(email).stdout == f"signed in as {email} (active)\n"


def test_a_site_given_by_its_auth_url_is_stored_as_the_site(cli_here: Cli) -> None:
    cli_here("server", "add", "https://app.example.com/api/auth/", "--name", "app", "--no-check")
    listed = cli_here("server", "list").stdout
    assert "  app\thttps://app.example.com\t0 signed in\n" in listed
    assert "/api/auth" not in listed
    # A site mounted below a path keeps it: only the auth part goes.
    cli_here("server", "add", "https://example.org/shop/api/auth", "--name", "shop", "--no-check")
    assert "  shop\thttps://example.org/shop\t0 signed in\n" in cli_here("server", "list").stdout


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("app.example.com", "https://app.example.com"), ("localhost:3000", "http://localhost:3000")],
)
def test_a_url_without_its_scheme_gets_a_suggestion(cli_here: Cli, typed: str, meant: str) -> None:
    ran = cli_here("server", "add", typed, check=False)
    assert ran.returncode == 1
    assert ran.stderr == f"switcher: not an http(s) URL: {typed!r} (did you mean {meant}?)\n"


@pytest.mark.parametrize(
    "typed",
    [
        "https://alice:s3cret-pw@app.example.com",
        "https://alice@app.example.com/api/auth",
        "https://:s3cret-pw@app.example.com",
        "alice:s3cret-pw@app.example.com",  # no scheme: urlsplit reads "alice" as one
        "//alice:s3cret-pw@app.example.com",
    ],
)
def test_a_url_with_a_user_or_password_is_refused_and_never_echoed(
    cli_here: Cli, typed: str
) -> None:
    """A password in the index would be a secret in a plain file, and in `server list`."""
    ran = cli_here("server", "add", typed, "--no-check", check=False)
    assert ran.returncode == 1
    assert ran.stderr == (
        "switcher: a server's URL holds no user name or password: "
        "give https://app.example.com and sign in with `switcher accounts add`\n"
    )
    assert "s3cret" not in ran.stdout + ran.stderr and "alice" not in ran.stderr
    assert "app.example.com" not in cli_here("server", "list").stdout


@pytest.mark.parametrize("typed", ["https://app.example.com/a b", "https://app.exa\tmple.com"])
def test_a_url_with_spaces_or_control_characters_is_refused(cli_here: Cli, typed: str) -> None:
    ran = cli_here("server", "add", typed, "--no-check", check=False)
    assert ran.returncode == 1
    assert "spaces or control characters" in ran.stderr


def test_a_username_on_a_site_without_usernames_asks_for_the_email(cli_here: Cli) -> None:
    ran = cli_here.add("alice", check=False)
    assert ran.returncode == 1
    assert ran.stderr == (
        "switcher: http://127.0.0.1:3000 does not sign in by username: "
        "give the account's email address\n"
    )


def test_two_sites_on_one_host_get_names_of_their_own(cli_here: Cli) -> None:
    for port in (4201, 4202):
        cli_here("server", "add", f"http://127.0.0.1:{port}", "--no-check")
    listed = cli_here("server", "list").stdout
    assert "  127.0.0.1\thttp://127.0.0.1:4201\t" in listed
    assert "  127.0.0.1:4202\thttp://127.0.0.1:4202\t" in listed
    taken = cli_here("server", "add", "http://127.0.0.1:4203", "--name", "127.0.0.1", check=False)
    assert taken.stderr == (
        "switcher: a server named '127.0.0.1' already exists; choose another with --name\n"
    )


def test_removing_the_current_server_says_which_is_current_now(cli_here: Cli) -> None:
    cli_here("server", "add", "https://work.example.com", "--name", "work", "--no-check")
    used = cli_here("server", "use", "work")
    assert used.stdout == "now using work (https://work.example.com)\n"
    assert cli_here("server", "remove", "work").stdout == "removed work; now using local\n"
    cli_here(
        "server",
        "add",
        "https://m.example.com",
        "--name",
        "m",
        "--base-path",
        "/auth",
        "--no-check",
    )
    assert cli_here("server", "use", "m").stdout == "now using m (https://m.example.com/auth)\n"
    cli_here("server", "use", "local")
    cli_here("server", "add", "https://other.example.com", "--name", "other", "--no-check")
    assert cli_here("server", "remove", "other").stdout == "removed other\n"


def test_a_server_added_says_how_to_use_it(cli_here: Cli) -> None:
    added = cli_here("server", "add", "http://127.0.0.1:4322", "--name", "work", "--no-check")
    assert added.stdout == (
        "added work (http://127.0.0.1:4322)\n"
        "to use it: switcher server use work (or --server work)\n"
    )


def test_a_sign_in_page_with_a_user_or_password_is_refused_and_never_echoed(
    cli_here: Cli,
) -> None:
    ran = cli_here(
        "server", "add", "https://app.example.com", "--no-check",
        "--sign-in-url", "https://alice:s3cret-pw@app.example.com/login", check=False,
    )  # fmt: skip
    assert ran.returncode == 1
    assert ran.stderr == (
        "switcher: a web page's URL holds no user name or password: give https://app.example.com\n"
    )


def test_an_origin_with_a_user_or_password_is_refused_and_never_echoed(cli_here: Cli) -> None:
    ran = cli_here(
        "server", "add", "http://127.0.0.1:3150", "--no-check",
        "--origin", "http://bob:hunter2secret@x.example", check=False,
    )  # fmt: skip
    assert ran.returncode == 1
    assert "hunter2" not in ran.stderr and "bob" not in ran.stderr
    assert "an origin holds no user name or password: give http://x.example" in ran.stderr

"""`accounts add --browser`: what is refused before any browser starts."""

from __future__ import annotations

import pytest

from tests.support.cli import Cli


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["a@example.com", "--browser"], "with --browser, leave out the email"),
        (["--browser", "--sign-up"], "--sign-up cannot go with --browser: the site's page asks"),
        (
            ["--browser", "chromium", "--magic-link", "--password-stdin"],
            "--password-stdin, --magic-link cannot go with --browser",
        ),
        (["--browser", "--timeout", "0"], "--timeout is a number of seconds above 0"),
        (["--browser", "--timeout", "nan"], "--timeout is a number of seconds above 0"),
        (["a@example.com", "--timeout", "5"], "--timeout goes with --browser"),
        ([], "give the account's email (or username), or --browser to sign in in a browser"),
    ],
)
def test_impossible_browser_sign_ins_are_refused_before_anything_starts(
    cli_here: Cli, arguments: list[str], said: str
) -> None:
    ran = cli_here("accounts", "add", *arguments, check=False)
    assert ran.returncode != 0
    assert said in ran.stderr
    assert not (cli_here.root / "data" / "browser-profiles").exists()


@pytest.mark.parametrize("name", ["netscape", ""])
def test_a_browser_switcher_does_not_know_is_a_usage_error(cli_here: Cli, name: str) -> None:
    ran = cli_here("accounts", "add", "--browser", name, check=False)
    assert ran.returncode == 2
    assert f"argument --browser: invalid choice: {name!r} (choose from firefox, chromium" in (
        ran.stderr
    )


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("login", "not a web page's URL: 'login'"),
        ("ftp://app.example.com/login", "not a web page's URL"),
        ("https://user:pw@app.example.com/login", "holds no user name or password"),
        ("https://app.example.com/log in", "(no user, password or spaces)"),
    ],
)
def test_a_sign_in_page_that_is_not_a_web_page_is_refused(
    cli_here: Cli, url: str, said: str
) -> None:
    ran = cli_here(
        "server", "add", "https://app.example.com", "--no-check", "--sign-in-url", url, check=False
    )
    assert ran.returncode == 1
    assert said in ran.stderr
    assert "app.example.com" not in cli_here("server", "list").stdout

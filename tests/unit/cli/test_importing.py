"""`accounts import` from a browser profile with nothing of the site: what it says."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli


def test_an_empty_chromium_profile_says_a_new_sign_in_may_not_be_saved_yet(
    cli_here: Cli, chromium_profile: Path
) -> None:
    ran = cli_here(
        "accounts", "import", "--from", "chromium", "--profile", str(chromium_profile), check=False
    )
    assert ran.returncode == 1
    assert ran.stderr.startswith("switcher: no signed-in session for 127.0.0.1 among those cookies")
    assert ran.stderr.endswith(
        "sign in to http://127.0.0.1:3000 there first (a running Chromium-family browser saves "
        "a new sign-in up to 30 s later)\n"
    )


def test_a_cookies_txt_has_no_such_word(cli_here: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "cookies.txt"
    empty.write_text("# Netscape HTTP Cookie File\n")
    ran = cli_here("accounts", "import", "--from", "cookies-txt", str(empty), check=False)
    assert ran.returncode == 1
    assert ran.stderr.endswith("sign in to http://127.0.0.1:3000 there first\n")

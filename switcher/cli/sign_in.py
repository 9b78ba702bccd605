"""``switcher accounts add``: a password, then a second factor; or a link or code by email.

On a terminal each step asks; without one, ``--password-stdin`` and
``--code-stdin`` read one line each from standard input, in that order (a
script writes the code once the site has sent it, or computes it).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from switcher.accounts import (
    Accounts,
    BadLinkError,
    SignInRefusedError,
    TwoFactorRequired,
    VerificationPendingError,
)
from switcher.cli.errors import CliError
from switcher.protocol.email import is_email, is_username
from switcher.protocol.errors import ErrorCode
from switcher.sign_in_steps import CHALLENGE_ENDED, Factor, TwoFactorChallenge
from switcher.vault import Account

# What --two-factor takes, and what a person may type at the code prompt.
FACTOR_WORDS = {"app": Factor.TOTP, "email": Factor.EMAIL_CODE, "backup": Factor.BACKUP_CODE}
# Wrong codes typed at a terminal before giving up (the site allows 5 per sign-in).
TERMINAL_TRIES = 3


def _give_up(what: str) -> CliError:
    return CliError(
        f"{TERMINAL_TRIES} wrong {what}; nothing was changed (run the command again to retry)"
    )


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse impossible combinations before anything is asked or sent."""
    if args.browser is not None:
        from switcher.cli.browser_sign_in import check_browser_arguments

        check_browser_arguments(args)
        return
    if args.timeout is not None:
        raise CliError("--timeout goes with --browser")
    if args.email is None:
        raise CliError(
            "give the account's email (or username), or --browser to sign in in a browser"
        )
    typed = args.email.strip()
    passwordless = args.magic_link or args.email_code
    if args.magic_link and args.email_code:
        raise CliError("choose one of --magic-link and --email-code")
    if (args.sign_up or passwordless) and not is_email(typed):
        needs = "a new account" if args.sign_up else "a sign-in by email"
        raise CliError(f"{args.email!r} is not an email address, and {needs} needs one")
    if not (is_email(typed) or is_username(typed)):
        raise CliError(f"{args.email!r} is neither an email address nor a username")
    if args.name and not args.sign_up:
        raise CliError("--name is only used with --sign-up")
    if passwordless and (args.sign_up or args.password_stdin or args.no_remember):
        used = "--magic-link" if args.magic_link else "--email-code"
        raise CliError(f"{used} signs in without a password: leave out the password options")
    if passwordless and (args.two_factor or args.trust_device):
        raise CliError("--two-factor and --trust-device go with a password sign-in")


def sign_in(service: Accounts, args: argparse.Namespace) -> Account:
    """Run the sign-in the arguments ask for, every step of it."""
    email = args.email.strip()
    if (args.magic_link or args.email_code) and not (args.code_stdin or sys.stdin.isatty()):
        # Said before the site sends anything: the answer could not be read.
        what = "link" if args.magic_link else "code"
        raise CliError(f"no terminal to ask for the {what} on; pass it with --code-stdin")
    if args.magic_link:
        service.send_magic_link(email, args.server)
        prompt = f"Paste the sign-in link emailed to {email}: "
        if not _on_terminal(args):
            return service.add_by_magic_link(email, _read_line(args, prompt, "link"), args.server)
        return _until_right(
            lambda link: service.add_by_magic_link(email, link, args.server), prompt
        )
    if args.email_code:
        service.send_email_code(email, args.server)
        if not _on_terminal(args):
            return service.add_by_email_code(email, _read_line(args, "", "code"), args.server)
        prompt = f"Code emailed to {email}: "
        return _until_right(
            lambda code: service.add_by_email_code(email, code, args.server), prompt
        )
    password = _read_password(args)
    try:
        return service.add(
            email,
            password,
            sign_up=args.sign_up,
            name=args.name,
            remember=not args.no_remember,
            server_name=args.server,
        )
    except TwoFactorRequired as asked:
        return _second_factor(service, args, asked.challenge)
    except VerificationPendingError as error:
        raise CliError(f"{error}: switcher accounts add {email}") from None
    except SignInRefusedError as error:
        if args.sign_up and error.code == ErrorCode.USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL.name:
            raise CliError(f"{error} To sign in to it, leave out --sign-up.") from None
        raise


def _second_factor(
    service: Accounts, args: argparse.Namespace, challenge: TwoFactorChallenge
) -> Account:
    factor = _chosen_factor(args, challenge)
    if not _on_terminal(args):
        if factor == Factor.EMAIL_CODE:
            service.send_second_factor_code(challenge)
        code = _read_line(args, "", "code")
        return service.add_second_factor(challenge, factor, code, trust_device=args.trust_device)
    print(f"{challenge.email} signs in with a second factor.", file=sys.stderr)
    wrong = 0
    while True:
        if factor == Factor.EMAIL_CODE and not challenge.code_sent:
            service.send_second_factor_code(challenge)
            print(f"The site sent a code to {challenge.email}.", file=sys.stderr)
        typed = _ask(_code_prompt(factor, challenge)).strip()
        if typed.lower() in FACTOR_WORDS:  # another factor: not a try
            factor = _offered(FACTOR_WORDS[typed.lower()], challenge)
            continue
        if not typed:
            continue  # Enter alone: ask again
        try:
            return service.add_second_factor(
                challenge, factor, typed, trust_device=args.trust_device
            )
        except SignInRefusedError as error:
            wrong += 1
            if error.code in CHALLENGE_ENDED:
                raise
            if wrong == TERMINAL_TRIES:
                raise _give_up("codes") from None
            print(f"switcher: {error}", file=sys.stderr)


def _until_right(attempt: Callable[[str], Account], prompt: str, what: str = "codes") -> Account:
    """Ask for a code at the terminal until the site takes one, a few times at most."""
    wrong = 0
    while True:
        typed = _ask(prompt).strip()
        if not typed:
            continue
        try:
            return attempt(typed)
        except (SignInRefusedError, BadLinkError) as error:
            wrong += 1
            if wrong == TERMINAL_TRIES:
                raise _give_up(what) from None
            print(f"switcher: {error}", file=sys.stderr)


def _chosen_factor(args: argparse.Namespace, challenge: TwoFactorChallenge) -> Factor:
    if args.two_factor:
        return _offered(FACTOR_WORDS[args.two_factor], challenge)
    return challenge.factors[0]


def _offered(factor: Factor, challenge: TwoFactorChallenge) -> Factor:
    if factor not in challenge.factors:
        words = ", ".join(w for w, f in FACTOR_WORDS.items() if f in challenge.factors)
        raise CliError(
            f"the site does not offer {factor.label} for this account (it offers: {words})"
        )
    return factor


def _code_prompt(factor: Factor, challenge: TwoFactorChallenge) -> str:
    others = [w for w, f in FACTOR_WORDS.items() if f in challenge.factors and f != factor]
    switch = (
        f" (or type {' or '.join(repr(w) for w in others)} to use that instead)" if others else ""
    )
    return f"{factor.label.capitalize()}{switch}: "


def _on_terminal(args: argparse.Namespace) -> bool:
    return not args.code_stdin and sys.stdin.isatty()


def _read_line(args: argparse.Namespace, prompt: str, what: str) -> str:
    """One line: typed at the prompt on a terminal, else from stdin with --code-stdin."""
    if args.code_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CliError(f"--code-stdin: standard input ended before the {what}")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError(f"no terminal to ask for the {what} on; pass it with --code-stdin")
    return _ask(prompt)


def _ask(prompt: str) -> str:
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise CliError("no answer (end of input); nothing was changed")
    return line.rstrip("\r\n")


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
    elif sys.stdin.isatty():
        try:
            password = getpass.getpass(f"Password for {args.email}: ")
            # A new account's password is typed unseen once only: a typo would
            # lock the person out of the account they just made.
            if (
                args.sign_up
                and password
                and getpass.getpass("The same password again: ") != password
            ):
                raise CliError("the two passwords differ; nothing was changed")
        except EOFError:  # Ctrl+D
            raise CliError("no password (end of input); nothing was changed") from None
    else:
        raise CliError("no terminal to ask for the password on; pass it with --password-stdin")
    if not password:
        raise CliError("the password is empty")
    return password

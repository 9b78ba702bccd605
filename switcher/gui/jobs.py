"""What the app asks its worker lanes to do, as values the UI compares, never parses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class JobKind(Enum):
    START = "start"  # at app start: reconcile interrupted sign-ins, then refresh
    REFRESH = "refresh"
    SWITCH = "switch"
    REVOKE = "revoke"
    ADD = "add"  # every step of a sign-in, up to the account being kept
    SEND = "send"  # ask the site to email a sign-in link or code
    BROWSER_SIGN_IN = "browser-sign-in"  # a sign-in in a browser window, until the site sets it
    METHODS = "methods"  # ask the site how it signs people in
    OPEN = "open"  # a site in a browser as an account
    EXPORT = "export"  # the active session into a browser profile
    IMPORT = "import"  # the sessions a browser profile holds, brought in
    SIGN_OUT = "sign-out"
    USE_SERVER = "use-server"
    ADD_SERVER = "add-server"


@dataclass(frozen=True, slots=True)
class Job:
    kind: JobKind
    subject: str = ""  # the account's email, the profile's path or the server's name

    def __str__(self) -> str:
        """The job as the log names it."""
        return f"{self.kind.value}:{self.subject}" if self.subject else self.kind.value

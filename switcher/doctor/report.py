"""What the doctor reports: a ``Check`` per thing checked, gathered in a ``Report``.

Plain data, at the bottom of the doctor: every other module of it builds
``Check`` objects, and ``switcher doctor`` renders the ``Report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "info", "warn", "fail"]
STATUSES: tuple[Status, ...] = ("ok", "info", "warn", "fail")

BUG_HINT = (
    "this is a bug in switcher doctor; please report it with the output of switcher doctor --json"
)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    summary: str
    hint: str | None = None  # what to do; None when there is nothing to do
    details: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "hint": self.hint,
            "details": list(self.details),
            "facts": self.facts,
        }


@dataclass(frozen=True)
class Report:
    switcher: str
    python: str
    platform: str
    pyside6: str | None
    checks: tuple[Check, ...]

    @property
    def failed(self) -> bool:
        return any(check.status == "fail" for check in self.checks)

    def count(self, status: Status) -> int:
        return sum(1 for check in self.checks if check.status == status)

    def to_json(self) -> dict[str, Any]:
        return {
            "switcher": self.switcher,
            "python": self.python,
            "platform": self.platform,
            "pyside6": self.pyside6,
            "ok": not self.failed,
            "checks": [check.to_json() for check in self.checks],
        }

"""The browsers: each one found, its profiles, whether they are running, and
whether ``switcher open`` can start it.
"""

from __future__ import annotations

from pathlib import Path

from switcher.doctor.report import Check


def _running(browser: str, path: Path) -> bool | None:
    from switcher.browsers.opener import writer

    try:
        return bool(writer(browser).is_running(path))
    except OSError:
        return None


def check_browsers() -> list[Check]:
    from switcher.browsers import launch
    from switcher.browsers.opener import all_profiles

    profiles = all_profiles()
    checks = []
    from switcher.browsers.registry import BROWSERS, labels

    for entry in BROWSERS:
        browser, label = entry.id, entry.label
        own = [p for p in profiles if p.browser == browser]
        executable = launch.find_executable(browser)
        if not own and executable is None:
            continue
        listed = []
        details = []
        for profile in own:
            running = _running(browser, profile.path)
            listed.append(
                {
                    "name": profile.name,
                    "path": str(profile.path),
                    "default": profile.is_default,
                    "running": running,
                }
            )
            state = {
                True: f"running: close {label} before exporting to it",
                False: "not running",
                None: "cannot tell whether it is running",
            }[running]
            default = ", default" if profile.is_default else ""
            details.append(f"{profile.name}{default}: {profile.path} ({state})")
        facts = {"executable": executable, "profiles": listed}
        names = ", ".join(p.name + (" (default)" if p.is_default else "") for p in own)
        found = f"{len(own)} profile{'s' if len(own) != 1 else ''} ({names})" if own else ""
        if executable is None:
            looked = ", ".join(entry.executables)
            checks.append(
                Check(
                    f"browser:{browser}",
                    "info",
                    f"{label}: {found}; not on PATH, so switcher open cannot start it "
                    "(switcher export to its profiles works)",
                    hint=f"install {label} or put it on PATH (looked for: {looked})",
                    details=tuple(details),
                    facts=facts,
                )
            )
            continue
        summary = f"{label}: {executable}; " + (
            found or "no profiles found (switcher open makes one per account)"
        )
        checks.append(
            Check(f"browser:{browser}", "ok", summary, details=tuple(details), facts=facts)
        )
    if not checks:
        checks.append(
            Check(
                "browsers",
                "info",
                "no Firefox or Chromium-family browser found (no profiles, none on PATH)",
                hint=f"switcher export and switcher open work with {labels()}; without one, "
                "switcher export cookies-txt writes a cookies.txt file for curl and other tools",
            )
        )
    return checks

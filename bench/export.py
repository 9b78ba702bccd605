"""Exporting a session into a browser profile that already holds 10,000 cookies.

Builds a Firefox ``cookies.sqlite`` (schema 17) and a Chromium ``Cookies``
(meta version 24) each holding 10,000 cookies of other sites, then times the
export of one device's cookies into each (back-up, one transaction, read-back
and, for Chromium, v10 encryption and decryption included). Target: ≤ 100 ms.

    python bench/export.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import print_table  # noqa: E402
from switcher.browsers import chromium, firefox  # noqa: E402
from switcher.protocol.cookie import Cookie  # noqa: E402

OTHER_COOKIES = 10_000


def _profile_with_cookies(profile: Path) -> None:
    db = profile / "cookies.sqlite"
    now_us = int(time.time() * 1_000_000)
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(firefox.SCHEMA_17)
        connection.execute(f"PRAGMA user_version = {firefox.MAX_SCHEMA}")
        connection.executemany(
            "INSERT INTO moz_cookies (originAttributes, name, value, host, path, expiry, "
            "lastAccessed, creationTime, isSecure, isHttpOnly, sameSite, schemeMap, updateTime) "
            "VALUES ('', ?, ?, ?, '/', ?, ?, ?, 1, 0, 1, 2, ?)",
            [
                (
                    f"c{i}",
                    "x" * 40,
                    f"site{i % 2000}.example",
                    (time.time() + 86400) * 1000,
                    now_us,
                    now_us,
                    now_us,
                )
                for i in range(OTHER_COOKIES)
            ],
        )


def _chromium_profile_with_cookies(profile: Path) -> None:
    db = profile / "Cookies"
    chromium.create_cookie_db(db)
    # Chromium's clock: microseconds since 1601-01-01.
    now = int((time.time() + 11_644_473_600) * 1_000_000)
    with sqlite3.connect(db) as connection:
        connection.executemany(
            "INSERT INTO cookies VALUES (?, ?, '', ?, ?, x'', '/', ?, 1, 0, ?, 1, 1, 1, 1, 2, "
            "443, ?, 0, 1)",
            [
                (now, f"site{i % 2000}.example", f"c{i}", "x" * 40, now + 86_400_000_000, now, now)
                for i in range(OTHER_COOKIES)
            ],
        )


def _time(export: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        export()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    expires = time.time() + 7 * 86400
    cookies = [
        Cookie("better-auth.session_token", "t" * 32 + ".sig%3D", "127.0.0.1", expires=expires)
    ]
    cookies += [
        Cookie(
            f"better-auth.session_token_multi-{i:032d}",
            "t" * 32 + ".sig%3D",
            "127.0.0.1",
            expires=expires,
        )
        for i in range(5)
    ]
    with tempfile.TemporaryDirectory(prefix="switcher-bench-export-") as tmp:
        backups = Path(tmp) / "backups"
        fox = Path(tmp) / "firefox"
        fox.mkdir()
        _profile_with_cookies(fox)
        fox_size = sum(f.stat().st_size for f in fox.glob("cookies.sqlite*"))
        fox_times = _time(lambda: firefox.export(fox, cookies, backup_dir=backups), args.runs)
        chrome = Path(tmp) / "chromium" / "Default"
        chrome.mkdir(parents=True)
        _chromium_profile_with_cookies(chrome)
        chrome_size = (chrome / "Cookies").stat().st_size
        chrome_times = _time(
            lambda: chromium.export(chrome, cookies, backup_dir=backups), args.runs
        )
    print(
        f"\nprofiles holding {OTHER_COOKIES:,} other cookies (Firefox {fox_size / 1e6:.1f} MB, "
        f"Chromium {chrome_size / 1e6:.1f} MB), 6 cookies written, {args.runs} runs\n"
    )
    rows = []
    for name, samples in (("Firefox", fox_times), ("Chromium (v10)", chrome_times)):
        median, worst = statistics.median(samples) * 1000, max(samples) * 1000
        rows.append((f"export into {name}", f"{median:.1f} ms", f"{worst:.1f} ms", "≤ 100 ms"))
    print_table(("measurement", "median", "max", "target"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

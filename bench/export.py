"""Exporting a session into a browser profile that already holds 10,000 cookies.

Builds a Firefox ``cookies.sqlite`` (schema 17, as firefox-esr 153 makes it)
with 10,000 cookies of other sites, then times ``firefox.export`` of one
device's cookies (back-up, one transaction, read-back included). Target:
≤ 100 ms.

    python bench/export.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from switcher.browsers import ExportCookie, firefox  # noqa: E402

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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    expires = time.time() + 7 * 86400
    cookies = [
        ExportCookie(
            "better-auth.session_token", "t" * 32 + ".sig%3D", "127.0.0.1", expires=expires
        )
    ]
    cookies += [
        ExportCookie(
            f"better-auth.session_token_multi-{i:032d}",
            "t" * 32 + ".sig%3D",
            "127.0.0.1",
            expires=expires,
        )
        for i in range(5)
    ]
    samples = []
    with tempfile.TemporaryDirectory(prefix="switcher-bench-export-") as tmp:
        profile = Path(tmp) / "profile"
        profile.mkdir()
        _profile_with_cookies(profile)
        size = (profile / "cookies.sqlite").stat().st_size
        for _ in range(args.runs):
            start = time.perf_counter()
            firefox.export(profile, cookies, backup_dir=Path(tmp) / "backups")
            samples.append(time.perf_counter() - start)
    median, worst = statistics.median(samples) * 1000, max(samples) * 1000
    print(
        f"\nFirefox cookies.sqlite with {OTHER_COOKIES:,} other cookies ({size / 1e6:.1f} MB), "
        f"6 cookies written, {args.runs} runs\n"
    )
    print("| measurement | result | target |")
    print("| --- | ---: | ---: |")
    print(f"| export into Firefox (median / max) | {median:.1f} / {worst:.1f} ms | ≤ 100 ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""switcher's bundled server against better-auth 1.7.25, side by side, in one run.

Both servers get the same storage (a fresh SQLite file in WAL mode), one
process each, pinned to CPU 0 with every thread; the load generator (wrk)
runs on CPU 1. Each endpoint is warmed up first (V8's JIT needs it), then
measured. better-auth runs with NODE_ENV=production, as deployed.

    python bench/server.py [--seconds 10] [--connections 32]

Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.browser import Browser  # noqa: E402
from tests.support.peer import PeerServer  # noqa: E402
from tests.support.switcher_server import free_socket  # noqa: E402

SECRET = "benchmark-secret-0123456789abcdef0123456789"
PASSWORD = "password123"
SERVER_CPU, LOAD_CPU = "0", "1"


@dataclass
class Result:
    requests_per_second: float
    p99_ms: float
    errors: int


def pin_all_threads(pid: int) -> None:
    subprocess.run(
        ["taskset", "-a", "-p", "-c", SERVER_CPU, str(pid)], check=True, capture_output=True
    )


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str, seconds: int, connections: int, cookie: str = "", script: str | None = None
) -> Result:
    # A generous timeout: 32 queued scrypt sign-ins take seconds each to answer.
    command = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "60s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    failures = int(non_2xx.group(1)) if non_2xx else 0
    failures += int(timeouts.group(1)) if timeouts else 0
    return Result(rps, p99, failures)


@contextmanager
def switcher_server(database: Path) -> Iterator[str]:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "BETTER_AUTH_SECRET": SECRET}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "switcher",
            "serve",
            "--port",
            str(port),
            "--database",
            f"sqlite:///{database}",
            "--no-rate-limit",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/api/auth/ok", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("switcher serve did not start") from None
                time.sleep(0.1)
        pin_all_threads(process.pid)
        yield base
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def better_auth_server(database: Path) -> Iterator[str]:
    with PeerServer(
        secret=SECRET, database=f"sqlite:{database}", migrate=True, node_env="production"
    ) as peer:
        assert peer.pid is not None
        pin_all_threads(peer.pid)
        yield peer.base_url


def device_with_accounts(base: str, count: int) -> tuple[str, str]:
    """Sign ``count`` accounts up in one browser; its Cookie header and the first email."""
    browser = Browser(base)
    emails = []
    for i in range(count):
        email = f"bench{i}-{uuid.uuid4().hex[:8]}@example.com"
        emails.append(email)
        response = browser.post(
            "/sign-up/email", {"name": f"Bench {i}", "email": email, "password": PASSWORD}
        )
        response.raise_for_status()
    listed = browser.get("/multi-session/list-device-sessions").json()
    assert len(listed) == count, listed
    header = browser.cookie_header
    browser.close()
    return header, emails[0]


def sign_in_script(directory: Path, email: str) -> str:
    path = directory / "sign-in.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = \'{{"email":"{email}","password":"{PASSWORD}"}}\'\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return str(path)


def measure(name: str, base: str, work: Path, seconds: int, connections: int) -> dict[str, Result]:
    cookie, email = device_with_accounts(base, 5)
    api = f"{base}/api/auth"
    results = {}
    for label, path in (
        ("get-session", "/get-session"),
        ("list-device-sessions", "/multi-session/list-device-sessions"),
    ):
        wrk(api + path, 3, connections, cookie)  # warm-up, discarded
        results[label] = wrk(api + path, seconds, connections, cookie)
        got = results[label]
        print(f"  {name} {label}: {got.requests_per_second:.0f} req/s", file=sys.stderr)
    script = sign_in_script(work, email)
    wrk(api + "/sign-in/email", 3, connections, script=script)
    results["sign-in"] = wrk(api + "/sign-in/email", seconds, connections, script=script)
    print(f"  {name} sign-in: {results['sign-in'].requests_per_second:.1f} req/s", file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        print(
            "bench/server.py needs wrk and taskset (apt-get install wrk util-linux)",
            file=sys.stderr,
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="switcher-bench-") as tmp:
        work = Path(tmp)
        print("better-auth 1.7.25 (Node, better-sqlite3):", file=sys.stderr)
        with better_auth_server(work / "better-auth.db") as base:
            theirs = measure("better-auth", base, work, args.seconds, args.connections)
        print("switcher (uvicorn + httptools, sqlite3):", file=sys.stderr)
        with switcher_server(work / "switcher.db") as base:
            ours = measure("switcher", base, work, args.seconds, args.connections)
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    print(
        f"\n{os.cpu_count()} CPUs, {args.connections} connections, {args.seconds} s per row; "
        f"Node {node}, Python {sys.version.split()[0]}\n"
    )
    print(
        "| endpoint | better-auth req/s | better-auth p99 "
        "| switcher req/s | switcher p99 | switcher / better-auth |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    labels = {
        "get-session": "`GET /get-session`",
        "list-device-sessions": "`GET /multi-session/list-device-sessions` (5 accounts)",
        "sign-in": "`POST /sign-in/email` (scrypt)",
    }
    failed = False
    for key, label in labels.items():
        a, b = theirs[key], ours[key]
        ratio = b.requests_per_second / a.requests_per_second
        print(
            f"| {label} | {a.requests_per_second:,.1f} | {a.p99_ms:,.0f} ms "
            f"| {b.requests_per_second:,.1f} | {b.p99_ms:,.0f} ms | {ratio:.1f}x |"
        )
        failed |= bool(a.errors or b.errors)
    if failed:
        print("\nsome requests failed; the numbers above are not valid", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

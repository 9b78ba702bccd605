"""A 1 GiB answer costs no more than the cap in memory, measured in a child process.

better-auth's answers are small JSON; a server that sends 1 GB (by mistake, or
by being the wrong server) must cost at most the cap in memory, and a
``Content-Length`` over the cap is refused before a byte of the body is read.
Memory is measured in a child process (its own peak RSS), with an address
space limit so that a regression fails there quickly instead of taking the
test machine's memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from switcher.client import (
    ResponseTooLargeError,
)
from switcher.client.body import MAX_ANSWER_BYTES
from tests.support.fault_server import (
    GIB,
    Answer,
    FaultServer,
    blocks,
    chunked,
    http_head,
    http_response,
    streamed,
    zeros_gzipped,
)
from tests.support.repo import REPO

# -- memory, in a child process ----------------------------------------------------------------

# The child asks once for a small answer (so httpx, h11 and the watchdog are warmed
# up), records its peak RSS, caps its address space 1 GiB above what it has, then
# asks for the huge answer and reports what that cost.
CHILD = """
import json, resource, sys
from switcher.client import AuthClient, ClientError

def peak_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

def vm_size():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmSize:"))
    return int(line.split()[1]) * 1024

with AuthClient(sys.argv[1], timeout=20) as client:
    assert client.get_session() is None
    before = peak_kib()
    limit = vm_size() + 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        client.get_session()
        error = None
    except (ClientError, MemoryError) as caught:
        error = type(caught).__name__
print(json.dumps({"error": error, "growth_kib": peak_kib() - before}))
"""


HUGE: dict[str, Callable[[], Answer]] = {
    "content-length": lambda: streamed(http_head(200, [("Content-Length", str(GIB))]), blocks(GIB)),
    "chunked": lambda: streamed(
        http_head(200, [("Transfer-Encoding", "chunked")]), chunked(blocks(GIB))
    ),
    "until-close": lambda: streamed(http_head(200), blocks(GIB)),
    # About 1 MiB on the wire that inflates to 1 GiB.
    "gzip-bomb": lambda: streamed(
        http_head(200, [("Content-Encoding", "gzip")]), zeros_gzipped(GIB)
    ),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("kind", HUGE)
def test_a_1_gib_answer_costs_no_more_than_the_cap_in_memory(kind: str) -> None:
    with FaultServer(http_response(200, b"null"), HUGE[kind]()) as server:
        started = time.monotonic()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, server.base_url],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        took = time.monotonic() - started
        sent = server.lines[1].sent
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report["error"] == ResponseTooLargeError.__name__, report
    # The cap itself plus a few read buffers; without the cap this is gigabytes.
    assert report["growth_kib"] * 1024 < MAX_ANSWER_BYTES + 16 * 1024**2, report
    assert sent < GIB // 10  # refused early: the server got to send a small part of it
    assert took < 10

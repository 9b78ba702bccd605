"""Many commands at once never show anyone a missing, empty or half-written index.

Real processes: 100 rounds of two ``switcher accounts use`` at the same
moment, while a third process reads ``accounts.json`` as fast as it can and
counts every read that finds no file, an empty one, or one that is not an
index. Before, the save renamed the live file away before putting the new one
in place: 8,279 of 631,008 reads saw no index.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.cli import SWITCHER_COMMAND, Cli
from tests.support.targets import unique_email

ROUNDS = 100


READER = """
import json, sys, time
from pathlib import Path
from switcher.vault import parse_index
path, stop = Path(sys.argv[1]), Path(sys.argv[2])
reads = missing = empty = broken = 0
while not stop.exists():
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        missing += 1
        continue
    reads += 1
    if not raw:
        empty += 1
    elif parse_index(raw) is None:
        broken += 1
print(json.dumps({"reads": reads, "missing": missing, "empty": empty, "broken": broken}))
"""


def test_two_switches_at_once_never_hide_the_index_from_a_reader(cli: Cli, tmp_path: Path) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    # --insecure-storage: what is tested is the index; the keyring has its own tests.
    for email in (alice, bob):
        cli.add(email, "--sign-up", before=("--insecure-storage",))
    index = cli.root / "config" / "accounts.json"
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(index), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        env=cli.env,
    )
    command = [*SWITCHER_COMMAND, "--insecure-storage", "accounts", "use"]
    try:
        for round_ in range(ROUNDS):
            first, second = (alice, bob) if round_ % 2 else (bob, alice)
            pair = [
                subprocess.Popen(
                    [*command, email],
                    env=cli.env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for email in (first, second)
            ]
            for process, email in zip(pair, (first, second), strict=True):
                out, err = process.communicate(timeout=60)
                assert process.returncode == 0, err
                assert out.strip() == f"active: {email}"
    finally:
        stop.touch()
        counts = json.loads(reader.communicate(timeout=30)[0])
    assert counts["reads"] > ROUNDS, counts
    assert (counts["missing"], counts["empty"], counts["broken"]) == (0, 0, 0), counts
    listing = json.loads(cli("--insecure-storage", "accounts", "list", "--json").stdout)
    assert sorted(a["email"] for a in listing["accounts"]) == sorted([alice, bob])
    assert sum(a["active"] for a in listing["accounts"]) == 1

"""Regenerate python3-deps.json, the Flatpak module with switcher's Python dependencies.

    .venv/bin/python packaging/flatpak/pypi_sources.py > packaging/flatpak/python3-deps.json

flatpak-builder builds without network, so every wheel is listed as a source
with its PyPI URL and SHA-256 (what flatpak-pip-generator does). The versions
are the ones installed in this venv, resolved for the Flatpak runtime's Python
(3.12 in org.freedesktop.Platform 24.08) on x86_64 and aarch64. Needs network
(the PyPI JSON API) and the ``packaging`` library.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import sys
import urllib.request
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

PYTHON = "cp312"
ARCHES = ("x86_64", "aarch64")
ENVIRONMENT = {
    "python_version": "3.12",
    "python_full_version": "3.12.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def closure(root: str, extras: tuple[str, ...], arch: str) -> dict[str, str]:
    """Every distribution ``root[extras]`` needs on Linux/``arch``, with its installed version."""
    found: dict[str, str] = {}

    def walk(name: str, wanted: tuple[str, ...]) -> None:
        dist = metadata.distribution(name)
        key = canonicalize_name(dist.metadata["Name"])
        if key in found:
            return
        found[key] = dist.version
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(
                marker.evaluate({**ENVIRONMENT, "platform_machine": arch, "extra": extra})
                for extra in ("", *wanted)
            ):
                walk(requirement.name, tuple(requirement.extras))

    walk(root, extras)
    found.pop(canonicalize_name(root))
    return found


def _python_ok(interpreter: str) -> bool:
    """The tag's interpreter runs on the runtime's CPython 3.12 (cp310-abi3 does, cp313 not)."""
    if interpreter in ("py3", "cp3"):
        return True
    return (
        interpreter.startswith("cp") and interpreter[2:].isdigit() and int(interpreter[2:]) <= 312
    )


def fits(filename: str, arch: str) -> bool:
    _, _, _, tags = parse_wheel_filename(filename)
    for tag in tags:
        platform_ok = tag.platform == "any" or (
            tag.platform.startswith("manylinux") and tag.platform.endswith(arch)
        )
        if tag.abi == PYTHON:
            abi_ok = tag.interpreter == PYTHON
        else:
            abi_ok = tag.abi in ("abi3", "none") and _python_ok(tag.interpreter)
        if platform_ok and abi_ok:
            return True
    return False


def sources(name: str, version: str) -> list[dict[str, Any]]:
    # The simple index's JSON form (PEP 691): every file with its hash.
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310 -- fixed https URL
        files = json.load(reply)["files"]
    wheels = [
        {"filename": f["filename"], "url": f["url"], "sha256": f["hashes"]["sha256"]}
        for f in files
        if f["filename"].endswith(".whl")
        and not f.get("yanked")
        and parse_wheel_filename(f["filename"])[1] == Version(version)
    ]
    chosen: dict[str, dict[str, Any]] = {}
    for arch in ARCHES:
        match = next((f for f in wheels if fits(f["filename"], arch)), None)
        if match is None:
            raise SystemExit(f"no {PYTHON} wheel of {name} {version} for {arch}")
        chosen[arch] = match
    if len({f["url"] for f in chosen.values()}) == 1:
        only = next(iter(chosen.values()))
        return [{"type": "file", "url": only["url"], "sha256": only["sha256"]}]
    return [
        {"type": "file", "url": f["url"], "sha256": f["sha256"], "only-arches": [arch]}
        for arch, f in chosen.items()
    ]


def main() -> int:
    needed: dict[str, str] = {}
    for arch in ARCHES:
        needed.update(closure("switcher", ("postgres",), arch))
    module = {
        "name": "python3-deps",
        "buildsystem": "simple",
        "build-commands": [
            'pip3 install --no-index --find-links="file://${PWD}" --prefix=${FLATPAK_DEST} '
            "--no-build-isolation " + " ".join(sorted(needed))
        ],
        "sources": [source for name in sorted(needed) for source in sources(name, needed[name])],
    }
    json.dump(module, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Flatpak manifest parses with the real flatpak-builder and asks for what a tray app needs.

Building it needs the Flathub runtime (network), so CI checks the manifest
rather than building: flatpak-builder's own parser, the app id, the D-Bus
names, the browser-profile access, and that the pinned wheels cover
switcher's requirements for the runtime's Python on both architectures.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from switcher import __version__
from switcher.app_identity import APP_ID
from tests.support.components import missing
from tests.support.repo import REPO

FLATPAK = REPO / "packaging" / "flatpak"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    builder = shutil.which("flatpak-builder")
    if builder is None:
        missing("flatpak-builder", "apt-get install flatpak-builder (make test does)")
    # flatpak-builder leaves a .flatpak-builder dir where it runs: a copy, not the checkout.
    work = tmp_path_factory.mktemp("flatpak")
    for name in (f"{APP_ID}.yml", "python3-deps.json"):
        shutil.copy(FLATPAK / name, work / name)
    shown = subprocess.run(
        [builder, "--show-manifest", f"{APP_ID}.yml"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    parsed: dict[str, Any] = json.loads(shown.stdout)
    return parsed


def test_identity_and_command(manifest: dict[str, Any]) -> None:
    assert manifest["id"] == APP_ID
    assert manifest["command"] == "switcher"
    assert [m["name"] for m in manifest["modules"]] == ["python3-deps", "switcher"]


def test_the_sandbox_reaches_tray_keyring_notifications_and_browsers(
    manifest: dict[str, Any],
) -> None:
    args = set(manifest["finish-args"])
    for name in (
        "org.kde.StatusNotifierWatcher",
        "org.freedesktop.secrets",
        "org.freedesktop.Notifications",
    ):
        assert f"--talk-name={name}" in args
    assert {"--share=network", "--socket=wayland", "--socket=fallback-x11", "--share=ipc"} <= args
    for profile in (
        "~/.mozilla",
        "xdg-config/mozilla",
        "xdg-config/chromium",
        "xdg-config/google-chrome",
    ):
        assert f"--filesystem={profile}:create" in args
    assert "--filesystem=xdg-config/autostart:create" in args
    assert "--filesystem=home" not in args and "--filesystem=host" not in args


def test_switcher_goes_in_as_this_versions_wheel(manifest: dict[str, Any]) -> None:
    (module,) = (m for m in manifest["modules"] if m["name"] == "switcher")
    wheel = f"switcher-{__version__}-py3-none-any.whl"
    assert any(s.get("path", "").endswith(f"dist/{wheel}") for s in module["sources"])
    assert any(wheel in command for command in module["build-commands"])
    for source in module["sources"]:
        assert (FLATPAK / source["path"]).resolve().is_relative_to(REPO)
        if not source["path"].startswith("../../dist/"):
            assert (FLATPAK / source["path"]).is_file(), source["path"]


def test_the_pinned_wheels_cover_switchers_requirements() -> None:
    deps = json.loads((FLATPAK / "python3-deps.json").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [
        Requirement(r)
        for r in project["dependencies"] + project["optional-dependencies"]["postgres"]
    ]
    linux = {"sys_platform": "linux", "python_version": "3.12", "platform_system": "Linux"}
    names = {
        canonicalize_name(r.name) for r in wanted if r.marker is None or r.marker.evaluate(linux)
    }
    by_arch: dict[str, set[str]] = {"x86_64": set(), "aarch64": set()}
    for source in deps["sources"]:
        assert source["type"] == "file"
        assert source["url"].startswith("https://files.pythonhosted.org/")
        assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
        filename = source["url"].rsplit("/", 1)[1]
        name, version, _, tags = parse_wheel_filename(filename)
        for arch in source.get("only-arches", list(by_arch)):
            assert all(t.platform == "any" or t.platform.endswith(arch) for t in tags), (
                f"{filename} is not for {arch}"
            )
            by_arch[arch].add(canonicalize_name(name))
        # The runtime's Python is 3.12: pure, abi3 or cp312 wheels only.
        assert any(t.abi in ("none", "abi3", "cp312") for t in tags), filename
        for requirement in wanted:
            if canonicalize_name(requirement.name) == canonicalize_name(name):
                assert requirement.specifier.contains(version, prereleases=True), filename
    for arch, present in by_arch.items():
        assert names <= present, f"{arch} lacks {sorted(names - present)}"
    (command,) = deps["build-commands"]
    assert "--no-index" in command

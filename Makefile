# Quick start: `make run` (the bundled server on its local defaults) and
# `make test` (installs everything the suite needs, then runs all of it).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two installs into the one venv: what the app needs (make run), and that plus
# the test, lint and packaging tools (everything else). The second keeps the
# name it always had, so existing checkouts do not reinstall.
APP_STAMP := $(VENV)/.installed-app
STAMP     := $(VENV)/.installed

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run app-deps test test-fast check lint typecheck pytest system-deps peer bench dist clean

$(APP_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,postgres]'
	touch $@

run: $(APP_STAMP)
	$(BIN)/switcher

# What `make run` needs from the system on Debian or Ubuntu: venv, and the X
# libraries Qt's xcb plugin loads (desktops have most; minimal systems lack them).
APP_PACKAGES := python3 python3-venv \
	libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0 \
	libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xkb1

app-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing system packages: $(APP_PACKAGES)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			--no-upgrade $(APP_PACKAGES) >/dev/null; \
	else \
		echo "needs root and apt-get (sudo make app-deps); elsewhere install: $(APP_PACKAGES)"; \
		exit 1; \
	fi

# System packages the real-component tests use. Only as root with apt (CI,
# a fresh Debian/Ubuntu machine); elsewhere the tests name what is missing.
# Node.js 20 comes with the machine (Debian's own nodejs is 18, too old for
# better-auth 1.7); it is installed from apt only when there is none at all.
SYSTEM_PACKAGES := $(APP_PACKAGES) postgresql wrk build-essential flatpak-builder util-linux \
	ca-certificates gnome-keyring dbus-daemon \
	xvfb x11-utils xdotool imagemagick trayer xfce4-panel xfce4-notifyd dbus-bin sway waybar grim \
	fonts-dejavu-core \
	firefox-esr chromium curl desktop-file-utils appstream

system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing system packages: $(SYSTEM_PACKAGES)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			--no-upgrade $(SYSTEM_PACKAGES) >/dev/null && \
		{ command -v node >/dev/null 2>&1 || \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }; \
	else \
		echo "not root or no apt-get: skipping system packages ($(SYSTEM_PACKAGES))"; \
	fi

# better-auth 1.7.25 from npm, the interop peer (cached outside the checkout).
peer: $(STAMP)
	$(BIN)/python -m tests.support.peer install

lint: $(STAMP)
	$(BIN)/ruff check switcher resources tests bench docs packaging
	$(BIN)/ruff format --check switcher resources tests bench docs packaging
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Both halves: tests/unit (in this process only) and tests/e2e (real components).
pytest: $(STAMP)
	$(BIN)/pytest tests/unit tests/e2e

# The unit tests alone, about a minute: no peer, database server, keyring, browser or display.
test-fast: $(STAMP)
	$(BIN)/pytest tests/unit

check: lint typecheck pytest

test: system-deps $(STAMP) peer check

bench: $(STAMP) peer
	$(BIN)/python bench/server.py
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/gui.py
	$(BIN)/python bench/pick.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/import_profile.py
	$(BIN)/python bench/browser_sign_in.py

# The bundle for this OS (PyInstaller, one folder; on Linux also a .tar.gz with
# the desktop entry, metainfo and icons), and the wheel and sdist, in dist/.
dist: $(STAMP)
	$(BIN)/python packaging/dist.py

clean:
	rm -rf build dist $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

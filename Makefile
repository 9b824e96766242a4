# PMPC Recovery Wizard — task runner.
#   make run      install what is missing, build, open the app
#   make test     install what is missing, run every check and test (what CI runs)
#   make package  build the .deb and .rpm installers
#   make windows  cross-build the Windows CLI and app; test them and the installer under Wine
#   make windows-installer  the release installer for Windows
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Build output lives outside the clone so a fresh clone reuses earlier builds.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/pmpc-target
export CARGO_TERM_COLOR ?= never
BIN := $(CARGO_TARGET_DIR)/debug/pmpc-recovery-wizard
ARTIFACTS := artifacts
APT_PACKAGES := build-essential pkg-config curl file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev \
  libayatana-appindicator3-dev librsvg2-dev librsvg2-bin xvfb xauth webkit2gtk-driver dbus-x11 \
  gnome-keyring libdbus-1-dev chromium xdotool python3-xlib python3-pyatspi at-spi2-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help deps .deps-apt .deps-driver .deps-deny deny run test package package-check lint rust-test bindings-check ui-test e2e app icons bench \
  windows windows-build windows-installer windows-installer-test windows-wine .deps-windows .deps-package

help:
	@echo "make run      install what is missing, build and open the app (practice mode needs no tenant)"
	@echo "make test     install what is missing and run every check and test"
	@echo "make package  build the .deb and .rpm installers into $(ARTIFACTS)/"
	@echo "make windows  cross-build the Windows CLI and app, test them and their installer under Wine"
	@echo "make windows-installer  the release installer (NSIS, signed when WINDOWS_CERTIFICATE is set)"
	@echo "make bench    benchmarks: the engine's whole flow against tenant-sim, app start-up and memory"

# --- installing ---------------------------------------------------------------------------------
deps: .deps-apt .deps-driver ui/node_modules/.package-lock.json

.deps-apt:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	fi

.deps-driver:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --version "^2" --locked --quiet

.deps-deny:
	@command -v cargo-deny >/dev/null || cargo install cargo-deny --version "^0.20" --locked --quiet

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error

# --- building -----------------------------------------------------------------------------------
ui/dist/index.html: ui/node_modules/.package-lock.json $(shell find ui/src ui/index.html -type f 2>/dev/null)
	cd ui && npm run --silent build

# The app with its front end embedded (tauri/custom-protocol), as the installer ships it.
app: deps ui/dist/index.html
	cargo build -p pmpc-recovery-wizard --features tauri/custom-protocol

run: app
	$(BIN)

# deb and rpm in one `tauri bundle` of the programs cargo built; Tauri writes the rpm itself, no
# rpmbuild needed. No AppImage: its bundler downloads tools. The version is the workspace's
# (tauri.conf.json has none, so Tauri takes the app crate's Cargo version).
# PACKAGE_PROFILE=debug bundles the debug build instead: `make test` does, to check the installers
# without a cold release build (over 10 min here); `make package` builds release installers.
# The CLI goes in as /usr/bin/pmpc-recovery-cli through the bundler's `files` (given here, not in
# tauri.conf.json, because its path is this build's target directory).
PACKAGE_PROFILE ?= release
PACKAGE_CLI = $(CARGO_TARGET_DIR)/$(PACKAGE_PROFILE)/pmpc-recovery-cli
package: deps .deps-package ui/dist/index.html
	rm -rf $(CARGO_TARGET_DIR)/$(PACKAGE_PROFILE)/bundle/deb $(CARGO_TARGET_DIR)/$(PACKAGE_PROFILE)/bundle/rpm
	$(if $(filter release,$(PACKAGE_PROFILE)),cargo build --release -p pmpc-recovery-wizard -p pmpc-recovery-cli --features tauri/custom-protocol,$(MAKE) --no-print-directory debug-build)
	cd ui && TAURI_APP_PATH=../src-tauri npx tauri bundle $(if $(filter debug,$(PACKAGE_PROFILE)),--debug) --bundles deb,rpm \
	  --config '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/pmpc-recovery-cli":"$(PACKAGE_CLI)"}},"rpm":{"files":{"/usr/bin/pmpc-recovery-cli":"$(PACKAGE_CLI)"}}}}}'
	mkdir -p $(ARTIFACTS) && rm -f $(ARTIFACTS)/*.deb $(ARTIFACTS)/*.rpm
	cp $(CARGO_TARGET_DIR)/$(PACKAGE_PROFILE)/bundle/deb/*.deb $(CARGO_TARGET_DIR)/$(PACKAGE_PROFILE)/bundle/rpm/*.rpm $(ARTIFACTS)/
	@ls -1 $(ARTIFACTS)/*.deb $(ARTIFACTS)/*.rpm

# bsdtar lists an rpm's files without rpm tools.
.deps-package:
	@command -v bsdtar >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libarchive-tools >/dev/null; }

# Both installers build, carry the workspace version, and hold the app, the CLI, the menu entry and icons.
package-check: package
	version=$$(cargo metadata --no-deps --format-version 1 | \
	  python3 -c 'import json,sys; print([p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="pmpc-recovery-wizard"][0])'); \
	for pkg in $(ARTIFACTS)/*.deb $(ARTIFACTS)/*.rpm; do \
	  case "$$pkg" in *.deb) contents=$$(dpkg-deb --contents "$$pkg");; *) contents=$$(bsdtar -tvf "$$pkg");; esac; \
	  for f in usr/bin/pmpc-recovery-wizard usr/bin/pmpc-recovery-cli usr/share/applications/ usr/share/icons/hicolor/128x128/apps/; do \
	    grep -q "$$f" <<<"$$contents" || { echo "$$pkg lacks $$f"; exit 1; }; done; \
	  grep -qE '^-rwxr-xr-x .*usr/bin/pmpc-recovery-cli$$' <<<"$$contents" || { echo "$$pkg: pmpc-recovery-cli is not executable"; exit 1; }; \
	  grep -q -- "$$version" <<<"$$(basename "$$pkg")" || { echo "$$pkg does not carry version $$version"; exit 1; }; \
	  echo "$$pkg: $$(du -h "$$pkg" | cut -f1), version $$version, holds the app, the CLI, the menu entry and icons"; \
	done

icons: icons/source.svg
	rsvg-convert -w 1024 -h 1024 icons/source.svg -o /tmp/pmpc-icon.png
	cd ui && npx tauri icon /tmp/pmpc-icon.png -o ../icons
	rm -rf icons/android icons/ios

# --- testing ------------------------------------------------------------------------------------
# (target-specific: package-check, a prerequisite, bundles the debug build here)
test: PACKAGE_PROFILE = debug
test: deps lint deny rust-test msal-test bindings-check ui-test e2e package-check windows
	@echo "All checks passed."

# The supply chain (deny.toml): licenses, crates.io as the only source, bans. `cargo fetch` brings
# every platform's crates from crates.io first, so the check itself reads no network (the
# advisory database is the release workflow's: `cargo deny check advisories`).
deny: .deps-deny
	cargo fetch --locked --quiet
	cargo deny --offline --locked check --hide-inclusion-graph licenses bans sources

lint: ui/dist/index.html
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	@# The core stays free of any UI framework.
	@if cargo tree -p recovery --edges normal,build --prefix none | grep -E '^tauri' ; then \
	  echo "crates/recovery must not depend on tauri"; exit 1; fi
	cd ui && npm run --silent check

# Every debug program `make test` runs comes from one cargo invocation: the whole workspace with its
# tests, and the app as shipped (front end embedded). Cargo unifies dependency features over the
# packages of one invocation, so a lone `cargo build -p tenant-sim` would rebuild tokio, syn and
# the rest for another feature set (over 2 minutes of a cold `make test`). After `rust-test`, a no-op.
WORKSPACE_BUILD := --workspace --features tauri/custom-protocol
.PHONY: debug-build
debug-build: ui/dist/index.html
	cargo test $(WORKSPACE_BUILD) --no-run

# Inside a private D-Bus session with a new, unlocked gnome-keyring (in a throw-away data folder):
# the keychain tests use the real Secret Service, as the shipped app does. Under Xvfb, so the
# clipboard test uses a real X11 clipboard.
rust-test: ui/dist/index.html
	keyrings=$$(mktemp -d); trap 'rm -rf "$$keyrings"' EXIT; \
	XDG_DATA_HOME=$$keyrings xvfb-run -a dbus-run-session -- bash -c \
	  'echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test $(WORKSPACE_BUILD)'

# `cargo test` rewrites the TypeScript bindings from the Rust types; they must match what is committed.
bindings-check:
	@if [ -n "$$(git status --porcelain -- ui/src/lib/bindings)" ]; then \
	  echo "TypeScript bindings are stale: commit what 'cargo test' wrote to ui/src/lib/bindings:"; \
	  git status --porcelain -- ui/src/lib/bindings; exit 1; fi

# Component tests (Vitest, fake backend), then the built UI in headless Chromium with mocked IPC:
# screenshots of every page into $(ARTIFACTS)/ui/ and an axe-core scan of each.
ui-test: ui/dist/index.html
	cd ui && npx vitest run
	cd ui && npx vite build -c vite.mock.config.ts --logLevel warn
	cd ui && SCREENSHOT_DIR=$(abspath $(ARTIFACTS))/ui node --test --test-reporter=spec tests/

# The real window under Xvfb, driven through tauri-driver + WebKitWebDriver.
# With its own data folder and an unlocked gnome-keyring, as on an admin's desktop.
e2e: deps debug-build
	mkdir -p $(ARTIFACTS)/e2e
	home=$$(mktemp -d); trap 'rm -rf "$$home"' EXIT; \
	XDG_DATA_HOME=$$home APP_BINARY=$(BIN) ARTIFACTS_DIR=$(abspath $(ARTIFACTS))/e2e \
	  CLI_BINARY=$(CARGO_TARGET_DIR)/debug/pmpc-recovery-cli SIM_BINARY=$(CARGO_TARGET_DIR)/debug/tenant-sim \
	  xvfb-run -a -s "-screen 0 1280x860x24" dbus-run-session -- bash -c \
	  'echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; node --test --test-concurrency=1 --test-reporter=spec tests/e2e/'

# The real-window suite 5 times in a row on one build (issue 22): for the next person who touches
# the window. Passes only if all 5 pass; prints the count and the total time.
.PHONY: e2e-soak
e2e-soak: deps debug-build
	@start=$$(date +%s); passed=0; \
	for run in 1 2 3 4 5; do \
	  echo "=== make e2e, run $$run of 5"; \
	  if $(MAKE) --no-print-directory e2e; then passed=$$((passed + 1)); else echo "=== run $$run FAILED"; fi; \
	done; \
	echo "e2e-soak: $$passed of 5 passed in $$(( $$(date +%s) - start )) s"; \
	[ "$$passed" = 5 ]

# Microsoft's own client library against the tenant-sim binary: MSAL Python, pinned with what it
# needs in crates/tenant-sim/tests/msal/requirements.txt, in its own venv (Debian's python3-venv),
# through a throw-away TLS front whose certificate openssl makes (tests/msal/msal_clients.py).
MSAL_DIR := crates/tenant-sim/tests/msal
MSAL_VENV := $(HOME)/.cache/pmpc-msal-venv
.PHONY: msal-test .deps-msal
.deps-msal:
	@if ! dpkg -s python3-venv openssl >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends python3-venv openssl >/dev/null; \
	fi

$(MSAL_VENV)/installed: $(MSAL_DIR)/requirements.txt | .deps-msal
	rm -rf $(MSAL_VENV) && /usr/bin/python3 -m venv $(MSAL_VENV)
	$(MSAL_VENV)/bin/pip install --quiet --disable-pip-version-check --require-virtualenv -r $<
	touch $@

msal-test: $(MSAL_VENV)/installed debug-build
	$(MSAL_VENV)/bin/python $(MSAL_DIR)/msal_clients.py $(CARGO_TARGET_DIR)/debug/tenant-sim

# --- benchmarks (figures printed, nothing asserted) --------------------------------------------------
# 1. The engine's whole flow against tenant-sim (realistic, fast and slow tenants): wall time vs. the
#    floor, beside models of other tools' waiting, and the requests of a clean run.
# 2. The release installers (`make package`) and a bare Tauri 2 window (tests/bench/bare-window: not a
#    workspace member, the workspace's Cargo.lock copied in, same target dir and release profile,
#    built here with the same Tauri CLI); then both apps' cold start to an interactive first page,
#    memory (PSS) and sizes, side by side, under Xvfb.
BARE := tests/bench/bare-window
release-profile = awk '/^\[/{on=($$0=="[profile.release]")} on && NF && !/^\#/' $(1)
bench: deps .deps-package ui/dist/index.html
	cargo bench -p recovery --bench flow
	@diff <($(call release-profile,Cargo.toml)) <($(call release-profile,$(BARE)/Cargo.toml)) >/dev/null || \
	  { echo "$(BARE)/Cargo.toml: [profile.release] differs from the workspace's"; exit 1; }
	$(MAKE) --no-print-directory package PACKAGE_PROFILE=release
	cp Cargo.lock $(BARE)/Cargo.lock
	cd ui && TAURI_APP_PATH=../$(BARE) npx tauri build --bundles deb
	APP_BINARY=$(CARGO_TARGET_DIR)/release/pmpc-recovery-wizard BARE_BINARY=$(CARGO_TARGET_DIR)/release/bare-window \
	  APP_DEB="$$(ls $(CARGO_TARGET_DIR)/release/bundle/deb/PMPC*.deb)" BARE_DEB="$$(ls $(CARGO_TARGET_DIR)/release/bundle/deb/Bare*.deb)" \
	  xvfb-run -a -s "-screen 0 1280x860x24" dbus-run-session -- node tests/bench/startup.mjs

# --- Windows, cross-built on Debian (README: "Windows builds from Linux") -----------------------------
# Debian's own Rust builds the standard library for x86_64-pc-windows-gnu from source (rustup cannot
# download that target here) and mingw links; all settings are environment variables in
# packaging/windows/cargo-windows, so native builds are untouched. Own target directory.
# WIN_PROFILE=release builds what a release ships; `make test` uses the debug build (same programs,
# same installer script, minutes instead of a cold optimised build).
WIN_TRIPLE := x86_64-pc-windows-gnu
WIN_PROFILE ?= debug
export PMPC_WINDOWS_TARGET_DIR ?= $(HOME)/.cache/pmpc-target-windows
WIN_OUT := $(PMPC_WINDOWS_TARGET_DIR)/$(WIN_TRIPLE)/$(WIN_PROFILE)
WIN_CARGO := $(abspath packaging/windows/cargo-windows)
WIN_APT := rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64 nsis wixl \
  osslsigncode openssl xvfb xauth xdotool imagemagick icoutils
WIN_PY := python3 packaging/windows
# The installer's own build folder, and its test's: a throw-away certificate, the installer and a
# newer one for the upgrade test.
WIN_SETUP := $(PMPC_WINDOWS_TARGET_DIR)/setup-$(WIN_PROFILE)

# Part of `make test`: the programs, the CLI under Wine, the installer built, signed and tested under Wine.
windows: windows-build windows-wine windows-installer-test

.deps-windows:
	@if ! dpkg -s $(WIN_APT) >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(WIN_APT) >/dev/null; \
	fi

# pmpc-recovery-cli.exe and pmpc-recovery-wizard.exe (front end embedded) in one cargo run.
windows-build: .deps-windows ui/dist/index.html
	$(WIN_CARGO) build $(if $(filter release,$(WIN_PROFILE)),--release) --target $(WIN_TRIPLE) \
	  -p pmpc-recovery-cli -p pmpc-recovery-wizard --features tauri/custom-protocol
	@file $(WIN_OUT)/pmpc-recovery-cli.exe $(WIN_OUT)/pmpc-recovery-wizard.exe

# The installer users download: release programs, packaging/windows/installer.nsi through makensis,
# signed by packaging/windows/sign.py when WINDOWS_CERTIFICATE and WINDOWS_CERTIFICATE_PASSWORD are
# set (as in the release workflow), unsigned otherwise. Into $(ARTIFACTS)/windows/.
windows-installer:
	$(MAKE) --no-print-directory windows-build WIN_PROFILE=release
	rm -rf $(ARTIFACTS)/windows && mkdir -p $(ARTIFACTS)/windows
	$(WIN_PY)/build_installer.py --exe-dir $(PMPC_WINDOWS_TARGET_DIR)/$(WIN_TRIPLE)/release --out $(ARTIFACTS)/windows
	rm -rf $(ARTIFACTS)/windows/stage

# Debian 12's Wine lacks bcryptprimitives.dll (Rust's std needs its ProcessPrng): a one-function shim.
$(WIN_OUT)/bcryptprimitives.dll: packaging/windows/bcryptprimitives.c packaging/windows/bcryptprimitives.def | .deps-windows
	mkdir -p $(@D) && x86_64-w64-mingw32-gcc -shared -O2 -s -o $@ $^ -ladvapi32

# The installer test reads the app's message box with it (test tool, never shipped).
$(WIN_OUT)/window-text.exe: packaging/windows/window-text.c | .deps-windows
	mkdir -p $(@D) && x86_64-w64-mingw32-gcc -municode -O2 -s -o $@ $<

# The Windows CLI under Wine (throw-away prefix): a run against a native tenant-sim whose secret goes
# to Wine's Credential Manager and is read back by a new process, then the practice run.
windows-wine: windows-build $(WIN_OUT)/bcryptprimitives.dll debug-build
	$(WIN_PY)/wine-practice.py $(WIN_OUT) $(CARGO_TARGET_DIR)/debug/tenant-sim

# The installer as built for a release, from these programs, signed with a throw-away certificate
# (offline: no timestamp), then installed, upgraded and removed under Wine and Xvfb
# (packaging/windows/installer-test.py; the release workflow runs the same test on Windows).
windows-installer-test: windows-build $(WIN_OUT)/bcryptprimitives.dll $(WIN_OUT)/window-text.exe
	rm -rf $(WIN_SETUP) && $(WIN_PY)/test-certificate.py $(WIN_SETUP)/cert
	export WINDOWS_CERTIFICATE="$$(cat $(WIN_SETUP)/cert/certificate.b64)" \
	  WINDOWS_CERTIFICATE_PASSWORD="$$(cat $(WIN_SETUP)/cert/password)" PMPC_SIGN_TIMESTAMP_URL=; \
	$(WIN_PY)/build_installer.py --exe-dir $(WIN_OUT) --out $(WIN_SETUP)/current && \
	$(WIN_PY)/build_installer.py --exe-dir $(WIN_OUT) --out $(WIN_SETUP)/newer --newer
	mkdir -p $(ARTIFACTS)/windows
	xvfb-run -a -s "-screen 0 1280x860x24" $(WIN_PY)/installer-test.py \
	  --installer "$$(ls $(WIN_SETUP)/current/*-setup.exe)" --upgrade "$$(ls $(WIN_SETUP)/newer/*-setup.exe)" \
	  --msi "$$(ls $(WIN_SETUP)/current/*.msi)" --msi-upgrade "$$(ls $(WIN_SETUP)/newer/*.msi)" \
	  --ca $(WIN_SETUP)/cert/ca.pem --shim $(WIN_OUT)/bcryptprimitives.dll --window-text $(WIN_OUT)/window-text.exe \
	  --artifacts $(abspath $(ARTIFACTS))/windows

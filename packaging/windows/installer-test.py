#!/usr/bin/env python3
"""The Windows installer as a user meets it: under Wine in a throw-away prefix (`make test`), or on a
Windows runner with --native (the release workflow), with the same checks.

  installer-test.py --installer SETUP.exe --upgrade NEWER-SETUP.exe [--msi X.msi --msi-upgrade NEWER.msi]
                    [--ca CA.pem] [--shim DLL] [--window-text window-text.exe] [--artifacts DIR] [--native]

1. Signatures (with --ca): the installer verifies against the test CA, and a copy with one byte
   changed does not.
2. Silent install (/S): the programs in %LOCALAPPDATA%\\<product>, Start-menu shortcuts pointing at
   them, the HKCU Uninstall entry with the workspace version and the publisher (every value Settings >
   Apps reads); both programs carry the icon and a version resource (Wine: read with wrestool); the
   installed programs and uninstaller are signed (with --ca); the installed CLI does
   `run --practice --json` with verified: true.
3. The app without WebView2 (Wine only: Wine has none): the installed app shows its message box,
   found by its title with xdotool, its text read by window-text.exe (window-text.c), a screenshot
   saved in DIR; closing it ends the process with a non-zero status.
4. Upgrade with the app open: the newer installer, run silently, closes the open wizard and installs
   over it in place: one entry, the new version, the programs replaced, the data folder kept.
5. Silent uninstall: programs, shortcuts and entry gone; the data folder kept.
6. Double-click install (Wine only): Welcome, License, Install; offline, the installer's message that
   WebView2 is missing (read and photographed); Finish starts the app, whose box says the same; then
   a silent uninstall again.
7. With --msi: msiexec /i … /qn (programs, shortcuts, one entry, the installed CLI's practice run),
   a newer MSI over it (one entry, the new version), msiexec /x … /qn (all gone, the data kept).

Product values (name, publisher, version) come from build_installer.product(), as the installer's do.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import winhost
from build_installer import newer_version, product
from winhost import check_values, fail, last_json, say

winhost.NAME = "installer-test"
APP_EXE = "pmpc-recovery-wizard.exe"
CLI_EXE = "pmpc-recovery-cli.exe"


def verify_signatures(ca, files):
    here = Path(__file__).resolve().parent
    p = subprocess.run([sys.executable, str(here / "sign.py"), "--verify", ca, *map(str, files)],
                       capture_output=True, text=True)
    print(p.stdout, end="", file=sys.stderr)
    return p.returncode == 0


def check_tampered_copy_fails(ca, signed, work):
    tampered = Path(work) / ("tampered-" + Path(signed).name)
    data = bytearray(Path(signed).read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(data)
    if verify_signatures(ca, [tampered]):
        fail(f"a copy of {Path(signed).name} with one byte changed still verifies")
    say(f"a copy of {Path(signed).name} with one byte changed does not verify")


def check_version_resources(files, facts):
    """Explorer's Properties > Details: each program's version resource names the product, its
    version and publisher, and the program carries the icon (wrestool, from icoutils)."""
    for f in files:
        listing = subprocess.run(["wrestool", "-l", f], capture_output=True, text=True, check=True).stdout
        if "type=group_icon" not in listing or "type=version" not in listing:
            fail(f"{Path(f).name} lacks an icon or a version resource:\n{listing}")
        raw = subprocess.run(["wrestool", "--raw", "-x", "-t16", f], capture_output=True, check=True).stdout
        strings = raw.decode("utf-16-le", "replace").split("\x00")
        for key, want in (("ProductName", facts["PRODUCT_NAME"]), ("ProductVersion", facts["VERSION"]),
                          ("FileVersion", facts["VERSION"]), ("CompanyName", facts["PUBLISHER"]),
                          ("LegalCopyright", facts["COPYRIGHT"])):
            keys = [i for i, s in enumerate(strings) if s.endswith(key)]
            if not keys or want not in strings[keys[0] + 1:keys[0] + 3]:
                fail(f"{Path(f).name}: version resource {key} is not {want!r}")
        say(f"{Path(f).name}: icon, and version resource {facts['PRODUCT_NAME']} {facts['VERSION']} "
            f"by {facts['PUBLISHER']}")


def lnk_points_to(lnk, target):
    """A shell link names its target in its LinkInfo (ANSI) or string data (UTF-16)."""
    data = Path(lnk).read_bytes().lower()
    t = target.lower()
    return t.encode("utf-16-le") in data or t.encode("latin-1", "replace") in data


class Installed:
    """Where the installer puts things, and what it must have put there."""

    def __init__(self, host, facts):
        self.host, self.facts = host, facts
        self.name = facts["PRODUCT_NAME"]
        self.win_dir = f"%LOCALAPPDATA%\\{self.name}"
        self.dir = host.expand(self.win_dir)
        self.data = host.expand(f"%LOCALAPPDATA%\\{facts['DATA_FOLDER']}")
        programs = host.expand("%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs")
        self.shortcut = os.path.join(programs, f"{self.name}.lnk")
        self.cli_shortcut = os.path.join(programs, f"{self.name} (command line).lnk")
        self.key = f"HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{self.name}"

    def exe(self, name):
        return os.path.join(self.dir, name)

    def check(self, version):
        for f in (APP_EXE, CLI_EXE, "uninstall.exe", "LICENSE.txt"):
            if not os.path.isfile(self.exe(f)):
                fail(f"{f} is not in {self.dir}: {sorted(os.listdir(self.dir)) if os.path.isdir(self.dir) else 'no folder'}")
        if not os.path.isfile(self.shortcut):
            fail(f"no Start-menu shortcut {self.shortcut}")
        if not lnk_points_to(self.shortcut, APP_EXE):
            fail(f"the Start-menu shortcut does not point at {APP_EXE}")
        if not (os.path.isfile(self.cli_shortcut) and lnk_points_to(self.cli_shortcut, "cmd.exe")):
            fail(f"no command-line shortcut opening cmd.exe: {self.cli_shortcut}")
        values = self.host.reg_values(self.key)
        if values is None:
            fail(f"no uninstall entry {self.key}")
        want = {
            "DisplayName": self.name,
            "DisplayVersion": version,
            "Publisher": self.facts["PUBLISHER"],
            "QuietUninstallString": None,
            "UninstallString": None,
            "DisplayIcon": None,
            "EstimatedSize": None,
            "NoModify": "0x1",
            "NoRepair": "0x1",
        }
        for name, value in want.items():
            got = values.get(name)
            if got is None or (value is not None and got != value):
                fail(f"uninstall entry {name} is {got!r}, expected {value or 'a value'}: {values}")
        if "uninstall.exe" not in values["UninstallString"] or not values["QuietUninstallString"].endswith("/S"):
            fail(f"uninstall strings do not run the uninstaller (quietly): {values}")
        if APP_EXE not in values["DisplayIcon"]:
            fail(f"DisplayIcon is not the app: {values['DisplayIcon']}")
        on_disk = sum(os.path.getsize(self.exe(f)) for f in os.listdir(self.dir)) // 1024
        estimated = int(values["EstimatedSize"], 16)
        if abs(estimated - on_disk) > on_disk // 10 + 1:
            fail(f"EstimatedSize is {estimated} KB, the install folder holds {on_disk} KB")
        say(f"installed in {self.win_dir}: programs, Start-menu shortcuts, uninstall entry "
            f"(version {version}, publisher {values['Publisher']}, {int(values['EstimatedSize'], 16)} KB)")

    def entries(self):
        """Settings > Apps entries for the product: {key: values}, per user and per machine (Wine's
        msiexec writes a per-user MSI's entry under HKLM)."""
        found = {}
        for root in ("HKCU", "HKLM"):
            for k in self.host.reg_subkeys(f"{root}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"):
                values = self.host.reg_values(k) or {}
                if values.get("DisplayName") == self.name:
                    found[k] = values
        return found


def wait_for_window(title, proc, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # NSIS appends its page's subcaption to the title (a space, with Modern UI)
        p = subprocess.run(["xdotool", "search", "--name", f"^{re.escape(title)} ?$"], capture_output=True,
                           text=True)
        if p.stdout.split():
            return p.stdout.split()[-1]
        if proc is not None and proc.poll() is not None:
            fail(f"the app ended (status {proc.returncode}) without showing a window titled {title!r}")
        time.sleep(0.5)
    shown = subprocess.run(["xdotool", "search", "--name", "."], capture_output=True, text=True).stdout.split()
    names = [subprocess.run(["xdotool", "getwindowname", w], capture_output=True, text=True).stdout.strip()
             for w in shown]
    subprocess.run(["import", "-window", "root", os.path.join(tempfile.gettempdir(), "installer-test-failure.png")])
    fail(f"no window titled {title!r} within {seconds} s; windows: {names} "
         f"(screen: {tempfile.gettempdir()}/installer-test-failure.png)")


def message_box_text(host, window_text_exe, title):
    """The text of the window titled TITLE, read by window-text.exe (a message box's text is a static
    control of its dialog)."""
    for _ in range(20):
        p, _ = host.run(window_text_exe, title, check=False)
        if p.stdout.strip():
            return p.stdout
        time.sleep(0.5)
    return ""


def check_app_box(host, installed, window_text_exe, proc, artifacts, shot):
    """The app's message box for a missing WebView2: found by its title, read, photographed, closed."""
    title = installed.name
    window = wait_for_window(title, proc)
    text = message_box_text(host, window_text_exe, title)
    if artifacts:
        subprocess.run(["import", "-window", "root", os.path.join(artifacts, shot)], check=True)
    for phrase in ("needs the Microsoft Edge WebView2 Runtime",
                   "https://developer.microsoft.com/microsoft-edge/webview2/", "IT department"):
        if phrase not in text:
            fail(f"the message box does not say {phrase!r}; its text:\n{text}")
    subprocess.run(["xdotool", "key", "--window", window, "Return"], check=True)
    return text


def app_without_webview2(host, installed, window_text_exe, artifacts):
    app = host.start(installed.exe(APP_EXE), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = check_app_box(host, installed, window_text_exe, app, artifacts, "webview2-missing.png")
    say(f"the app without WebView2 shows a message box titled {installed.name!r}: "
        f"{' '.join(text.split())[:100]}…")
    try:
        status = app.wait(timeout=60)
    except subprocess.TimeoutExpired:
        app.kill()
        fail("the app did not end after its message box was closed")
    if status == 0:
        fail("the app ended with status 0 after saying WebView2 is missing")
    logs = os.path.join(installed.data, "logs")
    logged = any("WebView2 Runtime is missing" in Path(logs, f).read_text(errors="replace")
                 for f in os.listdir(logs)) if os.path.isdir(logs) else False
    if not logged:
        fail(f"the log in {logs} does not record the missing WebView2 Runtime")
    say(f"closing it ended the app with status {status}; the log records why")


def press_return(title, proc, what):
    """Return, as typed: Wine gives the keyboard to its active window (the page, or a message box over
    it), whose default button takes it."""
    wait_for_window(title, proc)
    time.sleep(1)  # the page is drawn and takes keys
    subprocess.run(["xdotool", "key", "Return"], check=True)
    say(f"double-click install: {what}")


def double_click_install(host, installed, setup, window_text_exe, artifacts):
    """The installer as an admin meets it: Welcome, License, Install, the offline WebView2 message,
    Finish with "Start PMPC Recovery Wizard" ticked, and the app's own message box."""
    title = f"{installed.name} {installed.facts['VERSION']} Setup"
    proc = host.start(str(setup), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    press_return(title, proc, "Welcome > Next")
    press_return(title, proc, "License > I Agree (installing)")
    # The offline WebView2 message is a message box with the installer's title, over its window.
    deadline, text = time.monotonic() + 180, ""
    while time.monotonic() < deadline and "could not be downloaded" not in text:
        p, _ = host.run(window_text_exe, title, check=False)
        text = p.stdout
        time.sleep(0.5)
    for phrase in ("needs the Microsoft Edge WebView2 Runtime", "could not be downloaded", "IT department",
                   "Intune and Group Policy"):
        if phrase not in text:
            fail(f"the installer's WebView2 message does not say {phrase!r}; the window's text:\n{text}")
    if artifacts:
        subprocess.run(["import", "-window", "root", os.path.join(artifacts, "installer-webview2-offline.png")],
                       check=True)
    say("double-click install: offline, the installer says WebView2 is missing, where to get it, and that IT "
        "can deploy it")
    press_return(title, proc, "the WebView2 message > OK")
    finish = f"Start {installed.name}"
    for _ in range(60):
        if finish in host.run(window_text_exe, title, check=False)[0].stdout:
            break
        time.sleep(0.5)
    else:
        fail(f"the installer's last page does not offer {finish!r}")
    if artifacts:
        subprocess.run(["import", "-window", "root", os.path.join(artifacts, "installer-finish.png")], check=True)
    press_return(title, proc, "Finish, with Start PMPC Recovery Wizard ticked")
    proc.wait(timeout=60)
    # Started by the Finish page: its box is what the admin sees (its status is not ours to read).
    check_app_box(host, installed, window_text_exe, None, artifacts, "finish-starts-the-app.png")
    say("double-click install: Finish starts the app, which says WebView2 is missing")


def upgrade_with_app_open(host, installed, upgrade, version):
    before = os.stat(installed.exe(APP_EXE)).st_ctime_ns
    app = host.start(installed.exe(APP_EXE), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not host.native:
        wait_for_window(installed.name, app)
    else:
        time.sleep(10)  # the window is up
    _, took = host.run(str(upgrade), "/S", check=False)
    try:
        app.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        fail("the upgrade did not close the open wizard")
    host.wait_idle()
    installed.check(version)
    if os.stat(installed.exe(APP_EXE)).st_ctime_ns == before:
        fail("the upgrade did not replace the app")
    entries = installed.entries()
    if len(entries) != 1:
        fail(f"after the upgrade Settings > Apps has {len(entries)} entries for {installed.name}: {list(entries)}")
    say(f"upgrade to {version} with the wizard open ({took:.1f} s): it was closed, the programs replaced, "
        "one entry")


def msi_install_upgrade_uninstall(host, installed, msi, newer_msi, version, newer):
    """The MSI as Intune or Group Policy runs it: msiexec /i … /qn, a newer one over it, /x … /qn."""
    def only_entry(want):
        entries = installed.entries()
        if len(entries) != 1 or not next(iter(entries.values())).get("DisplayVersion", "").startswith(want):
            fail(f"expected one entry for {installed.name} at version {want}: {entries}")
        return next(iter(entries.values()))

    _, took = host.run("msiexec", "/i", str(msi), "/qn", check=False)
    host.wait_idle()
    for f in (APP_EXE, CLI_EXE, "WebView2Loader.dll", "LICENSE.txt"):
        if not os.path.isfile(installed.exe(f)):
            fail(f"msiexec /i /qn did not install {f}")
    if not (lnk_points_to(installed.shortcut, APP_EXE) and lnk_points_to(installed.cli_shortcut, "cmd.exe")):
        fail("msiexec /i /qn did not add both Start-menu shortcuts")
    entry = only_entry(version)
    if entry.get("Publisher") != installed.facts["PUBLISHER"]:
        fail(f"the MSI's entry names publisher {entry.get('Publisher')!r}")
    p, t = host.run(installed.exe(CLI_EXE), "run", "--practice", "--json")
    check_values(last_json(p, "MSI-installed CLI run --practice"), f"MSI-installed CLI run --practice ({t:.1f} s)")
    say(f"msiexec /i /qn ({took:.1f} s): programs, shortcuts, one entry at {version} by {entry['Publisher']}")
    host.run("msiexec", "/i", str(newer_msi), "/qn", check=False)
    host.wait_idle()
    only_entry(newer)
    say(f"msiexec /i /qn of {newer} over it: one entry, the new version")
    host.run("msiexec", "/x", str(newer_msi), "/qn", check=False)
    host.wait_idle()
    leftovers = [f for f in (installed.dir, installed.shortcut, installed.cli_shortcut) if os.path.exists(f)]
    if leftovers or installed.entries():
        fail(f"msiexec /x /qn left {leftovers} {list(installed.entries())}")
    say("msiexec /x /qn: programs, shortcuts and entry gone")


def uninstall(host, installed, keep):
    host.run(installed.exe("uninstall.exe"), "/S", check=False)
    host.wait_idle()
    for _ in range(60):  # natively the uninstaller's copy runs on after the first process ends
        if not os.path.exists(installed.dir):
            break
        time.sleep(1)
    leftovers = [f for f in (installed.dir, installed.shortcut, installed.cli_shortcut) if os.path.exists(f)]
    if leftovers:
        fail(f"the uninstaller left {leftovers}")
    if host.reg_values(installed.key) is not None:
        fail(f"the uninstaller left the entry {installed.key}")
    if not os.path.isfile(keep):
        fail(f"the uninstaller removed the user's data folder {installed.data}")
    say("silent uninstall: programs, shortcuts and entry gone; the data folder kept")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--installer", required=True, type=Path)
    ap.add_argument("--upgrade", required=True, type=Path)
    ap.add_argument("--msi", type=Path)
    ap.add_argument("--msi-upgrade", type=Path)
    ap.add_argument("--ca")
    ap.add_argument("--shim", help="bcryptprimitives.dll for Debian 12's Wine (see bcryptprimitives.c)")
    ap.add_argument("--window-text", help="window-text.exe, for the app-without-WebView2 test (Wine)")
    ap.add_argument("--artifacts")
    ap.add_argument("--native", action="store_true")
    args = ap.parse_args()
    facts = product()
    if args.artifacts:
        os.makedirs(args.artifacts, exist_ok=True)

    host = winhost.Host(native=args.native, display=True)
    try:
        if args.ca:
            signed = [args.installer, args.upgrade] + ([args.msi] if args.msi else [])
            if not verify_signatures(args.ca, signed):
                fail("the installers' signatures do not verify against the test CA")
            check_tampered_copy_fails(args.ca, args.installer, host.work)
        if args.shim and not host.native:
            # Wine's stand-in for a DLL that Windows has and Debian 12's Wine lacks: into the prefix's
            # system folder, as Windows holds it, not beside the installed programs.
            shutil.copy(args.shim, host.expand("C:\\windows\\system32"))

        installed = Installed(host, facts)
        _, took = host.run(str(args.installer), "/S", check=False)
        host.wait_idle()
        say(f"silent install finished in {took:.1f} s (WebView2 missing and no download possible: "
            "said, not waited for)")
        installed.check(facts["VERSION"])
        if not host.native:
            check_version_resources([installed.exe(APP_EXE), installed.exe(CLI_EXE)], facts)
        if args.ca:
            files = [installed.exe(f) for f in (APP_EXE, CLI_EXE, "uninstall.exe")]
            if not verify_signatures(args.ca, files):
                fail("an installed program is not signed")
            check_tampered_copy_fails(args.ca, installed.exe(APP_EXE), host.work)

        p, took = host.run(installed.exe(CLI_EXE), "run", "--practice", "--json")
        check_values(last_json(p, "installed CLI run --practice"), f"installed CLI run --practice ({took:.1f} s)")

        if not host.native:
            app_without_webview2(host, installed, args.window_text, args.artifacts)
        os.makedirs(installed.data, exist_ok=True)
        keep = os.path.join(installed.data, "kept-by-the-installer-test.txt")
        Path(keep).write_text("the user's data folder\n")

        upgrade_with_app_open(host, installed, args.upgrade, newer_version(facts["VERSION"]))
        if not os.path.isfile(keep):
            fail(f"the upgrade removed the data folder's files ({installed.data})")

        uninstall(host, installed, keep)
        if not host.native:
            double_click_install(host, installed, args.installer, args.window_text, args.artifacts)
            installed.check(facts["VERSION"])
            uninstall(host, installed, keep)
        if args.msi:
            msi_install_upgrade_uninstall(host, installed, args.msi, args.msi_upgrade, facts["VERSION"],
                                          newer_version(facts["VERSION"]))
            if not os.path.isfile(keep):
                fail(f"the MSI removed the user's data folder {installed.data}")
        say("OK")
    finally:
        host.close()


if __name__ == "__main__":
    main()

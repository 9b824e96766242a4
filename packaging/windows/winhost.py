"""Running Windows programs for the Windows tests: under Wine in a throw-away prefix here, or directly
on a Windows runner (the release workflow), with the same checks.

Under Wine, check files and the registry rather than trusting every exit status: an installer or
uninstaller that re-launches itself is only finished when `wineserver -w` returns.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMEOUT = 300
NAME = "windows-test"


def fail(msg):
    print(f"{NAME}: FAILED: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def say(msg):
    print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


class Host:
    """Windows itself (native=True) or a new Wine prefix in a temporary folder."""

    def __init__(self, native, display=False):
        self.native = native
        self.work = tempfile.mkdtemp(prefix="pmpc-win-")
        self.env = dict(os.environ)
        if native:
            return
        if not shutil.which("wine"):
            fail("wine is not installed (apt-get install wine wine64)")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("XDG_", "PMPC_", "DBUS_", "RUST"))}
        self.env.update({
            "WINEPREFIX": os.path.join(self.work, "prefix"),
            "WINEARCH": "win64",
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono/Gecko install prompts
        })
        if not display:
            self.env.pop("DISPLAY", None)  # console programs only: no X server needed
        started = time.monotonic()
        subprocess.run(["wineboot", "--init"], env=self.env, capture_output=True, timeout=TIMEOUT)
        self.wait_idle()
        say(f"new Wine prefix in {time.monotonic() - started:.1f} s")

    def command(self, *args):
        return list(args) if self.native else ["wine", *args]

    def run(self, *args, check=True, timeout=TIMEOUT):
        """Runs a Windows program to its end; returns (CompletedProcess, seconds)."""
        started = time.monotonic()
        try:
            p = subprocess.run(self.command(*args), env=self.env, capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            fail(f"`{' '.join(args)}` did not finish within {timeout} s")
        took = time.monotonic() - started
        if check and p.returncode != 0:
            fail(f"`{' '.join(args)}` exited {p.returncode} after {took:.1f} s\n"
                 f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
        return p, took

    def start(self, *args, **kw):
        return subprocess.Popen(self.command(*args), env=self.env, **kw)

    def wait_idle(self):
        """Under Wine, until every program of the prefix has ended (an uninstaller copies itself to a
        temporary folder and runs again from there)."""
        if not self.native:
            subprocess.run(["wineserver", "--wait"], env=self.env, capture_output=True, timeout=TIMEOUT)

    def expand(self, win_path):
        """A Windows path ('%LOCALAPPDATA%\\x') as a path this script can open."""
        if self.native:
            return os.path.expandvars(win_path)
        var = re.match(r"%(\w+)%", win_path)
        if var:
            p, _ = self.run("cmd", "/c", "echo", f"%{var.group(1)}%")
            win_path = p.stdout.strip() + win_path[var.end():]
        p, _ = self.run("winepath", "-u", win_path)
        return p.stdout.strip()

    def reg_values(self, key):
        """The values of a registry key as {name: text}, or None when the key does not exist."""
        p, _ = self.run("reg", "query", key, check=False)
        if p.returncode != 0 or not p.stdout.strip():
            return None
        values = {}
        for line in p.stdout.splitlines():
            m = re.match(r"\s+(\S+)\s+(REG_\w+)\s*(.*)$", line)
            if m:
                values[m.group(1)] = m.group(3).strip()
        return values or None

    def reg_subkeys(self, key):
        """The subkeys of KEY (given as HKCU\\…), named as KEY is."""
        p, _ = self.run("reg", "query", key, check=False)
        root, _, path = key.partition("\\")
        long_root = {"HKCU": "HKEY_CURRENT_USER", "HKLM": "HKEY_LOCAL_MACHINE"}.get(root.upper(), root)
        prefix = f"{long_root}\\{path}\\".lower()
        return [root + "\\" + line.strip()[len(long_root) + 1:] for line in p.stdout.splitlines()
                if line.strip().lower().startswith(prefix)]

    def close(self):
        if not self.native:
            subprocess.run(["wineserver", "-k"], env=self.env, capture_output=True)
        shutil.rmtree(self.work, ignore_errors=True)


def last_json(p, what):
    lines = [line for line in p.stdout.splitlines() if line.strip().startswith("{")]
    if not lines:
        fail(f"{what}: no JSON on stdout\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError as e:
        fail(f"{what}: stdout is not JSON ({e}): {lines[-1]!r}")


def check_values(out, what, tenant_id=None):
    """The four values of a finished run, verified."""
    if "error" in out:
        fail(f"{what}: the CLI reported an error: {json.dumps(out['error'])}")
    for key in ("tenantId", "applicationId", "objectId"):
        value = out.get(key)
        if not isinstance(value, str) or not GUID.match(value):
            fail(f"{what}: {key} is not a GUID: {value!r}")
    secret = out.get("clientSecret")
    if not isinstance(secret, str) or len(secret) < 16:
        fail(f"{what}: clientSecret is missing or too short: {secret!r}")
    if out.get("verified") is not True:
        fail(f"{what}: verified is {out.get('verified')!r}, not true")
    if tenant_id and out["tenantId"] != tenant_id:
        fail(f"{what}: tenantId {out['tenantId']} is not the tenant-sim's {tenant_id}")
    say(f"{what}: appId {out['applicationId']}, objectId {out['objectId']}, "
        f"tenantId {out['tenantId']}, secret {secret[:3]}… ({len(secret)} chars), verified")

#!/usr/bin/env python3
"""The Windows CLI under Wine, in a throw-away Wine prefix, with the real keychain path.

  wine-practice.py WINDOWS_OUT_DIR TENANT_SIM_BINARY

WINDOWS_OUT_DIR holds pmpc-recovery-cli.exe and bcryptprimitives.dll (the one-function shim that
Debian 12's Wine 8.0 lacks; see bcryptprimitives.c). TENANT_SIM_BINARY is a native Linux tenant-sim.

1. Against a native tenant-sim (`--auto-sign-in`, the Windows CLI pointed at it with
   --authority-host/--graph-base-url): `run --no-browser --json` prints the sign-in URL, which this
   script follows like a browser (tenant-sim signs in and redirects to the CLI's loopback listener);
   the run stores the client secret through keyring's Windows backend (Wine's Credential Manager,
   CredWriteW): four values and `verified: true`.
2. A NEW process, `status --show-secret --json`, reads the secret back (CredReadW) and it must equal
   the one `run` printed; the secret must be in Wine's credential store and nowhere in the data
   directory (so it cannot have come from the journal).
3. `run --practice --json`: the whole flow against the in-process practice tenant (its vault is in
   memory), four values and `verified: true`.

Any failure exits non-zero with a line starting "wine-practice: FAILED".
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import winhost
from winhost import TIMEOUT, check_values, fail, last_json, say

winhost.NAME = "wine-practice"
ADMIN = "grace.admin@contoso.onmicrosoft.com"


def run_with_sign_in(env, *args):
    """Runs the CLI with --no-browser and plays the browser: follows the printed sign-in URL."""
    cmd = ["wine", *args]
    started = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err_lines, followed = [], []

    def follow(url):
        try:
            with urllib.request.urlopen(url, timeout=60) as r:  # redirects end at the CLI's loopback
                followed.append(r.status)
        except Exception as e:  # reported below through the CLI's own failure
            followed.append(repr(e))

    def read_stderr():
        for line in p.stderr:
            err_lines.append(line)
            if line.startswith("Sign in at: "):
                threading.Thread(target=follow, args=(line.split(": ", 1)[1].strip(),), daemon=True).start()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        out = p.stdout.read()
        p.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        fail(f"`{' '.join(cmd)}` did not finish within {TIMEOUT} s\n--- stderr\n{''.join(err_lines)}")
    reader.join(timeout=10)
    took = time.monotonic() - started
    if p.returncode != 0:
        fail(f"`{' '.join(cmd)}` exited {p.returncode} after {took:.1f} s (sign-in URL followed: {followed})\n"
             f"--- stdout\n{out}\n--- stderr\n{''.join(err_lines)}")
    if not followed:
        fail(f"`{' '.join(cmd)}` never printed 'Sign in at: <url>'\n--- stderr\n{''.join(err_lines)}")
    return subprocess.CompletedProcess(cmd, p.returncode, out, "".join(err_lines)), took


def main():
    if len(sys.argv) != 3:
        fail("usage: wine-practice.py WINDOWS_OUT_DIR TENANT_SIM_BINARY")
    out_dir, sim_binary = sys.argv[1], sys.argv[2]
    for f in (os.path.join(out_dir, "pmpc-recovery-cli.exe"),
              os.path.join(out_dir, "bcryptprimitives.dll"), sim_binary):
        if not os.path.isfile(f):
            fail(f"{f} does not exist (run `make windows`)")
    host = winhost.Host(native=False)
    work = host.work
    sim = None
    try:
        # The exe and the shim side by side: Windows loads a DLL from the exe's folder first.
        bin_dir = os.path.join(work, "bin")
        os.makedirs(bin_dir)
        for f in ("pmpc-recovery-cli.exe", "bcryptprimitives.dll"):
            shutil.copy(os.path.join(out_dir, f), bin_dir)
        exe = os.path.join(bin_dir, "pmpc-recovery-cli.exe")

        env = host.env

        # 1. Against a native tenant-sim, with the real keychain (Wine's Credential Manager).
        sim = subprocess.Popen([sim_binary, "serve", "--addr", "127.0.0.1:0", "--auto-sign-in", ADMIN],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = sim.stdout.readline()
        try:
            startup = json.loads(first)
        except json.JSONDecodeError:
            fail(f"tenant-sim did not print its Startup JSON: {first!r}")
        origin, tenant_id = startup["origin"], startup["tenantId"]
        data_dir = os.path.join(work, "data")
        os.makedirs(data_dir)
        win_data_dir = "Z:" + data_dir.replace("/", "\\")
        common = ["--authority-host", origin, "--graph-base-url", origin + "/v1.0",
                  "--data-dir", win_data_dir, "--json"]

        p, took = run_with_sign_in(env, exe, "run", "--no-browser", *common)
        out = last_json(p, "run against tenant-sim")
        check_values(out, f"run against tenant-sim ({took:.1f} s)", tenant_id)
        secret = out["clientSecret"]

        # 2. A new process reads the secret back from the Credential Manager.
        p, took = host.run(exe, "status", "--show-secret", *common)
        runs = last_json(p, "status --show-secret").get("runs") or []
        mine = [r for r in runs if r.get("clientSecret")]
        if not mine:
            fail(f"status --show-secret in a new process returned no secret: {json.dumps(runs)}")
        if mine[0]["clientSecret"] != secret:
            fail("status --show-secret read back a different secret than run stored")
        if mine[0].get("secretInKeychain") is False:
            fail("status says the secret is not in the keychain")
        say(f"status --show-secret, a new process ({took:.1f} s): the same secret, read from the keychain")

        for root, _, files in os.walk(data_dir):
            for name in files:
                with open(os.path.join(root, name), "rb") as fh:
                    if secret.encode() in fh.read():
                        fail(f"the secret is in {os.path.join(root, name)}: it must only be in the keychain")
        # Wine keeps the Credential Manager in the prefix's registry.
        p, _ = host.run("reg", "query", r"HKCU\Software\Wine\Credential Manager", "/s", check=False)
        if "pmpc-recovery" not in p.stdout:
            fail("no pmpc-recovery entry under HKCU\\Software\\Wine\\Credential Manager:\n" + p.stdout)
        say("the secret is held by Wine's Credential Manager (HKCU\\Software\\Wine\\Credential Manager), "
            "not in the data directory")

        # 3. Practice run (in-process practice tenant, in-memory vault).
        p, took = host.run(exe, "run", "--practice", "--json")
        check_values(last_json(p, "run --practice"), f"run --practice ({took:.1f} s)")
        say("OK")
    finally:
        if sim:
            sim.terminate()
            sim.wait(timeout=10)
        host.close()


if __name__ == "__main__":
    main()

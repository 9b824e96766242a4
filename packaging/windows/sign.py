#!/usr/bin/env python3
"""Authenticode signing with osslsigncode: the one signing step for the Windows programs, the
uninstaller and the installer, here and in the release workflow.

  sign.py FILE...                 sign each file in place (SHA-256, timestamped)
  sign.py --verify CA.pem FILE... verify each file's signature against that CA; exit 1 if any fails

The certificate comes from the environment the release workflow already names:
WINDOWS_CERTIFICATE (a .pfx in base64) and WINDOWS_CERTIFICATE_PASSWORD. The RFC 3161 timestamp
server is tauri.conf.json's bundle.windows.timestampUrl; PMPC_SIGN_TIMESTAMP_URL overrides it, and an
empty value signs without a timestamp (the offline test, whose throw-away certificate needs none).
The password reaches osslsigncode through a 0600 file, never its command line.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def die(msg):
    print(f"sign: {msg}", file=sys.stderr)
    sys.exit(1)


def sign(files):
    cert = os.environ.get("WINDOWS_CERTIFICATE")
    if not cert:
        die("WINDOWS_CERTIFICATE is not set")
    conf = json.loads((ROOT / "tauri.conf.json").read_text())
    timestamp = os.environ.get("PMPC_SIGN_TIMESTAMP_URL", conf["bundle"]["windows"]["timestampUrl"])
    with tempfile.TemporaryDirectory() as tmp:
        pfx, password = Path(tmp) / "cert.pfx", Path(tmp) / "password"
        pfx.write_bytes(base64.b64decode(cert))
        password.touch(mode=0o600)
        password.write_text(os.environ.get("WINDOWS_CERTIFICATE_PASSWORD", ""))
        for f in map(Path, files):
            signed = f.with_name(f.name + ".signed")
            cmd = ["osslsigncode", "sign", "-pkcs12", str(pfx), "-readpass", str(password), "-h", "sha256",
                   "-n", conf["productName"], "-i", conf["bundle"]["homepage"]]
            if timestamp:
                cmd += ["-ts", timestamp]
            cmd += ["-in", str(f), "-out", str(signed)]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                signed.unlink(missing_ok=True)
                die(f"signing {f} failed:\n{p.stdout}{p.stderr}")
            os.replace(signed, f)
            print(f"sign: signed {f.name}{'' if timestamp else ' (no timestamp)'}")


def verify(ca, files):
    bad = []
    for f in files:
        p = subprocess.run(["osslsigncode", "verify", "-CAfile", ca, "-in", f], capture_output=True, text=True)
        ok = p.returncode == 0 and "Signature verification: ok" in p.stdout
        print(f"sign: {Path(f).name}: {'signature verifies' if ok else 'signature does NOT verify'}")
        if not ok:
            bad.append(f)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--verify":
        verify(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        sign(sys.argv[1:])
    else:
        die(__doc__)

#!/usr/bin/env python3
"""A throw-away code-signing certificate for `make test`, so the real signing step (sign.py) runs
here exactly as in a release, offline.

  test-certificate.py DIR

Writes DIR/ca.pem (a test root CA, what verification trusts), DIR/certificate.b64 (a code-signing
certificate issued by it with its key, as a .pfx in base64: the form of the WINDOWS_CERTIFICATE
secret) and DIR/password (its password, WINDOWS_CERTIFICATE_PASSWORD). Nothing here is ever used
to sign what we ship.
"""

import base64
import secrets
import subprocess
import sys
from pathlib import Path


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    (out / "leaf.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", "ca.key", "-out", "ca.pem",
            "-subj", "/CN=PMPC Recovery Wizard test CA (make test only)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign", cwd=out)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
            "-subj", "/CN=PMPC Recovery Wizard test signer/O=PMPC Recovery Wizard contributors", cwd=out)
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "leaf.ext", "-out", "leaf.pem", cwd=out)
    openssl("pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.pem", "-certfile", "ca.pem",
            "-out", "leaf.pfx", "-passout", f"pass:{password}", cwd=out)
    (out / "certificate.b64").write_text(base64.b64encode((out / "leaf.pfx").read_bytes()).decode())
    (out / "password").write_text(password)
    for f in ("ca.key", "leaf.key", "leaf.csr", "leaf.ext", "leaf.pem", "leaf.pfx", "ca.srl"):
        (out / f).unlink(missing_ok=True)
    print(f"test-certificate: {out}/ca.pem and a code-signing certificate issued by it")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Microsoft's own client library, MSAL Python (PyPI `msal`), against the tenant-sim binary.

MSAL accepts only an https authority, so tenant-sim runs behind a small TLS front (a throw-away
self-signed certificate) that forwards every request with X-Forwarded-Proto/X-Forwarded-Host:
tenant-sim's one public origin must make discovery, tokens and device codes name the front with
no rewriting (issue 19). Checked, as MSAL sees them:

- the authorization code flow with PKCE (MSAL sends client_info=1 on /authorize and /token): the
  account's home_account_id is "{oid}.{tid}", built from Entra's `client_info`
  (MSAL's ClientInfo: "uid: user id, utid: tenant id",
  https://learn.microsoft.com/javascript/api/@azure/msal-common/clientinfo); without client_info
  MSAL falls back to the pairwise `sub` and keys the account wrongly;
- a silent refresh (refresh_token grant) for that account;
- the device code flow at a resource tenant's authority as a B2B guest: the token is for the
  guest object there, the account's home_account_id the guest's home ids;
- every endpoint MSAL discovered, and the device code's verification_uri, on the front.

Usage: msal_clients.py PATH/TO/tenant-sim   (needs requirements.txt beside it, and openssl;
`make msal-test` installs both, builds tenant-sim and runs this)
Exit status 0 when every check passes; an AssertionError names the first that did not.
"""

import http.client
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.parse

import msal
import requests

CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # Microsoft Graph Command Line Tools
SCOPES = [
    "https://graph.microsoft.com/Application.ReadWrite.All",
    "https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All",
]
GA = "grace.admin@contoso.onmicrosoft.com"
REDIRECT = "http://localhost:8400/callback"


def self_signed(tmp):
    cert, key = os.path.join(tmp, "front.pem"), os.path.join(tmp, "front.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


def start_front(backend, cert, key):
    """An HTTPS server on 127.0.0.1 forwarding to `backend` (host:port) with X-Forwarded-*."""

    class Forward(http.server.BaseHTTPRequestHandler):
        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["X-Forwarded-Proto"] = "https"
            headers["X-Forwarded-Host"] = self.headers.get("Host")
            conn = http.client.HTTPConnection(backend, timeout=30)
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = forward

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "https://127.0.0.1:%d" % server.server_address[1]


def admin(origin, method, path, body=None):
    r = requests.request(method, origin + "/_sim" + path, json=body, timeout=30)
    assert r.status_code < 300, "%s %s: %s %s" % (method, path, r.status_code, r.text)
    return r.json() if r.text else None


def app_at(front, tenant, session):
    return msal.PublicClientApplication(
        CLIENT_ID,
        authority="%s/%s" % (front, tenant),
        http_client=session,
        instance_discovery=False,
    )


def auth_code_flow(origin, front, session, tid, users):
    admin(origin, "PUT", "/settings", {"autoSignIn": GA})
    app = app_at(front, "organizations", session)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT)
    assert flow["auth_uri"].startswith(front + "/"), flow["auth_uri"]
    r = session.get(flow["auth_uri"], allow_redirects=False)
    assert r.status_code == 302, (r.status_code, r.text)
    location = r.headers["Location"]
    response = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
    assert "client_info" in response, "no client_info on the redirect: " + location
    result = app.acquire_token_by_auth_code_flow(flow, response)
    assert "access_token" in result, result
    assert "client_info" in result, "no client_info in the code grant's response"
    oid = users[GA]
    assert result["id_token_claims"]["oid"] == oid
    accounts = app.get_accounts()
    assert len(accounts) == 1, accounts
    assert accounts[0]["home_account_id"] == "%s.%s" % (oid, tid), accounts[0]
    assert accounts[0]["username"] == GA, accounts[0]
    silent = app.acquire_token_silent(SCOPES, account=accounts[0], force_refresh=True)
    assert silent and "access_token" in silent, silent
    assert silent["access_token"] != result["access_token"]
    assert [a["home_account_id"] for a in app.get_accounts()] == [accounts[0]["home_account_id"]]
    admin(origin, "PUT", "/settings", {"autoSignIn": None})
    return "authorization code + refresh: home_account_id %s" % accounts[0]["home_account_id"]


def guest_device_code_flow(origin, front, session, contoso):
    fabrikam = admin(origin, "POST", "/tenants",
                     {"displayName": "Fabrikam", "domain": "fabrikam.com"})["id"]
    alice = admin(origin, "POST", "/tenants/fabrikam.com/users",
                  {"userPrincipalName": "alice@fabrikam.com", "displayName": "Alice Smith"})["id"]
    admin(origin, "POST", "/tenants/%s/guests" % contoso,
          {"homeUserPrincipalName": "alice@fabrikam.com", "roles": []})
    admin(origin, "PUT", "/settings", {"deviceCodeInterval": "1s"})
    app = app_at(front, contoso, session)
    flow = app.initiate_device_flow(SCOPES)
    assert "user_code" in flow, flow
    assert flow["verification_uri"] == front + "/devicelogin", flow
    assert front + "/devicelogin" in flow["message"], flow["message"]
    admin(origin, "POST", "/device/approve",
          {"userCode": flow["user_code"], "userPrincipalName": "alice@fabrikam.com"})
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    claims = result["id_token_claims"]
    assert claims["tid"] == contoso, claims
    assert claims["oid"] != alice, "a token for the guest object in the resource tenant"
    accounts = app.get_accounts()
    assert len(accounts) == 1, accounts
    assert accounts[0]["home_account_id"] == "%s.%s" % (alice, fabrikam), accounts[0]
    return "guest device code: home_account_id %s, token tid %s" % (
        accounts[0]["home_account_id"], claims["tid"])


def discovery_on_the_front(front, session, tid):
    for tenant in ("organizations", tid):
        doc = session.get("%s/%s/v2.0/.well-known/openid-configuration" % (front, tenant)).json()
        for k in ("authorization_endpoint", "token_endpoint", "device_authorization_endpoint",
                  "jwks_uri", "end_session_endpoint", "issuer"):
            assert doc[k].startswith(front + "/"), (k, doc[k])
    return "discovery names only the front"


def main(binary):
    tmp = tempfile.mkdtemp()
    cert, key = self_signed(tmp)
    sim = subprocess.Popen([binary, "serve", "--addr", "127.0.0.1:0"],
                           stdout=subprocess.PIPE, text=True)
    try:
        startup = json.loads(sim.stdout.readline())
        origin = startup["origin"]
        tid = startup["tenantId"]
        users = {u["userPrincipalName"]: u["id"] for u in startup["users"]}
        server, front = start_front(urllib.parse.urlparse(origin).netloc, cert, key)
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE and proxies from the env win
        session.verify = cert
        for check in (
            lambda: discovery_on_the_front(front, session, tid),
            lambda: auth_code_flow(origin, front, session, tid, users),
            lambda: guest_device_code_flow(origin, front, session, tid),
        ):
            print("ok:", check())
        server.shutdown()
        print("MSAL Python %s agrees with tenant-sim" % msal.__version__)
    finally:
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

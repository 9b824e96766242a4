//! Corporate networks: the engine reaches Microsoft's real host names through a proxy taken
//! from the environment (HTTPS_PROXY / NO_PROXY), and trusts what the OS trusts.
//!
//! One test, in its own process (this file), because proxy and trust settings are process-wide
//! environment: `SSL_CERT_FILE` is the system trust store as rustls-platform-verifier reads it
//! on Linux (through rustls-native-certs), an environment the test controls.
//!
//! Behind the proxy, a TLS front presents certificates for login.microsoftonline.com and
//! graph.microsoft.com and forwards to tenant-sim, which claims Microsoft's issuer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair};
use recovery::{Cloud, Code, Config, MemoryVault, NoBrowser, Recovery, RunChoice, SignInMethod};
use tenant_sim::Scenario;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

const HOSTS: [&str; 2] = ["login.microsoftonline.com", "graph.microsoft.com"];

/// A certificate authority and a server certificate it signed for Microsoft's hosts.
struct Authority {
    ca_pem: String,
    acceptor: tokio_rustls::TlsAcceptor,
}

fn authority(name: &str) -> Authority {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    ca.distinguished_name = dn;
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(HOSTS.map(String::from).to_vec())
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    Authority {
        ca_pem: ca.pem(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    }
}

/// Terminates TLS with `tls` and forwards the plain HTTP inside to `upstream`.
async fn serve_tls(client: TcpStream, tls: tokio_rustls::TlsAcceptor, upstream: SocketAddr) {
    let Ok(mut inner) = tls.accept(client).await else {
        return; // the client refused our certificate
    };
    if let Ok(mut up) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut inner, &mut up).await;
    }
}

/// What the proxy does with a CONNECT.
#[derive(Clone)]
enum Mode {
    /// A plain proxy: a byte tunnel to the destination (here, the TLS front for Microsoft).
    Tunnel(SocketAddr),
    /// A TLS-inspecting gateway: it answers the TLS itself, with its own CA.
    Intercept(tokio_rustls::TlsAcceptor, SocketAddr),
}

/// A CONNECT proxy on loopback; counts the tunnels it opened and the hosts asked for.
async fn proxy(
    mode: Mode,
) -> (
    SocketAddr,
    Arc<AtomicUsize>,
    Arc<std::sync::Mutex<Vec<String>>>,
) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let hosts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (t, h) = (tunnels.clone(), hosts.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                continue;
            };
            let (mode, t, h) = (mode.clone(), t.clone(), h.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    if s.read(&mut b).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(b[0]);
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                let mut parts = line.split(' ');
                if parts.next() != Some("CONNECT") {
                    let _ = s
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                }
                h.lock()
                    .unwrap()
                    .push(parts.next().unwrap_or("").to_string());
                t.fetch_add(1, Ordering::SeqCst);
                let _ = s
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await;
                match mode {
                    Mode::Tunnel(to) => {
                        if let Ok(mut up) = TcpStream::connect(to).await {
                            let _ = tokio::io::copy_bidirectional(&mut s, &mut up).await;
                        }
                    }
                    Mode::Intercept(tls, upstream) => serve_tls(s, tls, upstream).await,
                }
            });
        }
    });
    (addr, tunnels, hosts)
}

/// The TLS front for "Microsoft": a real TLS server for HOSTS in front of tenant-sim.
async fn tls_front(tls: tokio_rustls::TlsAcceptor, upstream: SocketAddr) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(serve_tls(s, tls.clone(), upstream));
        }
    });
    addr
}

/// The engine at Microsoft's own endpoints, reached only through the proxy; with its data folder.
fn microsoft_recovery() -> (tempfile::TempDir, Recovery) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::new(Cloud::Global, dir.path());
    c.retry = test_policy();
    c.request_timeout = std::time::Duration::from_secs(5);
    c.sign_in_timeout = std::time::Duration::from_secs(10);
    c.verify_budget = std::time::Duration::from_secs(20);
    let r = Recovery::new(c, Arc::new(MemoryVault::new()), None).unwrap();
    (dir, r)
}

fn trust_only(pem: &str, dir: &std::path::Path) {
    let file = dir.join("ca-bundle.pem");
    std::fs::write(&file, pem).unwrap();
    // SAFETY of the environment: this file's single test is the only thread that reads it.
    std::env::set_var("SSL_CERT_FILE", &file);
    std::env::remove_var("SSL_CERT_DIR");
}

#[tokio::test]
async fn through_a_proxy_and_a_tls_inspecting_gateway_and_refused_when_its_ca_is_not_trusted() {
    let sim = sim_as(
        GA,
        Scenario {
            issuer_host: Some("https://login.microsoftonline.com".into()),
            ..quick_scenario()
        },
    )
    .await;
    let sim_addr: SocketAddr = sim.origin().trim_start_matches("http://").parse().unwrap();
    let microsoft = authority("Test Public Root CA");
    let corporate = authority("Contoso TLS Inspection CA");
    let front = tls_front(microsoft.acceptor.clone(), sim_addr).await;
    let trust = tempfile::tempdir().unwrap();
    // Loopback (the sign-in's redirect) never goes through the proxy.
    std::env::set_var("NO_PROXY", "localhost,127.0.0.1,::1");

    // 1. A plain CONNECT proxy: the whole run goes through it.
    let (addr, tunnels, hosts) = proxy(Mode::Tunnel(front)).await;
    std::env::set_var("HTTPS_PROXY", format!("http://{addr}"));
    trust_only(&microsoft.ca_pem, trust.path());
    let (_dir, r) = microsoft_recovery();
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    let creds = r
        .run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert!(creds.verified);
    assert_exactly_one_of_each(&sim);
    assert!(tunnels.load(Ordering::SeqCst) >= 2);
    let seen = hosts.lock().unwrap().clone();
    for host in HOSTS {
        assert!(
            seen.contains(&format!("{host}:443")),
            "{host} went through the proxy: {seen:?}"
        );
    }

    // 2. A TLS-inspecting gateway whose CA the system trusts: it works.
    let (addr, tunnels, _) = proxy(Mode::Intercept(corporate.acceptor.clone(), sim_addr)).await;
    std::env::set_var("HTTPS_PROXY", format!("http://{addr}"));
    trust_only(&corporate.ca_pem, trust.path());
    let (_dir, r) = microsoft_recovery();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    assert_eq!(pre.tenant.tenant_id, sim.startup().tenant_id);
    assert_eq!(session.tenant_id(), sim.startup().tenant_id);
    assert!(tunnels.load(Ordering::SeqCst) >= 2);

    // 3. The same gateway when its CA is not trusted: a clear error, told apart from an outage.
    trust_only(&microsoft.ca_pem, trust.path());
    let (_dir, r) = microsoft_recovery();
    let err = r
        .sign_in(SignInMethod::DeviceCode, &NoBrowser, false, &rec.sink())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::CertificateNotTrusted, "{err}");
    assert!(
        err.to_string()
            .contains("your network's certificate is not trusted"),
        "{err}"
    );
    assert!(err.info().remedy.contains("IT department"));
    sim.shutdown().await;
}

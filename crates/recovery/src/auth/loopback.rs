//! The one-shot listener on 127.0.0.1 (and ::1) that receives the authorization response.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::{Error, Result};
use crate::secret::Secret;

const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=utf-8><title>PMPC Recovery</title></head><body style=\"font-family:sans-serif;font-size:1.4em;margin:3em\"><h1>You are signed in</h1><p>You can close this tab and go back to PMPC Recovery.</p></body></html>";
const FAILED_PAGE: &str = "<!doctype html><html><head><meta charset=utf-8><title>PMPC Recovery</title></head><body style=\"font-family:sans-serif;font-size:1.4em;margin:3em\"><h1>Sign-in did not finish</h1><p>Go back to PMPC Recovery: it tells you what to do next. You can close this tab.</p></body></html>";
const STRAY_PAGE: &str = "<!doctype html><html><head><meta charset=utf-8><title>PMPC Recovery</title></head><body style=\"font-family:sans-serif;font-size:1.4em;margin:3em\"><h1>This page is not part of the current sign-in</h1><p>Go back to PMPC Recovery and start the sign-in from there.</p></body></html>";

/// What came back to the loopback listener.
#[derive(Debug)]
pub(crate) enum Callback {
    Code(Secret),
    Error { error: String, description: String },
}

/// A one-shot listener on 127.0.0.1 for the authorization response.
#[derive(Debug)]
pub struct Loopback {
    listener: TcpListener,
    /// The same port on ::1, when available: the redirect names `localhost`, which some systems
    /// resolve to the IPv6 loopback first.
    listener6: Option<TcpListener>,
    port: u16,
}

impl Loopback {
    pub async fn bind() -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::Internal(format!("loopback listener: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Internal(e.to_string()))?
            .port();
        let listener6 = TcpListener::bind(("::1", port)).await.ok();
        Ok(Self {
            listener,
            listener6,
            port,
        })
    }

    async fn accept(&self) -> std::io::Result<tokio::net::TcpStream> {
        match &self.listener6 {
            Some(l6) => tokio::select! {
                r = self.listener.accept() => r.map(|(s, _)| s),
                r = l6.accept() => r.map(|(s, _)| s),
            },
            None => self.listener.accept().await.map(|(s, _)| s),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Entra ID matches a registered `http://localhost` redirect with any port (RFC 8252 7.3;
    /// <https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions>).
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    /// Waits for the callback carrying `state`. Anything else (a wrong state, a favicon request,
    /// a stray visit) gets an error page and is ignored.
    pub(crate) async fn wait(self, state: String, timeout: Duration) -> Result<Callback> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Callback>(1);
        let state = Arc::new(state);
        let accept = async {
            loop {
                let mut stream = match self.accept().await {
                    Ok(stream) => stream,
                    Err(e) => {
                        // An accept that keeps failing (a descriptor limit, a platform quirk)
                        // must not spin: it would starve this task's other branches, the
                        // callback and the timeout.
                        tracing::debug!(error = %e, "the loopback listener could not accept");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let tx = tx.clone();
                let state = state.clone();
                tokio::spawn(async move {
                    let Ok(Ok(target)) = tokio::time::timeout(
                        Duration::from_secs(10),
                        read_request_target(&mut stream),
                    )
                    .await
                    else {
                        return;
                    };
                    let (status, page, result) = judge_callback(&target, &state);
                    let resp = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
                        page.len()
                    );
                    let _ = stream.write_all(resp.as_bytes()).await;
                    let _ = stream.shutdown().await;
                    if let Some(r) = result {
                        let _ = tx.send(r).await;
                    }
                });
            }
        };
        tokio::select! {
            r = rx.recv() => r.ok_or(Error::SignInTimedOut),
            _ = accept => Err(Error::SignInTimedOut),
            _ = tokio::time::sleep(timeout) => Err(Error::SignInTimedOut),
        }
    }
}

async fn read_request_target(stream: &mut tokio::net::TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Ok(target.to_string()),
        _ => Ok(String::new()),
    }
}

/// Decides what a request to the loopback listener is: (status line, page, result).
fn judge_callback(target: &str, state: &str) -> (&'static str, &'static str, Option<Callback>) {
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
        return ("400 Bad Request", STRAY_PAGE, None);
    };
    if url.path() != "/" {
        return ("404 Not Found", STRAY_PAGE, None);
    }
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    if q.get("state").map(String::as_str) != Some(state) {
        return ("400 Bad Request", STRAY_PAGE, None);
    }
    if let Some(code) = q.get("code") {
        return (
            "200 OK",
            DONE_PAGE,
            Some(Callback::Code(Secret::new(code.clone()))),
        );
    }
    let error = q.get("error").cloned().unwrap_or_else(|| "no_code".into());
    let description = q.get("error_description").cloned().unwrap_or_default();
    (
        "200 OK",
        FAILED_PAGE,
        Some(Callback::Error { error, description }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_judges_callbacks() {
        let (s, _, r) = judge_callback("/?code=abc&state=good", "good");
        assert_eq!(s, "200 OK");
        assert!(matches!(r, Some(Callback::Code(c)) if c.expose() == "abc"));
        let (s, page, r) = judge_callback("/?code=abc&state=evil", "good");
        assert_eq!(s, "400 Bad Request");
        assert_eq!(page, STRAY_PAGE);
        assert!(r.is_none());
        assert!(judge_callback("/favicon.ico", "good").2.is_none());
        let (_, _, r) = judge_callback(
            "/?error=access_denied&error_description=AADSTS65004&state=good",
            "good",
        );
        assert!(matches!(r, Some(Callback::Error { error, .. }) if error == "access_denied"));
    }

    #[tokio::test]
    async fn loopback_ignores_a_wrong_state_then_takes_the_real_callback() {
        let lb = Loopback::bind().await.unwrap();
        let port = lb.port();
        let wait = tokio::spawn(lb.wait("s1".into(), Duration::from_secs(5)));
        crate::http::install_tls_provider();
        let client = reqwest::Client::new();
        let stray = client
            .get(format!("http://127.0.0.1:{port}/?code=x&state=WRONG"))
            .send()
            .await
            .unwrap();
        assert_eq!(stray.status(), 400);
        assert!(stray
            .text()
            .await
            .unwrap()
            .contains("not part of the current sign-in"));
        let ok = client
            .get(format!("http://127.0.0.1:{port}/?code=real&state=s1"))
            .send()
            .await
            .unwrap();
        assert!(ok.text().await.unwrap().contains("You can close this tab"));
        match wait.await.unwrap().unwrap() {
            Callback::Code(c) => assert_eq!(c.expose(), "real"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn loopback_answers_on_ipv6_localhost_too() {
        let lb = Loopback::bind().await.unwrap();
        if lb.listener6.is_none() {
            // No IPv6 loopback on this machine: nothing more to check.
            return;
        }
        let port = lb.port();
        let wait = tokio::spawn(lb.wait("s6".into(), Duration::from_secs(5)));
        crate::http::install_tls_provider();
        let page = reqwest::get(format!("http://[::1]:{port}/?code=c6&state=s6"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("You can close this tab"));
        assert!(matches!(wait.await.unwrap().unwrap(), Callback::Code(c) if c.expose() == "c6"));
    }

    #[tokio::test]
    async fn loopback_times_out_cleanly() {
        let lb = Loopback::bind().await.unwrap();
        let err = lb
            .wait("s".into(), Duration::from_millis(50))
            .await
            .unwrap_err();
        assert_eq!(err.code(), crate::Code::SignInTimedOut);
    }
}

//! How the sign-in page reaches the user: the system browser, nothing (the URL is shown), or a
//! scripted HTTP "browser" for tenant-sim's automatic sign-in.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::error::{Error, Result};

/// How the user's browser is reached.
pub trait Browser: Send + Sync + std::fmt::Debug {
    fn open(&self, url: &str) -> BoxFuture<'static, Result<()>>;
}

/// Opens the system browser through the OS's own handler (the `open` crate: ShellExecuteW on
/// Windows, Launch Services on macOS, xdg-open and friends elsewhere), without waiting for the
/// browser: on Linux `xdg-open` can stay in the foreground until the browser exits.
#[derive(Debug, Default, Clone)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> BoxFuture<'static, Result<()>> {
        let url = url.to_string();
        Box::pin(async move {
            open::that_detached(&url).map_err(|e| {
                Error::InvalidInput(format!(
                    "could not open a browser ({e}); open the sign-in link shown instead"
                ))
            })
        })
    }
}

/// Does not open anything: the URL reaches the user through the `SignInUrl` event (the CLI's
/// `--no-browser` prints it), and the loopback listener still waits.
#[derive(Debug, Default, Clone)]
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn open(&self, _url: &str) -> BoxFuture<'static, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// Plays the browser over plain HTTP, following redirects: for tenant-sim's automatic sign-in
/// (practice mode, tests).
#[derive(Debug, Clone)]
pub struct HttpBrowser {
    client: reqwest::Client,
}

impl HttpBrowser {
    pub fn new() -> Result<Self> {
        crate::http::install_tls_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(Self { client })
    }
}

impl Browser for HttpBrowser {
    fn open(&self, url: &str) -> BoxFuture<'static, Result<()>> {
        let client = self.client.clone();
        let mut url = url.to_string();
        Box::pin(async move {
            // Like a user, reload a sign-in page that failed (an error page, a dropped
            // connection); once redirected, the loopback listener has the answer.
            let mut redirected = false;
            let mut reloads = 0u64;
            for _ in 0..12 {
                let location = match client.get(&url).send().await {
                    Ok(r) if r.status().is_redirection() => r
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                    Ok(_) | Err(_) => None,
                };
                match location {
                    Some(loc) => {
                        url = loc.replace("://localhost:", "://127.0.0.1:");
                        redirected = true;
                    }
                    None if redirected || reloads >= 5 => return Ok(()),
                    None => {
                        reloads += 1;
                        tokio::time::sleep(Duration::from_millis(200 * reloads)).await;
                    }
                }
            }
            Ok(())
        })
    }
}

//! Sign-in answers that need their own words (issue 19): Microsoft refusing a sign-in after the
//! user signed in is never "you cancelled", each refusal says what to do for the way the user
//! signed in, and a refusal shown only on Microsoft's page (never coming back) ends in words that
//! say so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use recovery::{Code, HttpBrowser, MemoryVault, Recovery, SignInMethod};
use tenant_sim::{Scenario, SignInRefusal};

async fn browser_sign_in(sim: &tenant_sim::RunningSim, timeout: Duration) -> recovery::Error {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(sim, dir.path());
    c.sign_in_timeout = timeout;
    let r = Recovery::new(c, Arc::new(MemoryVault::new()), None).unwrap();
    let rec = Recorder::default();
    let err = r
        .sign_in(
            SignInMethod::Browser,
            &HttpBrowser::new().unwrap(),
            false,
            &rec.sink(),
        )
        .await
        .unwrap_err();
    assert!(
        rec.events().iter().any(|e| matches!(
            e,
            recovery::Event::Failed { error, .. } if error.code == err.code()
        )),
        "the sign-in step failed with the same words"
    );
    err
}

#[tokio::test]
async fn a_refused_browser_sign_in_is_not_a_cancel_and_says_what_to_do() {
    for (code, expected, must, must_not) in [
        (
            53003,
            Code::ConditionalAccessBlocked,
            "from a computer and network your organization allows",
            "browser sign-in instead",
        ),
        (
            90093,
            Code::ConsentBlockedByPolicy,
            "Run the wizard as a Global Administrator",
            "cancelled",
        ),
        (
            90094,
            Code::AdminConsentRequired,
            "Ask a Global Administrator to run the wizard",
            "cancelled",
        ),
    ] {
        let sim = sim_as(
            "",
            Scenario {
                sign_in_refusal: Some(SignInRefusal::Redirect(code)),
                ..quick_scenario()
            },
        )
        .await;
        let err = browser_sign_in(&sim, Duration::from_secs(10)).await;
        assert_eq!(err.code(), expected, "AADSTS{code}: {err}");
        let info = err.info();
        assert!(info.remedy.contains(must), "{code}: {}", info.remedy);
        assert!(!info.remedy.contains(must_not), "{code}: {}", info.remedy);
        assert!(
            info.message.contains(&format!("AADSTS{code}")),
            "{}",
            info.message
        );
        if code != 53003 {
            // 90093 and 90094 both offer the three ways out.
            assert!(info
                .remedy
                .contains("grant consent to Microsoft Graph Command Line Tools"));
            assert!(info.remedy.contains("own sign-in app"));
        }
        sim.shutdown().await;
    }
}

/// Conditional Access refusing the device code flow still says "use the browser sign-in".
#[tokio::test]
async fn conditional_access_on_a_device_code_says_use_the_browser() {
    assert!(Code::DeviceCodeBlocked
        .remedy()
        .contains("Use the browser sign-in instead"));
    assert!(!Code::ConditionalAccessBlocked
        .remedy()
        .contains("browser sign-in instead"));
}

/// Microsoft's page shows AADSTS53003 and never comes back to the wizard: the sign-in ends when
/// its time is up (in the app, at once with Cancel) with words that name that case.
#[tokio::test]
async fn an_error_only_on_microsofts_page_ends_with_words_for_it() {
    let sim = sim_as(
        "",
        Scenario {
            sign_in_refusal: Some(SignInRefusal::ErrorPage(53003)),
            ..quick_scenario()
        },
    )
    .await;
    let err = browser_sign_in(&sim, Duration::from_secs(2)).await;
    assert_eq!(err.code(), Code::SignInTimedOut, "{err}");
    assert!(err
        .info()
        .remedy
        .contains("Microsoft's page showed an error and never came back to the wizard"));
    sim.shutdown().await;
}

/// Roles: no remedy sends an account to the role it has; the words name the role.
#[tokio::test]
async fn remedies_do_not_send_an_account_to_its_own_role() {
    assert!(!Code::InsufficientPrivileges
        .remedy()
        .contains("Privileged Role Administrator"));
    let sim = sim_as(PRA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let r = recovery(&sim, dir.path(), &MemoryVault::new());
    let (_, pre) = sign_in_and_precheck(&r, &Recorder::default().sink()).await;
    assert!(
        !pre.roles.explanation.contains("every step"),
        "{}",
        pre.roles.explanation
    );
    assert!(pre
        .roles
        .explanation
        .contains("(Privileged Role Administrator)"));
    sim.shutdown().await;
}

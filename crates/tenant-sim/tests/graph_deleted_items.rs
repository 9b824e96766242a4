//! Microsoft Graph v1.0: deleting, restoring and permanently deleting apps and service
//! principals, and revoking app role assignments.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn restore_and_revoke() {
    let sim = sim().await;
    let token = token_for(&sim, GA).await;
    let graph_sp = graph_sp_id(&sim, &token).await;
    let (app, sp) = create_app_and_sp(&sim, &token).await;
    let g = grant(&sim, &token, &graph_sp, sp["id"].as_str().unwrap()).await;
    let id = app["id"].as_str().unwrap();
    graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/applications/{id}"),
        None,
    )
    .await;
    assert!(sim.snapshot().app_role_assignments.is_empty());
    let r = graph(
        &sim,
        &token,
        Method::POST,
        &format!("/directory/deletedItems/{id}/restore"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["@odata.type"], "#microsoft.graph.application");
    let snap = sim.snapshot();
    assert_eq!(
        (
            snap.applications.len(),
            snap.service_principals.len(),
            snap.app_role_assignments.len()
        ),
        (1, 2, 1),
        "app, its SP and its grant come back"
    );
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!(
            "/servicePrincipals/{graph_sp}/appRoleAssignedTo/{}",
            g.body["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(sim.snapshot().app_role_assignments.is_empty());
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/servicePrincipals/{graph_sp}/appRoleAssignedTo/nope"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/servicePrincipals/{}", sp["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = graph(
        &sim,
        &token,
        Method::GET,
        &format!("/servicePrincipals/{}", sp["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/servicePrincipals/{graph_sp}"),
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "Microsoft Graph's SP stays"
    );
    // Application Administrator may purge; a plain user may not purge another's app.
    graph(
        &sim,
        &token,
        Method::DELETE,
        &format!("/applications/{id}"),
        None,
    )
    .await;
    let user = token_for(&sim, USER).await;
    assert_eq!(
        graph(
            &sim,
            &user,
            Method::DELETE,
            &format!("/directory/deletedItems/{id}"),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let aa = token_for(&sim, APP_ADMIN).await;
    assert_eq!(
        graph(
            &sim,
            &aa,
            Method::DELETE,
            &format!("/directory/deletedItems/{id}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
}

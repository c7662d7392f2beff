//! Users over HTTP: a user who is not a super admin signs in to a page saying
//! so; a one-time password must be changed before anything else; the users
//! screen's changes reach the other user's next request at once.

use super::{PASSWORD, Site, app_error, text};
use app::error::AppError;
use axum::http::StatusCode;
use axum::http::header::{LOCATION, SET_COOKIE};

/// Signs `name` in with `password`; the session cookie and where the server
/// sends them.
async fn sign_in_as(site: &Site, name: &str, password: &str) -> (String, String) {
    let response = site
        .post_plain_form(
            "login",
            &format!("username={name}&password={}", password.replace(' ', "+")),
            "http://localhost/login",
        )
        .await;
    assert!(
        response.status().is_redirection(),
        "{:?}",
        response.status()
    );
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let to = response.headers()[LOCATION].to_str().unwrap().to_owned();
    (cookie, to)
}

fn location(response: &axum::response::Response) -> &str {
    response.headers()[LOCATION].to_str().unwrap()
}

#[tokio::test]
async fn a_user_who_is_not_a_super_admin_sees_only_that_they_have_no_access() {
    let site = Site::new();
    let (clerk, to) = sign_in_as(&site, "clerk", PASSWORD).await;
    assert_eq!(to, "/no-access");
    let dashboard = site.get("/", Some(&clerk)).await;
    assert_eq!(location(&dashboard), "/no-access");
    let page = text(site.get("/no-access", Some(&clerk)).await).await;
    assert!(page.contains(r#"data-testid="no-access""#), "{page}");
    assert!(page.contains("clerk"), "{page}");
    let call = site.call("dashboard", "", Some(&clerk)).await;
    assert_eq!(app_error(call).await, AppError::NotSuperAdmin);
    assert_eq!(
        site.call("account", "", Some(&clerk)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_one_time_password_is_changed_first_then_the_screens_open() {
    let site = Site::new();
    let admin = site.sign_in().await;
    let added = site
        .call(
            "add-user",
            "username=sara&password=first+time+pass&superuser=on",
            Some(&admin),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);

    let (sara, to) = sign_in_as(&site, "sara", "first time pass").await;
    assert_eq!(to, "/account");
    assert_eq!(location(&site.get("/runs", Some(&sara)).await), "/account");
    let call = site.call("dashboard", "", Some(&sara)).await;
    assert_eq!(app_error(call).await, AppError::MustChangePassword);
    let page = text(site.get("/account", Some(&sara)).await).await;
    assert!(page.contains("one-time password"), "{page}");
    // The page's own call, as the wasm makes it.
    let me = site.call("account", "", Some(&sara)).await;
    assert_eq!(me.status(), StatusCode::OK);

    let differ = site
        .call(
            "change-password",
            "current=first+time+pass&password=my+own+password&repeat=my+own+passw0rd",
            Some(&sara),
        )
        .await;
    assert_eq!(app_error(differ).await, AppError::PasswordsDiffer);
    let changed = site
        .call(
            "change-password",
            "current=first+time+pass&password=my+own+password&repeat=my+own+password",
            Some(&sara),
        )
        .await;
    assert!(changed.status().is_success(), "{:?}", changed.status());
    assert_eq!(
        site.get("/runs", Some(&sara)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_disabled_users_next_request_is_refused_and_the_last_super_admin_stays() {
    let site = Site::new();
    let admin = site.sign_in().await;
    let _ = site
        .call(
            "set-user-role",
            "username=clerk&superuser=true",
            Some(&admin),
        )
        .await;
    let (clerk, _) = sign_in_as(&site, "clerk", PASSWORD).await;
    assert_eq!(
        site.get("/runs", Some(&clerk)).await.status(),
        StatusCode::OK
    );

    let disabled = site
        .post_plain_form_as(
            "set-user-active",
            "username=clerk&active=false",
            "http://localhost/users",
            Some(&admin),
        )
        .await;
    assert_eq!(location(&disabled), "/users?done=disabled");
    let refused = site.call("dashboard", "", Some(&clerk)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // Own account: refused, with the reason in words on the page's call.
    let own = site
        .call(
            "set-user-active",
            "username=admin&active=false",
            Some(&admin),
        )
        .await;
    assert_eq!(
        app_error(own).await,
        AppError::Refused(model::Refusal::OwnAccount)
    );
    let page = text(site.get("/users", Some(&admin)).await).await;
    assert!(page.contains(r#"data-user="clerk""#), "{page}");
    assert!(page.contains(r#"data-active="false""#), "{page}");

    let log = text(site.get("/activity?what=user", Some(&admin)).await).await;
    assert!(log.contains(r#"data-action="user.disable""#), "{log}");
    let signins = text(site.get("/activity?what=sign_in", Some(&admin)).await).await;
    assert!(signins.contains(r#"data-action="sign_in""#), "{signins}");
}

#[tokio::test]
async fn failed_sign_ins_are_logged_folded_per_account_per_minute() {
    let site = Site::new();
    for _ in 0..3 {
        let response = site
            .call("login", "username=ghost&password=wrong+guess", None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let failed = site
        .engine
        .activity(
            &engine::ActivityFilter {
                action: Some("sign_in.failed".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap()
        .entries;
    // Unless the minute turned between them, one entry for the three.
    assert!((1..=2).contains(&failed.len()), "{failed:?}");
    assert_eq!(failed[0].outcome, engine::ActivityOutcome::Refused);
    assert_eq!(failed[0].subject, "ghost");
}

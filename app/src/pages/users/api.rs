//! The users screen's server functions: the list, and each change to an
//! account. They make the same engine calls as `reelsync user …`, so the rules
//! (the last active super admin, one's own account) are the same.

use leptos::prelude::*;
use model::{OpenSession, UserAccount};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::Moment;

/// Every account, and who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersView {
    /// The signed-in super admin's name: their own row can't be disabled or
    /// demoted from here.
    pub me: String,
    pub users: Vec<UserRow>,
}

/// One account with its times in the mill's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub account: UserAccount,
    pub last_sign_in: Option<Moment>,
    /// Each open session, with when it was last used.
    pub sessions: Vec<(OpenSession, Moment)>,
}

/// Every account, by name. Reads only. Requires a super admin session.
#[server(endpoint = "users")]
pub async fn list_users() -> Result<UsersView, AppError> {
    use crate::ssr::{AdminUser, moment};

    let admin = AdminUser::check().await?;
    admin
        .work(|engine, user| {
            let zone = engine::WarehouseZone::of(&engine.settings()?)?;
            let users = engine
                .users()?
                .into_iter()
                .map(|account| UserRow {
                    last_sign_in: account.last_sign_in.as_ref().map(|s| moment(zone, s.at)),
                    sessions: account
                        .sessions
                        .iter()
                        .map(|s| (s.clone(), moment(zone, s.last_seen_at)))
                        .collect(),
                    account,
                })
                .collect();
            Ok(UsersView {
                me: user.username.clone(),
                users,
            })
        })
        .await
}

/// Adds a user with a one-time password, which they must change at their
/// first sign-in. A plain form lands on the list. Requires a super admin
/// session.
#[server(endpoint = "add-user")]
pub async fn add_user(
    username: String,
    password: String,
    superuser: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let by = admin.actor();
    let new = model::NewUser {
        username,
        password,
        is_superuser: superuser.is_some(),
        one_time: true,
    };
    admin
        .work(move |engine, _| engine.add_user(&new, &by))
        .await?;
    super::done("added");
    Ok(())
}

/// Disables (`active` false: their sessions end at once) or enables a user.
/// Requires a super admin session.
#[server(endpoint = "set-user-active")]
pub async fn set_user_active(username: String, active: bool) -> Result<(), AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let by = admin.actor();
    admin
        .work(move |engine, _| engine.set_user_active(&username, active, &by))
        .await?;
    super::done(if active { "enabled" } else { "disabled" });
    Ok(())
}

/// Gives a user the super admin role or takes it away. Requires a super
/// admin session.
#[server(endpoint = "set-user-role")]
pub async fn set_user_role(username: String, superuser: bool) -> Result<(), AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let by = admin.actor();
    admin
        .work(move |engine, _| engine.set_user_role(&username, superuser, &by))
        .await?;
    super::done("role");
    Ok(())
}

/// Gives a user a new one-time password; their sessions end. Requires a
/// super admin session.
#[server(endpoint = "reset-password")]
pub async fn reset_password(username: String, password: String) -> Result<(), AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let by = admin.actor();
    admin
        .work(move |engine, _| engine.reset_password(&username, &password, &by))
        .await?;
    super::done("reset");
    Ok(())
}

/// Ends one of a user's sessions. Requires a super admin session.
#[server(endpoint = "end-session")]
pub async fn end_session(username: String, session: i64) -> Result<(), AppError> {
    use crate::ssr::AdminUser;

    let admin = AdminUser::check().await?;
    let by = admin.actor();
    admin
        .work(move |engine, _| engine.end_user_session(&username, session, &by))
        .await?;
    super::done("ended");
    Ok(())
}

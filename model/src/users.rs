//! User accounts as the admin's users screen lists them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user account, with its last sign-in and the sessions open now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccount {
    pub id: i64,
    pub username: String,
    pub is_superuser: bool,
    /// A disabled account can't sign in; it is kept for the names in the logs.
    pub active: bool,
    /// Holds a one-time password not yet changed.
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    /// When and from which address the user last signed in.
    pub last_sign_in: Option<SignIn>,
    /// The sessions not ended nor expired, newest first.
    pub sessions: Vec<OpenSession>,
}

/// A sign-in: when, and from which client address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub at: DateTime<Utc>,
    pub from: Option<String>,
}

/// A session open now. Its id is not its token: knowing it lets a super admin
/// end it, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSession {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The client's address and browser when it began.
    pub client: Option<String>,
    pub agent: Option<String>,
}

/// A user to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub is_superuser: bool,
    /// The password is for the first sign-in only: the user must change it then.
    pub one_time: bool,
}

impl NewUser {
    /// A user whose password is theirs to keep.
    pub fn new(username: &str, password: &str, is_superuser: bool) -> Self {
        Self {
            username: username.to_owned(),
            password: password.to_owned(),
            is_superuser,
            one_time: false,
        }
    }
}

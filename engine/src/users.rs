//! Users (argon2id password hashes) and login sessions.

use std::sync::{LazyLock, Mutex, PoisonError};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::TryRngCore;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store;
use crate::{Actor, Client, Engine, Refusal};

/// How long a login lasts.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);

/// The shortest password a user may have.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The shortest password a super admin may have: the account that can change
/// everything gets the length ASVS 2.1.1 asks for.
pub const MIN_SUPERUSER_PASSWORD_CHARS: usize = 12;

/// Refuses a user name that is blank, over 150 bytes, or holds a character a
/// reader can't see or tell apart: a control character (a line break would
/// forge log lines), a bidirectional control (it reorders what is shown:
/// `admin\u{202e}nimda`) or an invisible one (zero-width space and joiners, soft
/// hyphen, word joiner, byte-order mark, Hangul fillers), so two accounts can't
/// look the same in a list or a log.
pub fn check_user_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 150 {
        return Err(Refusal::UserNameLength { max: 150 }.into());
    }
    if let Some(c) = name.chars().find(|c| is_hidden_char(*c)) {
        return Err(Refusal::UserNameHidden {
            code_point: u32::from(c),
        }
        .into());
    }
    Ok(())
}

/// A character that is not shown as itself: controls, bidirectional controls and
/// the invisible ones.
fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

pub use model::{NewUser, OpenSession, SignIn, User, UserAccount};

/// The user columns a [`User`] is read from, in [`user_from`]'s order.
const USER_COLUMNS: &str = "u.id, u.username, u.is_superuser, u.must_change_password";

fn user_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        is_superuser: row.get(2)?,
        must_change_password: row.get(3)?,
    })
}

/// The shortest password the role allows.
fn check_password(password: &str, superuser: bool) -> Result<()> {
    let min = if superuser {
        MIN_SUPERUSER_PASSWORD_CHARS
    } else {
        MIN_PASSWORD_CHARS
    };
    if password.chars().count() < min {
        return Err(Refusal::PasswordTooShort { min }.into());
    }
    Ok(())
}

impl Engine {
    /// Adds a user; refuses a taken name, a blank name, a name with a character
    /// that can't be seen or typed (see [`check_user_name`]) or a short password
    /// ([`MIN_PASSWORD_CHARS`], [`MIN_SUPERUSER_PASSWORD_CHARS`] for a super
    /// admin). Logged as `by`.
    pub fn add_user(&self, new: &NewUser, by: &Actor) -> Result<i64> {
        let username = new.username.trim();
        check_user_name(username)?;
        check_password(&new.password, new.is_superuser)?;
        let hash = hash_password(&new.password)?;
        let mut store = self.store()?;
        let err = store.err_fn();
        let tx = store.conn.transaction().map_err(&err)?;
        let inserted = tx
            .execute(
                "INSERT INTO users (username, password_hash, is_superuser, must_change_password, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (username) DO NOTHING",
                params![username, hash, new.is_superuser, new.one_time, Utc::now()],
            )
            .map_err(&err)?;
        if inserted == 0 {
            return Err(Refusal::UserExists {
                username: username.to_owned(),
            }
            .into());
        }
        let id = tx.last_insert_rowid();
        let detail = serde_json::json!({
            "superuser": new.is_superuser,
            "one_time": new.one_time,
        })
        .to_string();
        store::log_activity(&tx, by, "user.add", username, Some(&detail))
            .and_then(|()| tx.commit())
            .map_err(&err)?;
        Ok(id)
    }

    /// How many users exist (the run script creates a first admin when none).
    pub fn user_count(&self) -> Result<u64> {
        let store = self.store()?;
        store
            .conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| store.err(e))
    }

    /// Every user, by name, with their last sign-in and open sessions.
    pub fn users(&self) -> Result<Vec<UserAccount>> {
        let store = self.read_store()?;
        let err = store.err_fn();
        let now = Utc::now();
        let idle_since = self.idle_since(now);
        let mut users = store
            .conn
            .prepare(
                "SELECT id, username, is_superuser, is_active, must_change_password, created_at,
                        last_sign_in_at, last_sign_in_from
                 FROM users ORDER BY username COLLATE NOCASE",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |row| {
                    let last_at: Option<DateTime<Utc>> = row.get(6)?;
                    let from: Option<String> = row.get(7)?;
                    Ok(UserAccount {
                        id: row.get(0)?,
                        username: row.get(1)?,
                        is_superuser: row.get(2)?,
                        active: row.get(3)?,
                        must_change_password: row.get(4)?,
                        created_at: row.get(5)?,
                        last_sign_in: last_at.map(|at| SignIn { at, from }),
                        sessions: Vec::new(),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(&err)?;
        let mut stmt = store
            .conn
            .prepare(
                "SELECT rowid, user_id, created_at, coalesce(last_seen_at, created_at), client, agent
                 FROM sessions
                 WHERE expires_at > ?1 AND coalesce(last_seen_at, created_at) > ?2
                 ORDER BY created_at DESC",
            )
            .map_err(&err)?;
        let sessions = stmt
            .query_map(params![now, idle_since], |row| {
                Ok((
                    row.get::<_, i64>(1)?,
                    OpenSession {
                        id: row.get(0)?,
                        started_at: row.get(2)?,
                        last_seen_at: row.get(3)?,
                        client: row.get(4)?,
                        agent: row.get(5)?,
                    },
                ))
            })
            .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
            .map_err(&err)?;
        for (user_id, session) in sessions {
            if let Some(user) = users.iter_mut().find(|u| u.id == user_id) {
                user.sessions.push(session);
            }
        }
        Ok(users)
    }

    /// The active user with this name and password, or `None`. Takes the same
    /// time whether or not the name exists or is disabled, so names cannot be
    /// probed.
    pub fn verify_login(&self, username: &str, password: &str) -> Result<Option<User>> {
        let store = self.store()?;
        let found = store
            .conn
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS}, u.password_hash FROM users u
                     WHERE u.username = ?1 AND u.is_active"
                ),
                [username.trim()],
                |row| Ok((user_from(row)?, row.get::<_, String>(4)?)),
            )
            .optional()
            .map_err(|e| store.err(e))?;
        // The store's connection is not needed for the hash, which may wait its
        // turn: give it back first.
        drop(store);
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, DUMMY_HASH.clone()),
        };
        let ok = verify_password(password, &hash);
        Ok(user.filter(|_| ok))
    }

    /// Starts a session for `user`, whose password was just verified, signing in
    /// from `by`'s client, and returns its secret token. The sign-in is the
    /// user's last from now on, and logged.
    pub fn create_session(&self, user: &User, by: &Actor) -> Result<String> {
        let token = hex(&random_bytes::<32>("a session token")?);
        let now = Utc::now();
        let mut store = self.store()?;
        let err = store.err_fn();
        let tx = store.conn.transaction().map_err(&err)?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, client, agent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                token_hash(&token),
                user.id,
                now,
                now + SESSION_LIFETIME,
                by.address(),
                by.agent()
            ],
        )
        .map_err(&err)?;
        tx.execute(
            "UPDATE users SET last_sign_in_at = ?1, last_sign_in_from = ?2 WHERE id = ?3",
            params![now, by.address(), user.id],
        )
        .map_err(&err)?;
        // Expired sessions are of no use to anyone; sweep them while here.
        tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])
            .map_err(&err)?;
        store::log_activity(&tx, by, "sign_in", &user.username, None)
            .and_then(|()| tx.commit())
            .map_err(&err)?;
        Ok(token)
    }

    /// The active user a live session token belongs to: the session is younger
    /// than 12 hours and was used within the idle timeout. Using it counts as
    /// activity, recorded at most once a minute (so pages don't each cost a
    /// write), and at least four times per idle timeout: with a timeout of one
    /// minute, a session used every 20 s must not end.
    pub fn session_user(&self, token: &str) -> Result<Option<User>> {
        let store = self.store()?;
        let now = Utc::now();
        let hash = token_hash(token);
        let user = store
            .conn
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2
                       AND coalesce(s.last_seen_at, s.created_at) > ?3 AND u.is_active"
                ),
                params![hash, now, self.idle_since(now)],
                user_from,
            )
            .optional()
            .map_err(|e| store.err(e))?;
        if user.is_some() {
            let granularity = (self.session_idle() / 4).min(Duration::minutes(1));
            store
                .conn
                .execute(
                    "UPDATE sessions SET last_seen_at = ?1
                     WHERE token_hash = ?2 AND coalesce(last_seen_at, created_at) <= ?3",
                    params![now, hash, now - granularity],
                )
                .map_err(|e| store.err(e))?;
        }
        Ok(user)
    }

    /// How long a session may go unused before it ends.
    fn session_idle(&self) -> Duration {
        Duration::from_std(self.config().session_idle).unwrap_or(Duration::MAX)
    }

    /// Sessions last used before this instant have idled out.
    fn idle_since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_signed(self.session_idle())
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Ends the session with this token (its user signing out from
    /// `client`), logged when there was one.
    pub fn end_session(&self, token: &str, client: Option<Client>) -> Result<()> {
        let store = self.store()?;
        let ended: Option<String> = store
            .conn
            .query_row(
                "DELETE FROM sessions WHERE token_hash = ?1
                 RETURNING (SELECT username FROM users WHERE id = user_id)",
                [token_hash(token)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| store.err(e))?;
        if let Some(who) = ended {
            let by = Actor { who, client };
            store::log_activity(&store.conn, &by, "sign_out", &by.who, None)
                .map_err(|e| store.err(e))?;
        }
        Ok(())
    }

    /// Ends one of `username`'s sessions, by its id (as [`Engine::users`] lists
    /// it); logged as `by`.
    pub fn end_user_session(&self, username: &str, session: i64, by: &Actor) -> Result<()> {
        let store = self.store()?;
        let ended = store
            .conn
            .execute(
                "DELETE FROM sessions WHERE rowid = ?1
                 AND user_id = (SELECT id FROM users WHERE username = ?2)",
                params![session, username],
            )
            .map_err(|e| store.err(e))?;
        if ended == 0 {
            return Err(Error::NotFound {
                what: "session",
                key: format!("{username} #{session}"),
            });
        }
        store::log_activity(&store.conn, by, "session.end", username, None)
            .map_err(|e| store.err(e))
    }

    /// Disables (`active` false) or enables `username`. A disabled user's
    /// sessions end at once. Nobody disables their own account, nor the last
    /// active super admin. Logged as `by`.
    pub fn set_user_active(&self, username: &str, active: bool, by: &Actor) -> Result<UserAccount> {
        let action = if active {
            "user.enable"
        } else {
            "user.disable"
        };
        self.change_user(username, by, action, !active, |tx, target| {
            tx.execute(
                "UPDATE users SET is_active = ?1 WHERE id = ?2",
                params![active, target.id],
            )?;
            if !active {
                end_sessions_of(tx, target.id, None)?;
            }
            Ok(())
        })
    }

    /// Makes `username` a super admin or takes the role away. Nobody demotes
    /// themselves, nor the last active super admin. Logged as `by`.
    pub fn set_user_role(
        &self,
        username: &str,
        superuser: bool,
        by: &Actor,
    ) -> Result<UserAccount> {
        let action = if superuser {
            "user.promote"
        } else {
            "user.demote"
        };
        self.change_user(username, by, action, !superuser, |tx, target| {
            tx.execute(
                "UPDATE users SET is_superuser = ?1 WHERE id = ?2",
                params![superuser, target.id],
            )
            .map(drop)
        })
    }

    /// Gives `username` the one-time `password`, which they must change at
    /// their next sign-in; their sessions end. Logged as `by`.
    pub fn reset_password(
        &self,
        username: &str,
        password: &str,
        by: &Actor,
    ) -> Result<UserAccount> {
        let target = self.account(username)?;
        check_password(password, target.is_superuser)?;
        let hash = hash_password(password)?;
        self.change_user(username, by, "user.reset_password", false, |tx, target| {
            tx.execute(
                "UPDATE users SET password_hash = ?1, must_change_password = 1 WHERE id = ?2",
                params![hash, target.id],
            )?;
            end_sessions_of(tx, target.id, None)
        })
    }

    /// Changes the password of the signed-in `user` from `current` to `new`;
    /// ends their sessions but the one with `keep_token` (the one asking).
    pub fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        keep_token: Option<&str>,
        by: &Actor,
    ) -> Result<()> {
        let stored: String = {
            let store = self.store()?;
            store
                .conn
                .query_row(
                    "SELECT password_hash FROM users WHERE id = ?1 AND is_active",
                    [user.id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| store.err(e))?
                .ok_or_else(|| Error::NotFound {
                    what: "user",
                    key: user.username.clone(),
                })?
        };
        if !verify_password(current, &stored) {
            let store = self.store()?;
            let entry = store::NewEntry {
                by,
                action: "user.change_password",
                subject: &user.username,
                detail: None,
                outcome: crate::ActivityOutcome::Refused,
            };
            store::log_entry(&store.conn, &entry).map_err(|e| store.err(e))?;
            return Err(Refusal::WrongPassword.into());
        }
        if current == new {
            return Err(Refusal::PasswordUnchanged.into());
        }
        check_password(new, user.is_superuser)?;
        let hash = hash_password(new)?;
        let keep = keep_token.map(token_hash);
        self.change_user(
            &user.username,
            by,
            "user.change_password",
            false,
            |tx, target| {
                tx.execute(
                    "UPDATE users SET password_hash = ?1, must_change_password = 0 WHERE id = ?2",
                    params![hash, target.id],
                )?;
                end_sessions_of(tx, target.id, keep.as_deref())
            },
        )
        .map(drop)
    }

    /// The account named `username`.
    fn account(&self, username: &str) -> Result<UserAccount> {
        self.users()?
            .into_iter()
            .find(|u| u.username.eq_ignore_ascii_case(username.trim()))
            .ok_or_else(|| {
                Refusal::UnknownUser {
                    username: username.trim().to_owned(),
                }
                .into()
            })
    }

    /// Makes `change` to the account `username` in one transaction, logged as
    /// `action` by `by`; the account as it is after. A change that `lessens`
    /// an account (disables or demotes it) is refused for one's own account
    /// and for the last active super admin.
    fn change_user(
        &self,
        username: &str,
        by: &Actor,
        action: &str,
        lessens: bool,
        change: impl FnOnce(&rusqlite::Transaction<'_>, &User) -> rusqlite::Result<()>,
    ) -> Result<UserAccount> {
        {
            let mut store = self.store()?;
            let err = store.err_fn();
            let tx = store.conn.transaction().map_err(&err)?;
            let target = tx
                .query_row(
                    &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = ?1"),
                    [username.trim()],
                    user_from,
                )
                .optional()
                .map_err(&err)?
                .ok_or_else(|| Refusal::UnknownUser {
                    username: username.trim().to_owned(),
                })?;
            if lessens {
                if target.username.eq_ignore_ascii_case(&by.who) {
                    return Err(Refusal::OwnAccount.into());
                }
                if is_last_super_admin(&tx, &target).map_err(&err)? {
                    return Err(Refusal::LastSuperAdmin {
                        username: target.username,
                    }
                    .into());
                }
            }
            change(&tx, &target).map_err(&err)?;
            store::log_activity(&tx, by, action, &target.username, None)
                .and_then(|()| tx.commit())
                .map_err(&err)?;
        }
        self.account(username)
    }
}

/// Whether `target` is the one active super admin left.
fn is_last_super_admin(conn: &rusqlite::Connection, target: &User) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT is_superuser AND is_active
                AND NOT EXISTS (SELECT 1 FROM users o
                                WHERE o.is_superuser AND o.is_active AND o.id <> u.id)
         FROM users u WHERE id = ?1",
        [target.id],
        |r| r.get(0),
    )
}

/// Ends every session of the user `user_id` but the one whose token hashes
/// to `keep`.
fn end_sessions_of(
    conn: &rusqlite::Connection,
    user_id: i64,
    keep: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)",
        params![user_id, keep],
    )
    .map(drop)
}
/// A hash verified against when a user name is unknown, so that the answer takes as
/// long as for a known one.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no such user").unwrap_or_default());

/// Sign-ins hash one at a time: a burst of them then costs one argon2 working
/// memory at a time instead of one per request on as many threads (sixteen
/// clients could otherwise take a Pi's last gigabyte).
static HASHING: Mutex<()> = Mutex::new(());

/// The working memory of one argon2 hash (19 MiB with the default parameters),
/// in an anonymous mapping of its own that is unmapped when the hash is done: the
/// server gives it back to the system between sign-ins, where memory from the
/// allocator would be kept (glibc raises its mmap threshold after freeing a
/// buffer this large, so the next one comes from, and stays in, its heap).
struct HashMemory {
    map: memmap2::MmapMut,
    blocks: usize,
}

impl HashMemory {
    fn new(blocks: usize) -> Option<Self> {
        let map = memmap2::MmapMut::map_anon(blocks.checked_mul(size_of::<Block>())?).ok()?;
        Some(Self { map, blocks })
    }
}

impl AsMut<[Block]> for HashMemory {
    fn as_mut(&mut self) -> &mut [Block] {
        // SAFETY: the mapping is page-aligned (more than `Block`'s 64 bytes),
        // `blocks` blocks long and zero-filled, and a `Block` is plain `u64`s, valid
        // for any bits. The slice borrows `self` mutably, so it is the only view of
        // the mapping while it lives, and it can't outlive it.
        unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr().cast(), self.blocks) }
    }
}

/// Whether `password` matches the stored PHC string `stored`, computed in a
/// [`HashMemory`] and compared in constant time.
fn verify_password(password: &str, stored: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(stored).ok()?;
        let params = Params::try_from(&parsed).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = parsed
            .version
            .map_or(Some(Version::default()), |v| Version::try_from(v).ok())?;
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        let _turn = HASHING.lock().unwrap_or_else(PoisonError::into_inner);
        let memory = HashMemory::new(params.block_count())?;
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
            .ok()?;
        // `Output`'s equality is constant-time.
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
}

fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>("a password salt")?)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash the password: {e}")))
}

/// `N` bytes from the operating system's generator, for `what`.
fn random_bytes<const N: usize>(what: &str) -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| Error::Io {
            context: format!("no randomness for {what}"),
            source: std::io::Error::other(e.to_string()),
        })?;
    Ok(bytes)
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn add(engine: &Engine, name: &str, password: &str, superuser: bool) -> Result<i64> {
        engine.add_user(&NewUser::new(name, password, superuser), &"cli:test".into())
    }

    fn session(engine: &Engine, id: i64) -> String {
        let user = engine
            .users()
            .unwrap()
            .into_iter()
            .find(|u| u.id == id)
            .unwrap();
        let user = User {
            id,
            username: user.username,
            is_superuser: user.is_superuser,
            must_change_password: user.must_change_password,
        };
        engine.create_session(&user, &"test".into()).unwrap()
    }

    fn engine() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(Config::new(dir.path())).unwrap();
        (dir, engine)
    }

    #[test]
    fn passwords_are_stored_as_argon2id_and_verified() {
        let (_dir, engine) = engine();
        let id = add(&engine, "Admin", "correct horse battery", true).unwrap();
        let stored: String = engine
            .store()
            .unwrap()
            .conn
            .query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        let user = engine
            .verify_login("admin", "correct horse battery")
            .unwrap()
            .unwrap();
        assert!(user.is_superuser);
        assert!(
            engine
                .verify_login("admin", "wrong horse")
                .unwrap()
                .is_none()
        );
        assert!(
            engine
                .verify_login("nobody", "correct horse battery")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn duplicate_names_and_short_passwords_are_refused() {
        let (_dir, engine) = engine();
        add(&engine, "ali", "long enough", false).unwrap();
        assert!(add(&engine, "ALI", "long enough", false).is_err());
        assert!(add(&engine, "reza", "short", false).is_err());
        assert!(add(&engine, "  ", "long enough", false).is_err());
    }

    #[test]
    fn a_super_admin_needs_twelve_characters() {
        let (_dir, engine) = engine();
        let short = add(&engine, "boss", "eleven char", true);
        assert!(
            matches!(
                &short,
                Err(Error::Refused(Refusal::PasswordTooShort { min: 12 }))
            ),
            "{short:?}"
        );
        add(&engine, "boss", "twelve chars", true).unwrap();
        // A plain user's eight still do.
        add(&engine, "clerk", "eight ch", false).unwrap();
    }

    #[test]
    fn names_with_hidden_characters_are_refused() {
        let (_dir, engine) = engine();
        for name in [
            "ad\nmin",
            "admin\u{1b}[2J",
            "admin\u{202e}nimda",
            "ad\u{200b}min",
            "\u{feff}admin",
            "ad\u{00ad}min",
            "a\u{2066}dmin",
        ] {
            assert!(
                add(&engine, name, "long enough password", true).is_err(),
                "{name:?}"
            );
        }
        for name in ["admin", "علی", "José", "مدیر انبار", "o'brien"] {
            add(&engine, name, "long enough password", true).unwrap();
        }
    }

    #[test]
    fn a_session_used_more_often_than_its_idle_timeout_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path());
        config.session_idle = std::time::Duration::from_secs(2);
        let engine = Engine::open(config).unwrap();
        let id = add(&engine, "sara", "long enough", false).unwrap();
        let token = session(&engine, id);
        // Used every 0.7 s for 3 s: longer than the timeout, never idle that long.
        for _ in 0..5 {
            std::thread::sleep(std::time::Duration::from_millis(700));
            assert!(engine.session_user(&token).unwrap().is_some());
        }
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert!(engine.session_user(&token).unwrap().is_none(), "then idle");
    }

    #[test]
    fn sessions_resolve_until_ended() {
        let (_dir, engine) = engine();
        let id = add(&engine, "sara", "long enough password", true).unwrap();
        let token = session(&engine, id);
        assert_eq!(
            engine.session_user(&token).unwrap().unwrap().username,
            "sara"
        );
        assert!(engine.session_user("forged").unwrap().is_none());
        engine.end_session(&token, None).unwrap();
        assert!(engine.session_user(&token).unwrap().is_none());
    }

    #[test]
    fn an_idle_session_ends_and_use_keeps_one_alive() {
        let (dir, engine) = engine();
        let id = add(&engine, "sara", "long enough password", true).unwrap();
        let token = session(&engine, id);
        let store = rusqlite::Connection::open(dir.path().join(crate::store::STORE_FILE)).unwrap();
        let seen_ago = |minutes: i64| {
            store
                .execute(
                    "UPDATE sessions SET last_seen_at = ?1",
                    [Utc::now() - Duration::minutes(minutes)],
                )
                .unwrap();
        };
        // Used 50 minutes ago: still live, and this use moves its clock.
        seen_ago(50);
        assert!(engine.session_user(&token).unwrap().is_some());
        let last_seen: DateTime<Utc> = store
            .query_row("SELECT last_seen_at FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert!(Utc::now() - last_seen < Duration::minutes(1));
        // Unused for longer than the idle timeout (an hour by default): over.
        seen_ago(61);
        assert!(engine.session_user(&token).unwrap().is_none());
    }
}

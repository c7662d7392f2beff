//! Users (argon2id password hashes) and login sessions.

use std::sync::{LazyLock, Mutex, PoisonError};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::TryRngCore;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::Engine;
use crate::Refusal;
use crate::error::{Error, Result};

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

pub use model::User;

impl Engine {
    /// Adds a user; refuses a taken name, a blank name, a name with a character
    /// that can't be seen or typed (see [`check_user_name`]) or a short password
    /// ([`MIN_PASSWORD_CHARS`], [`MIN_SUPERUSER_PASSWORD_CHARS`] for a super admin).
    pub fn add_user(&self, username: &str, password: &str, superuser: bool) -> Result<i64> {
        let username = username.trim();
        check_user_name(username)?;
        let min = if superuser {
            MIN_SUPERUSER_PASSWORD_CHARS
        } else {
            MIN_PASSWORD_CHARS
        };
        if password.chars().count() < min {
            return Err(Refusal::PasswordTooShort { min }.into());
        }
        let hash = hash_password(password)?;
        let store = self.store()?;
        let inserted = store
            .conn
            .execute(
                "INSERT INTO users (username, password_hash, is_superuser, created_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username) DO NOTHING",
                params![username, hash, superuser, Utc::now()],
            )
            .map_err(|e| store.err(e))?;
        if inserted == 0 {
            return Err(Refusal::UserExists {
                username: username.to_owned(),
            }
            .into());
        }
        let id = store.conn.last_insert_rowid();
        crate::store::log_activity(&store.conn, "cli", "user.add", username, None)
            .map_err(|e| store.err(e))?;
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

    /// The user with this name and password, or `None`. Takes the same time whether
    /// or not the name exists, so names cannot be probed.
    pub fn verify_login(&self, username: &str, password: &str) -> Result<Option<User>> {
        let store = self.store()?;
        let found = store
            .conn
            .query_row(
                "SELECT id, username, is_superuser, password_hash FROM users WHERE username = ?1",
                [username.trim()],
                |row| {
                    Ok((
                        User {
                            id: row.get(0)?,
                            username: row.get(1)?,
                            is_superuser: row.get(2)?,
                        },
                        row.get::<_, String>(3)?,
                    ))
                },
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

    /// Starts a session for `user_id` and returns its secret token.
    pub fn create_session(&self, user_id: i64) -> Result<String> {
        let token = hex(&random_bytes::<32>("a session token")?);
        let now = Utc::now();
        let store = self.store()?;
        store
            .conn
            .execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash(&token), user_id, now, now + SESSION_LIFETIME],
            )
            .map_err(|e| store.err(e))?;
        // Expired sessions are of no use to anyone; sweep them while here.
        store
            .conn
            .execute("DELETE FROM sessions WHERE expires_at < ?1", [now])
            .map_err(|e| store.err(e))?;
        Ok(token)
    }

    /// The user a live session token belongs to: the session is younger than 12
    /// hours and was used within the idle timeout. Using it counts as activity,
    /// recorded at most once a minute (so pages don't each cost a write), and at
    /// least four times per idle timeout: with a timeout of one minute, a session
    /// used every 20 s must not end.
    pub fn session_user(&self, token: &str) -> Result<Option<User>> {
        let store = self.store()?;
        let now = Utc::now();
        let idle = Duration::from_std(self.config().session_idle).unwrap_or(Duration::MAX);
        let idle_since = now
            .checked_sub_signed(idle)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let hash = token_hash(token);
        let user = store
            .conn
            .query_row(
                "SELECT u.id, u.username, u.is_superuser FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2
                   AND coalesce(s.last_seen_at, s.created_at) > ?3",
                params![hash, now, idle_since],
                |row| {
                    Ok(User {
                        id: row.get(0)?,
                        username: row.get(1)?,
                        is_superuser: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(|e| store.err(e))?;
        if user.is_some() {
            let granularity = (idle / 4).min(Duration::minutes(1));
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

    /// Ends a session (logging out).
    pub fn end_session(&self, token: &str) -> Result<()> {
        let store = self.store()?;
        store
            .conn
            .execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                [token_hash(token)],
            )
            .map(drop)
            .map_err(|e| store.err(e))
    }
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

    fn engine() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(Config::new(dir.path())).unwrap();
        (dir, engine)
    }

    #[test]
    fn passwords_are_stored_as_argon2id_and_verified() {
        let (_dir, engine) = engine();
        let id = engine
            .add_user("Admin", "correct horse battery", true)
            .unwrap();
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
        engine.add_user("ali", "long enough", false).unwrap();
        assert!(engine.add_user("ALI", "long enough", false).is_err());
        assert!(engine.add_user("reza", "short", false).is_err());
        assert!(engine.add_user("  ", "long enough", false).is_err());
    }

    #[test]
    fn a_super_admin_needs_twelve_characters() {
        let (_dir, engine) = engine();
        let short = engine.add_user("boss", "eleven char", true);
        assert!(
            matches!(
                &short,
                Err(Error::Refused(Refusal::PasswordTooShort { min: 12 }))
            ),
            "{short:?}"
        );
        engine.add_user("boss", "twelve chars", true).unwrap();
        // A plain user's eight still do.
        engine.add_user("clerk", "eight ch", false).unwrap();
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
                engine.add_user(name, "long enough password", true).is_err(),
                "{name:?}"
            );
        }
        for name in ["admin", "علی", "José", "مدیر انبار", "o'brien"] {
            engine.add_user(name, "long enough password", true).unwrap();
        }
    }

    #[test]
    fn a_session_used_more_often_than_its_idle_timeout_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path());
        config.session_idle = std::time::Duration::from_secs(2);
        let engine = Engine::open(config).unwrap();
        let id = engine.add_user("sara", "long enough", false).unwrap();
        let token = engine.create_session(id).unwrap();
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
        let id = engine
            .add_user("sara", "long enough password", true)
            .unwrap();
        let token = engine.create_session(id).unwrap();
        assert_eq!(
            engine.session_user(&token).unwrap().unwrap().username,
            "sara"
        );
        assert!(engine.session_user("forged").unwrap().is_none());
        engine.end_session(&token).unwrap();
        assert!(engine.session_user(&token).unwrap().is_none());
    }

    #[test]
    fn an_idle_session_ends_and_use_keeps_one_alive() {
        let (dir, engine) = engine();
        let id = engine
            .add_user("sara", "long enough password", true)
            .unwrap();
        let token = engine.create_session(id).unwrap();
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

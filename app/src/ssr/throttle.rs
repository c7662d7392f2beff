//! Sign-in throttling: growing waits after failed sign-ins, per client address and
//! per account, kept in the server's memory; and the queue for the password hasher.
//!
//! - An address may fail [`FREE_FAILURES`] times; after that each attempt must wait
//!   twice as long as the last since its latest failure (2 s, 4 s, … up to
//!   [`MAX_ADDRESS_WAIT`]). A super admin's sign-in from it clears its record.
//! - An account may fail [`FREE_ACCOUNT_FAILURES`] times an hour from anywhere; after
//!   that it takes one attempt per [`ACCOUNT_SLOT`], so at most 100 failures an hour
//!   are possible on it (ASVS 2.2.1). Addresses that have signed in to the account
//!   before are exempt from this limit, so a stranger hammering `admin` slows
//!   himself down without locking the real admin out: the admin's own phone still
//!   signs in at once (its address limit still applies).
//! - Accounts are keyed by their name case-folded ([`account_key`]), as the store
//!   compares names: `BOSS` is `boss`, with one budget.
//!
//! An attempt takes its place (counts as a failure) *before* its password is
//! checked, and gives it back only when it signs a super admin in: attempts sent
//! all at once each see the ones before them, so a burst gets no more checks than
//! the same attempts one after another. A throttled attempt is answered without
//! checking the password, so it costs neither CPU nor the memory of a hash.
//!
//! Hashes run one at a time ([`HashQueue`]): at most [`MAX_WAITING`] strangers'
//! attempts wait for the hasher, and any more are answered 429 at once, so
//! a burst holds neither threads nor connections. An address that has signed in to
//! the account before goes ahead of every stranger.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Failures an address may make before it has to wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest an address is made to wait between attempts.
pub const MAX_ADDRESS_WAIT: Duration = Duration::from_secs(300);
/// Failures an account may take in an hour before attempts are spaced out.
pub const FREE_ACCOUNT_FAILURES: usize = 10;
/// One attempt per this long on an account past its free failures: 10 + 3600/40 =
/// 100 failures an hour at most.
pub const ACCOUNT_SLOT: Duration = Duration::from_secs(40);
/// Strangers' attempts that may wait for the hasher at once; one hash takes a
/// fraction of a second, so this many wait a few seconds at most.
pub const MAX_WAITING: usize = 8;
const HOUR: Duration = Duration::from_secs(3600);

/// The key an account is throttled by: its name trimmed and case-folded, as the
/// store (`COLLATE NOCASE`) compares names, and beyond ASCII as Unicode lowercases
/// them, so no spelling of a name gets a budget of its own.
pub fn account_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Failed sign-ins and who may skip the account limit.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    state: Mutex<State>,
    queue: Arc<HashQueue>,
    /// The failures as the activity log records them.
    failures: super::failures::FailedSignIns,
}

#[derive(Debug, Default)]
struct State {
    addresses: HashMap<IpAddr, AddressFailures>,
    /// Each account's failures of the last hour, oldest first, with the id of
    /// the attempt that made it.
    accounts: HashMap<String, VecDeque<(Instant, u64)>>,
    /// (address, account) pairs that signed in successfully.
    trusted: HashSet<(IpAddr, String)>,
    /// The id of the next attempt.
    next_id: u64,
}

#[derive(Debug, Clone, Copy)]
struct AddressFailures {
    count: u32,
    last: Instant,
}

/// An attempt's place in the throttle, counted as a failure until
/// [`SignInThrottle::succeeded`] or [`SignInThrottle::release`] gives it back.
#[derive(Debug)]
#[must_use = "an attempt counts as a failure unless it is given back"]
pub struct Attempt {
    address: IpAddr,
    account: String,
    id: u64,
    /// The address has signed in to the account before.
    pub trusted: bool,
}

impl SignInThrottle {
    /// Takes a place for an attempt from `address` on `account`, counted as a
    /// failure from now on; or how long the address must still wait.
    pub fn reserve(
        &self,
        address: IpAddr,
        account: &str,
        now: Instant,
    ) -> Result<Attempt, Duration> {
        let account = account_key(account);
        let mut state = self.lock();
        state.forget_old(now);
        if let Some(wait) = state.wait(address, &account, now) {
            return Err(wait);
        }
        let id = state.next_id;
        state.next_id += 1;
        let entry = state.addresses.entry(address).or_insert(AddressFailures {
            count: 0,
            last: now,
        });
        entry.count += 1;
        entry.last = now;
        state
            .accounts
            .entry(account.clone())
            .or_default()
            .push_back((now, id));
        let trusted = state.trusted.contains(&(address, account.clone()));
        Ok(Attempt {
            address,
            account,
            id,
            trusted,
        })
    }

    /// How long `address` must still wait before trying `account`, if it must.
    pub fn wait(&self, address: IpAddr, account: &str, now: Instant) -> Option<Duration> {
        let mut state = self.lock();
        state.forget_old(now);
        state.wait(address, &account_key(account), now)
    }

    /// Gives back an attempt whose password was never checked (the hasher's
    /// queue was full).
    pub fn release(&self, attempt: Attempt) {
        let mut state = self.lock();
        if let Some(failures) = state.addresses.get_mut(&attempt.address) {
            failures.count = failures.count.saturating_sub(1);
        }
        state.forget_attempt(&attempt);
    }

    /// A super admin signed in: the address starts afresh, the attempt is no
    /// failure, and the address may skip the account's limit from now on. (A
    /// plain user's right password is none of these: it stays a failure.)
    pub fn succeeded(&self, attempt: Attempt) {
        let mut state = self.lock();
        state.addresses.remove(&attempt.address);
        state.forget_attempt(&attempt);
        state.trusted.insert((attempt.address, attempt.account));
    }

    /// The queue for the password hasher.
    pub fn queue(&self) -> &Arc<HashQueue> {
        &self.queue
    }

    /// The failed sign-ins, folded for the activity log.
    pub fn failures(&self) -> &super::failures::FailedSignIns {
        &self.failures
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn wait(&self, address: IpAddr, account: &str, now: Instant) -> Option<Duration> {
        let by_address = self.addresses.get(&address).and_then(|f| {
            let due = f.last + address_wait(f.count);
            (due > now).then(|| due - now)
        });
        let trusted = self.trusted.contains(&(address, account.to_owned()));
        let by_account = self
            .accounts
            .get(account)
            .filter(|failures| !trusted && failures.len() >= FREE_ACCOUNT_FAILURES)
            .and_then(|failures| failures.back())
            .and_then(|(last, _)| {
                let due = *last + ACCOUNT_SLOT;
                (due > now).then(|| due - now)
            });
        by_address.max(by_account)
    }

    fn forget_attempt(&mut self, attempt: &Attempt) {
        if let Some(failures) = self.accounts.get_mut(&attempt.account) {
            failures.retain(|(_, id)| *id != attempt.id);
            if failures.is_empty() {
                self.accounts.remove(&attempt.account);
            }
        }
    }

    /// Drops failures older than an hour, so memory stays bounded by what an hour
    /// of attempts can leave.
    fn forget_old(&mut self, now: Instant) {
        self.addresses
            .retain(|_, f| now.duration_since(f.last) < HOUR);
        self.accounts.retain(|_, failures| {
            while failures
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) >= HOUR)
            {
                failures.pop_front();
            }
            !failures.is_empty()
        });
    }
}

/// How long an address with `count` failures waits after its latest one: nothing
/// for the first [`FREE_FAILURES`], then 2 s, 4 s, 8 s …
fn address_wait(count: u32) -> Duration {
    match count.checked_sub(FREE_FAILURES) {
        None => Duration::ZERO,
        Some(over) => Duration::from_secs(2u64.saturating_pow(over + 1)).min(MAX_ADDRESS_WAIT),
    }
}

/// Password checks waiting for the hasher: one hash at a time, trusted attempts
/// first, at most [`MAX_WAITING`] strangers waiting.
#[derive(Debug, Default)]
pub struct HashQueue {
    state: Mutex<QueueState>,
    turn_over: Notify,
}

#[derive(Debug, Default)]
struct QueueState {
    busy: bool,
    trusted_waiting: usize,
    strangers_waiting: usize,
}

/// The hasher, for as long as this is held.
#[derive(Debug)]
pub struct HashTurn {
    queue: Arc<HashQueue>,
}

/// A place in the queue, given up if the attempt is dropped while it waits (the
/// client went away).
struct Waiting<'a> {
    queue: &'a HashQueue,
    trusted: bool,
    registered: bool,
}

impl HashQueue {
    /// Waits for the hasher; `None` at once when [`MAX_WAITING`] strangers wait
    /// already. A `trusted` attempt never waits behind a stranger's.
    pub async fn turn(self: &Arc<Self>, trusted: bool) -> Option<HashTurn> {
        let mut waiting = Waiting {
            queue: self,
            trusted,
            registered: false,
        };
        loop {
            let mut notified = pin!(self.turn_over.notified());
            // Registered before the state is looked at, so a turn given back in
            // between still wakes this attempt.
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                if !state.busy && (trusted || state.trusted_waiting == 0) {
                    state.busy = true;
                    waiting.unregister(&mut state);
                    return Some(HashTurn {
                        queue: self.clone(),
                    });
                }
                if !waiting.registered {
                    if !trusted && state.strangers_waiting >= MAX_WAITING {
                        return None;
                    }
                    waiting.register(&mut state);
                }
            }
            notified.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Waiting<'_> {
    fn count<'s>(&self, state: &'s mut QueueState) -> &'s mut usize {
        if self.trusted {
            &mut state.trusted_waiting
        } else {
            &mut state.strangers_waiting
        }
    }

    fn register(&mut self, state: &mut QueueState) {
        *self.count(state) += 1;
        self.registered = true;
    }

    fn unregister(&mut self, state: &mut QueueState) {
        if self.registered {
            *self.count(state) -= 1;
            self.registered = false;
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.registered {
            let queue = self.queue;
            let mut state = queue.lock();
            self.unregister(&mut state);
            drop(state);
            // A trusted attempt that gave up may have held strangers back.
            queue.turn_over.notify_waiters();
        }
    }
}

impl Drop for HashTurn {
    fn drop(&mut self) {
        self.queue.lock().busy = false;
        self.queue.turn_over.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 7));
    const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 66));

    /// A wrong password at `now`: its place is taken and kept.
    fn fail(throttle: &SignInThrottle, address: IpAddr, account: &str, now: Instant) {
        let _failure = throttle
            .reserve(address, account, now)
            .expect("not throttled");
    }

    #[test]
    fn an_address_waits_longer_after_each_failure_past_the_free_ones() {
        let throttle = SignInThrottle::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait(STRANGER, "admin", t0), None);
            fail(&throttle, STRANGER, "admin", t0);
        }
        assert_eq!(
            throttle.wait(STRANGER, "admin", t0),
            Some(Duration::from_secs(2)),
            "five failures, then a wait"
        );
        let later = t0 + Duration::from_secs(2);
        assert_eq!(throttle.wait(STRANGER, "admin", later), None);
        fail(&throttle, STRANGER, "admin", later);
        assert_eq!(
            throttle.wait(STRANGER, "admin", later),
            Some(Duration::from_secs(4))
        );
        assert_eq!(address_wait(40), MAX_ADDRESS_WAIT);
    }

    #[test]
    fn attempts_at_the_same_moment_each_count_before_any_is_checked() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        // 200 attempts arrive before any hash is done: only the free ones pass.
        let passed: Vec<Attempt> = (0..200)
            .filter_map(|_| throttle.reserve(STRANGER, "admin", now).ok())
            .collect();
        assert_eq!(passed.len(), FREE_FAILURES as usize);
    }

    #[test]
    fn an_account_takes_at_most_100_failures_an_hour() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        let mut now = start;
        let mut failures = 0;
        // A botnet: every attempt from a fresh address, as fast as allowed.
        for i in 0..10_000u32 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            if let Some(wait) = throttle.wait(address, "admin", now) {
                now += wait;
            }
            if now.duration_since(start) >= HOUR {
                break;
            }
            fail(&throttle, address, "admin", now);
            failures += 1;
        }
        assert!(failures <= 100, "{failures} failures in an hour");
    }

    #[test]
    fn every_spelling_of_a_name_shares_its_budget() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        for i in 0..FREE_ACCOUNT_FAILURES as u32 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            fail(&throttle, address, "boss", now);
        }
        for spelling in ["BOSS", "Boss", " bOsS ", "boss"] {
            assert!(
                throttle.wait(STRANGER, spelling, now).is_some(),
                "{spelling:?} is throttled with boss"
            );
        }
        assert_eq!(account_key("ÄDMIN"), "ädmin");
    }

    #[test]
    fn a_stranger_cannot_lock_the_admins_own_phone_out() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        let attempt = throttle.reserve(PHONE, "admin", now).unwrap();
        assert!(!attempt.trusted);
        throttle.succeeded(attempt);
        for i in 0..50u32 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0b00_0000 + i));
            let _ = throttle.reserve(address, "admin", now);
        }
        assert!(throttle.wait(STRANGER, "admin", now).is_some());
        assert_eq!(throttle.wait(PHONE, "ADMIN", now), None);
        assert!(throttle.reserve(PHONE, "admin", now).unwrap().trusted);
        // Other accounts are not slowed by attempts on this one.
        assert_eq!(throttle.wait(STRANGER, "clerk", now), None);
    }

    #[test]
    fn a_released_attempt_is_no_failure() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..20 {
            let attempt = throttle.reserve(STRANGER, "admin", now).unwrap();
            throttle.release(attempt);
        }
        assert_eq!(throttle.wait(STRANGER, "admin", now), None);
        assert!(throttle.lock().accounts.is_empty());
    }

    #[test]
    fn failures_older_than_an_hour_are_forgotten() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_FAILURES {
            fail(&throttle, STRANGER, "admin", now);
        }
        let later = now + HOUR;
        assert_eq!(throttle.wait(STRANGER, "admin", later), None);
        assert!(throttle.lock().accounts.is_empty() && throttle.lock().addresses.is_empty());
    }

    #[tokio::test]
    async fn strangers_past_the_bound_are_turned_away_and_trusted_ones_go_first() {
        let queue = Arc::new(HashQueue::default());
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = queue.turn(false).await.expect("the hasher is free");
        let take = |trusted: bool, label: &'static str| {
            let (queue, order) = (queue.clone(), order.clone());
            tokio::spawn(async move {
                let turn = queue.turn(trusted).await;
                if turn.is_some() {
                    order.lock().unwrap().push(label);
                    tokio::task::yield_now().await;
                }
                turn.is_some()
            })
        };
        let strangers: Vec<_> = (0..MAX_WAITING).map(|_| take(false, "stranger")).collect();
        while queue.lock().strangers_waiting < MAX_WAITING {
            tokio::task::yield_now().await;
        }
        assert!(queue.turn(false).await.is_none(), "one too many");
        let trusted = take(true, "trusted");
        while queue.lock().trusted_waiting == 0 {
            tokio::task::yield_now().await;
        }
        drop(first);
        assert!(trusted.await.unwrap());
        for stranger in strangers {
            assert!(stranger.await.unwrap());
        }
        let order = order.lock().unwrap();
        assert_eq!(order.len(), MAX_WAITING + 1);
        assert_eq!(order[0], "trusted", "{order:?}");
        let state = queue.lock();
        assert!(!state.busy && state.strangers_waiting == 0 && state.trusted_waiting == 0);
    }
}

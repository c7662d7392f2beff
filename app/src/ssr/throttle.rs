//! Sign-in throttling: growing waits after failed sign-ins, per client address and
//! per account, kept in the server's memory.
//!
//! - An address may fail [`FREE_FAILURES`] times; after that each attempt must wait
//!   twice as long as the last since its latest failure (2 s, 4 s, … up to
//!   [`MAX_ADDRESS_WAIT`]). A success from it clears its record.
//! - An account may fail [`FREE_ACCOUNT_FAILURES`] times an hour from anywhere; after
//!   that it takes one attempt per [`ACCOUNT_SLOT`], so at most 100 failures an hour
//!   are possible on it (ASVS 2.2.1). Addresses that have signed in to the account
//!   before are exempt from this limit, so a stranger hammering `admin` slows
//!   himself down without locking the real admin out: the admin's own phone still
//!   signs in at once (its address limit still applies).
//!
//! A throttled attempt is answered without checking the password, so it costs
//! neither CPU nor the memory of a hash.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failures an address may make before it has to wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest an address is made to wait between attempts.
pub const MAX_ADDRESS_WAIT: Duration = Duration::from_secs(300);
/// Failures an account may take in an hour before attempts are spaced out.
pub const FREE_ACCOUNT_FAILURES: usize = 10;
/// One attempt per this long on an account past its free failures: 10 + 3600/40 =
/// 100 failures an hour at most.
pub const ACCOUNT_SLOT: Duration = Duration::from_secs(40);
const HOUR: Duration = Duration::from_secs(3600);

/// Failed sign-ins and who may skip the account limit.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    addresses: HashMap<IpAddr, AddressFailures>,
    /// Each account's failures of the last hour, oldest first.
    accounts: HashMap<String, VecDeque<Instant>>,
    /// (address, account) pairs that signed in successfully.
    trusted: HashSet<(IpAddr, String)>,
}

#[derive(Debug, Clone, Copy)]
struct AddressFailures {
    count: u32,
    last: Instant,
}

impl SignInThrottle {
    /// How long `address` must still wait before trying `account`, if it must.
    pub fn wait(&self, address: IpAddr, account: &str, now: Instant) -> Option<Duration> {
        let mut state = self.lock();
        state.forget_old(now);
        let by_address = state.addresses.get(&address).and_then(|f| {
            let due = f.last + address_wait(f.count);
            (due > now).then(|| due - now)
        });
        let trusted = state.trusted.contains(&(address, account.to_owned()));
        let by_account = state
            .accounts
            .get(account)
            .filter(|failures| !trusted && failures.len() >= FREE_ACCOUNT_FAILURES)
            .and_then(|failures| failures.back())
            .and_then(|last| {
                let due = *last + ACCOUNT_SLOT;
                (due > now).then(|| due - now)
            });
        by_address.max(by_account)
    }

    /// Records a failed sign-in.
    pub fn failed(&self, address: IpAddr, account: &str, now: Instant) {
        let mut state = self.lock();
        let entry = state.addresses.entry(address).or_insert(AddressFailures {
            count: 0,
            last: now,
        });
        entry.count += 1;
        entry.last = now;
        state
            .accounts
            .entry(account.to_owned())
            .or_default()
            .push_back(now);
    }

    /// Records a successful sign-in: the address starts afresh and may skip the
    /// account's limit from now on.
    pub fn succeeded(&self, address: IpAddr, account: &str) {
        let mut state = self.lock();
        state.addresses.remove(&address);
        state.trusted.insert((address, account.to_owned()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Drops failures older than an hour, so memory stays bounded by what an hour
    /// of attempts can leave.
    fn forget_old(&mut self, now: Instant) {
        self.addresses
            .retain(|_, f| now.duration_since(f.last) < HOUR);
        self.accounts.retain(|_, failures| {
            while failures
                .front()
                .is_some_and(|t| now.duration_since(*t) >= HOUR)
            {
                failures.pop_front();
            }
            !failures.is_empty()
        });
    }
}

/// How long an address with `count` failures waits after its latest one.
fn address_wait(count: u32) -> Duration {
    match count.checked_sub(FREE_FAILURES) {
        None | Some(0) => Duration::ZERO,
        Some(over) => Duration::from_secs(2u64.saturating_pow(over)).min(MAX_ADDRESS_WAIT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 7));
    const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 66));

    #[test]
    fn an_address_waits_longer_after_each_failure_past_the_free_ones() {
        let throttle = SignInThrottle::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait(STRANGER, "admin", t0), None);
            throttle.failed(STRANGER, "admin", t0);
        }
        assert_eq!(
            throttle.wait(STRANGER, "admin", t0),
            None,
            "the 5th failure is free"
        );
        throttle.failed(STRANGER, "admin", t0);
        assert_eq!(
            throttle.wait(STRANGER, "admin", t0),
            Some(Duration::from_secs(2))
        );
        let later = t0 + Duration::from_secs(2);
        assert_eq!(throttle.wait(STRANGER, "admin", later), None);
        throttle.failed(STRANGER, "admin", later);
        assert_eq!(
            throttle.wait(STRANGER, "admin", later),
            Some(Duration::from_secs(4))
        );
        assert_eq!(address_wait(40), MAX_ADDRESS_WAIT);
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
            throttle.failed(address, "admin", now);
            failures += 1;
        }
        assert!(failures <= 100, "{failures} failures in an hour");
    }

    #[test]
    fn a_stranger_cannot_lock_the_admins_own_phone_out() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        throttle.succeeded(PHONE, "admin");
        for i in 0..50u32 {
            throttle.failed(
                IpAddr::V4(std::net::Ipv4Addr::from(0x0b00_0000 + i)),
                "admin",
                now,
            );
        }
        assert!(throttle.wait(STRANGER, "admin", now).is_some());
        assert_eq!(throttle.wait(PHONE, "admin", now), None);
        // Other accounts are not slowed by attempts on this one.
        assert_eq!(throttle.wait(STRANGER, "clerk", now), None);
    }

    #[test]
    fn failures_older_than_an_hour_are_forgotten() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..20 {
            throttle.failed(STRANGER, "admin", now);
        }
        let later = now + HOUR;
        assert_eq!(throttle.wait(STRANGER, "admin", later), None);
        assert!(throttle.lock().accounts.is_empty() && throttle.lock().addresses.is_empty());
    }
}

//! A burst of wrong sign-ins against the real server on loopback: the server's
//! memory stays bounded (password hashes share one buffer and run one at a time),
//! and throttling answers the excess without hashing.

mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::Server;

#[test]
fn a_burst_of_wrong_sign_ins_keeps_memory_bounded_and_is_throttled() {
    let server = Server::start();
    let before = server.memory_kb("VmHWM:");
    // Sixteen clients, six wrong sign-ins each, all at once.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..16)
            .map(|_| scope.spawn(|| (0..6).map(|_| server.sign_in("guess")).collect::<Vec<_>>()))
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    let growth_mb = (server.memory_kb("VmHWM:") - before) as f64 / 1024.0;
    eprintln!(
        "peak RSS {:.1} MB before the burst, grew {growth_mb:.1} MB; statuses {statuses:?}",
        before as f64 / 1024.0
    );
    assert!(growth_mb <= 48.0, "peak RSS grew {growth_mb:.1} MB");
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "the burst is throttled");
    assert!(
        statuses.iter().filter(|s| **s == 401).count() < 40,
        "most attempts are answered without a hash: {statuses:?}"
    );
}

const STRANGER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 66);
const ADMINS_PHONE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 7);

/// Sends all `attempts` at once, each on a thread and connection of its own, and
/// returns their statuses.
fn all_at_once(server: &Server, attempts: &[(Ipv4Addr, String, &str)]) -> Vec<u16> {
    let barrier = std::sync::Barrier::new(attempts.len());
    std::thread::scope(|scope| {
        let threads: Vec<_> = attempts
            .iter()
            .map(|(from, name, password)| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    server.sign_in_from(*from, name, password).0
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[test]
fn two_hundred_wrong_sign_ins_at_once_from_one_device_check_five() {
    let server = Server::start();
    let attempts: Vec<_> = (0..200)
        .map(|_| (STRANGER, "admin".to_owned(), "guess"))
        .collect();
    let statuses = all_at_once(&server, &attempts);
    let checked = server.log().matches("wrong username or password").count();
    eprintln!(
        "200 at once from one device: {} answered 401, {} 429, {} 503; {checked} checked",
        count(&statuses, 401),
        count(&statuses, 429),
        count(&statuses, 503)
    );
    assert!(count(&statuses, 401) <= 5, "{statuses:?}");
    assert!(checked <= 5, "{checked} passwords checked");
    assert!(
        statuses.iter().all(|s| [401, 429, 503].contains(s)),
        "{statuses:?}"
    );
}

#[test]
fn two_hundred_wrong_sign_ins_at_once_on_one_account_check_ten() {
    let server = Server::start();
    // A device each: only the account's budget holds them back.
    let attempts: Vec<_> = (0..200u8)
        .map(|i| (Ipv4Addr::new(127, 0, 2, i), "admin".to_owned(), "guess"))
        .collect();
    let statuses = all_at_once(&server, &attempts);
    let checked = server.log().matches("wrong username or password").count();
    eprintln!("200 at once on one account from 200 devices: {checked} checked");
    assert!(checked <= 10, "{checked} passwords checked: {statuses:?}");
}

#[test]
fn every_spelling_of_a_locked_account_is_locked() {
    let server = Server::start();
    // Ten failures on `admin`, each from a device of its own.
    for i in 0..10u8 {
        let (status, _) = server.sign_in_from(Ipv4Addr::new(127, 0, 3, i), "admin", "guess");
        assert_eq!(status, 401);
    }
    for (i, spelling) in ["ADMIN", "Admin", "aDmIn"].into_iter().enumerate() {
        let from = Ipv4Addr::new(127, 0, 4, i as u8);
        let (status, _) = server.sign_in_from(from, spelling, common::ADMIN_PASSWORD);
        assert_eq!(status, 429, "{spelling} with the right password");
    }
}

#[test]
fn a_plain_users_right_password_signs_them_in_and_resets_nothing() {
    let server = Server::start();
    let (wrong, _) = server.sign_in_from(STRANGER, "clerk", "guess");
    let (right, _) = server.sign_in_from(STRANGER, "clerk", common::CLERK_PASSWORD);
    assert_eq!((wrong, right), (401, 200));
    // Alternating with the clerk's right password gains no guesses at admin:
    // the device's five free failures are the clerk's wrong guess and four
    // more, the clerk's sign-ins clearing none of them.
    let mut checked_on_admin = 0;
    for _ in 0..20 {
        if server.sign_in_from(STRANGER, "admin", "guess").0 == 401 {
            checked_on_admin += 1;
        }
        server.sign_in_from(STRANGER, "clerk", common::CLERK_PASSWORD);
    }
    assert!(checked_on_admin <= 4, "{checked_on_admin} guesses at admin");
}

#[test]
fn the_admin_signs_in_at_once_during_a_burst_of_strangers_guesses() {
    let server = Server::start();
    let (status, _) = server.sign_in_from(ADMINS_PHONE, "admin", common::ADMIN_PASSWORD);
    assert_eq!(status, 200);
    // Strangers on forty devices guess two hundred names at once, each a hash.
    let attempts: Vec<_> = (0..200u32)
        .map(|i| {
            let from = Ipv4Addr::new(127, 0, 5, (i % 40) as u8);
            (from, format!("user{i}"), "guess")
        })
        .collect();
    let (statuses, admin) = std::thread::scope(|scope| {
        let burst = scope.spawn(|| all_at_once(&server, &attempts));
        std::thread::sleep(Duration::from_millis(300));
        let started = Instant::now();
        let (status, _) = server.sign_in_from(ADMINS_PHONE, "admin", common::ADMIN_PASSWORD);
        let took = started.elapsed();
        (burst.join().unwrap(), (status, took))
    });
    eprintln!(
        "burst: {} checked, {} turned away (429), {} refused (503); admin signed in in {:?}",
        count(&statuses, 401),
        count(&statuses, 429),
        count(&statuses, 503),
        admin.1
    );
    assert_eq!(admin.0, 200);
    assert!(
        admin.1 < Duration::from_secs(1),
        "the admin waited {:?}",
        admin.1
    );
    assert!(count(&statuses, 429) > 0, "the queue is bounded");
}

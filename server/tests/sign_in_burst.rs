//! A burst of wrong sign-ins against the real server on loopback: the server's
//! memory stays bounded (password hashes share one buffer and run one at a time),
//! and throttling answers the excess without hashing.

mod common;

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

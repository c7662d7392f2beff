//! Descriptors the server holds on its store stay bounded whatever the load: its
//! connections come from a pool of a few, reused.

mod common;

use std::net::Ipv4Addr;

use common::Server;

const ADMIN: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);

#[test]
fn a_burst_of_calls_leaves_a_bounded_number_of_descriptors_on_the_store() {
    let server = Server::start();
    let cookie = server.admin_cookie(ADMIN);
    let mut peak = 0;
    std::thread::scope(|scope| {
        let callers: Vec<_> = (0..48u8)
            .map(|i| {
                let cookie = &cookie;
                let server = &server;
                scope.spawn(move || {
                    let from = Ipv4Addr::new(127, 0, 6, i);
                    let mut statuses = Vec::new();
                    for _ in 0..10 {
                        let headers = [
                            ("Cookie", cookie.as_str()),
                            ("Accept", "application/json"),
                            ("Content-Type", "application/x-www-form-urlencoded"),
                        ];
                        let response =
                            server.exchange(Some(from), "POST", "/api/dashboard", &headers, b"");
                        statuses.push(common::status(&response));
                        server.sign_in_from(from, "nobody", "guess");
                    }
                    statuses
                })
            })
            .collect();
        while !callers.iter().all(|c| c.is_finished()) {
            peak = peak.max(server.store_descriptors());
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        for caller in callers {
            let statuses = caller.join().unwrap();
            assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        }
    });
    let after = server.store_descriptors();
    eprintln!("descriptors on the store: peak {peak} during the burst, {after} after");
    // Eight pooled connections of three descriptors each, and the schedule's.
    assert!(peak <= 3 * 9, "peak {peak}");
    assert!(after <= 3 * 9, "after {after}");
}

//! A client's text reaches the log quoted and escaped: a user name with a line
//! break can't forge a log line, nor terminal escape codes reach the terminal.

mod common;

use std::net::Ipv4Addr;

use common::Server;

#[test]
fn a_user_name_cannot_forge_a_log_line_or_pass_escape_codes() {
    let server = Server::start();
    let forged = "2026-12-06T00:00:00.000000Z  INFO reelsync: signed in username=\"admin\"";
    // Form-encoded: a line break, the forged line, then "clear the screen".
    let name = format!(
        "mallory%0A{}%1B%5B2J",
        forged.replace(' ', "+").replace('"', "%22")
    );
    let (status, _) = server.sign_in_from(Ipv4Addr::new(127, 0, 0, 9), &name, "guess");
    assert_eq!(status, 401);
    let log = server.log();
    assert!(log.contains("mallory"), "{log}");
    assert!(
        !log.lines().any(|line| line.starts_with(forged)),
        "a forged line: {log}"
    );
    assert!(!log.contains("\u{1b}[2J"), "an escape code passed: {log:?}");
    assert!(
        log.contains(r"mallory\n2026"),
        "the break is escaped: {log}"
    );
}

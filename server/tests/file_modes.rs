//! The data directory holds password hashes and sessions: the server makes it
//! 0700 and every file in it 0600 when it starts, whatever it found.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Options, Server};

#[test]
fn the_server_closes_its_data_directory_when_it_starts() {
    let server = Server::start_with(Options {
        open_modes: true,
        ..Options::default()
    });
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let data = server.data_dir();
    assert_eq!(mode(data), 0o700, "{}", data.display());
    let files: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("reelsync.sqlite3")),
        "{files:?}"
    );
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

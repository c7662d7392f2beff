//! Under systemd (`Type=notify`, the package's unit), the server says it is
//! ready once its port is open, and that it is stopping when told to stop.

mod common;

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use common::{Options, Server};

#[test]
fn the_server_tells_systemd_it_is_ready_then_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let server = Server::start_with(Options {
        env: vec![("NOTIFY_SOCKET".into(), socket_path)],
        ..Options::default()
    });
    let mut message = [0u8; 256];
    let n = socket.recv(&mut message).unwrap();
    assert_eq!(&message[..n], b"READY=1\n");
    // The port was open by then: the server answers.
    assert_eq!(server.send("GET", "/login", &[], b""), 200);

    // SIGTERM, as `systemctl stop` sends.
    // SAFETY: kill(2) on the child's pid, which the test owns.
    assert_eq!(
        unsafe { libc::kill(server.pid() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let n = socket.recv(&mut message).unwrap();
    assert_eq!(&message[..n], b"STOPPING=1\n");
}

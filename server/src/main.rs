//! `reelsync`: keeps a paper mill's warehouse file and its sales office's store in
//! step. See the README for what it does and how to run it.
//!
//! This file only parses the command line and hands over: `serve` to [`web`], every
//! other command to [`cli`].

mod cli;
mod scheduler;
mod web;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Whatever reelsync creates (its store, run lock, snapshots, a demo
    // warehouse) is for its own user only: the store holds password hashes and
    // sessions.
    // SAFETY: `umask` only sets the process's file-creation mask; it can't fail.
    unsafe {
        libc::umask(0o077);
    }
    let cli = cli::Cli::parse_or_exit();
    // The server logs what it does; a one-shot command's output is its result, so
    // only warnings join it on stderr.
    let level = match cli.command {
        cli::Command::Serve(_) => "info",
        _ => "warn",
    };
    init_tracing(level);
    cli::run(cli)
}

/// Logs to stderr; `RUST_LOG` overrides the default level.
fn init_tracing(default_level: &str) {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| default_level.into()))
        .with_writer(std::io::stderr)
        .init();
}

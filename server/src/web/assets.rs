//! The built site's files: which names the pages link to, whether they are all
//! there, and how long a browser may keep them.
//!
//! A release build (`cargo leptos build --release --precompress`) names the wasm
//! and JS after their content (`reelsync.<hash>.wasm`), writes those names to
//! `hash.txt` beside the binary, and puts a brotli and a gzip copy beside each
//! file; leptos_axum's file handler serves the copy the browser accepts. A file
//! whose name carries its hash never changes, so browsers keep it for a year
//! without asking; everything else is revalidated or not stored at all.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use leptos::config::LeptosOptions;

/// `Cache-Control` of a file named after its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the other static files: kept, but revalidated on every use,
/// so an upgrade shows at once.
const REVALIDATE: &str = "no-cache";
/// `Cache-Control` of the site root's own files (`public/`): kept for a day, so
/// moving between pages does not ask for the icon again.
const A_DAY: &str = "public, max-age=86400";
/// The files `public/` puts in the site root, as requested.
const SITE_ROOT_FILES: &[&str] = &["/favicon.svg"];
/// `Cache-Control` of pages and server-function answers: live figures, never kept.
const NO_STORE: &str = "no-store";

/// Where the server finds where a build put its file hashes (Leptos reads it from
/// beside the running binary).
pub fn hash_file(options: &LeptosOptions) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding the running binary")?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    Ok(dir.join(options.hash_file.as_ref()))
}

/// Fails unless the wasm and JS the pages will link to are in the site root:
/// better a clear message at start than pages that never become interactive.
pub fn check_site(options: &LeptosOptions) -> anyhow::Result<()> {
    let hashes = if options.hash_files {
        let path = hash_file(options)?;
        std::fs::read_to_string(&path)
            .with_context(|| format!("reading the build's file hashes {}", path.display()))?
    } else {
        String::new()
    };
    let pkg = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    for name in linked_files(&options.output_name, &hashes) {
        if !pkg.join(&name).is_file() {
            bail!(
                "the site in {} lacks {name}: it is not the build of this binary \
                 (copy the binary, its hash.txt and the site from the same build)",
                Path::new(options.site_root.as_ref()).display()
            );
        }
    }
    Ok(())
}

/// The names of the JS and wasm files the pages link to, given the build's
/// `hash.txt` (empty when files are not hashed). The style sheet is in the pages.
fn linked_files(output_name: &str, hashes: &str) -> Vec<String> {
    let hash_of = |kind: &str| {
        hashes
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim() == kind)
            .map(|(_, hash)| format!(".{}", hash.trim()))
    };
    // Leptos adds `_bg` to an unhashed wasm's name only when LEPTOS_OUTPUT_NAME was
    // unset at build time; .cargo/config.toml always sets it.
    [
        format!("{output_name}{}.js", hash_of("js").unwrap_or_default()),
        format!("{output_name}{}.wasm", hash_of("wasm").unwrap_or_default()),
    ]
    .into()
}

/// How long a browser may keep the answer to a request for `path`.
pub fn cache_control(path: &str) -> &'static str {
    match path.strip_prefix(super::PKG_PREFIX) {
        Some(file) if is_named_by_content(file) => IMMUTABLE,
        Some(_) => REVALIDATE,
        None if SITE_ROOT_FILES.contains(&path) => A_DAY,
        None => NO_STORE,
    }
}

/// Whether a file's name carries its content hash, as cargo-leptos writes it: a
/// 22-character base64url segment (an MD5) before the extension.
fn is_named_by_content(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    let mut segments = name.rsplit('.');
    let _extension = segments.next();
    segments.next().is_some_and(|hash| {
        hash.len() == 22
            && hash
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_named_by_their_content_are_immutable() {
        assert_eq!(
            cache_control("/pkg/reelsync.q3WJbCk0Xh_-5mTTuZ7bLg.wasm"),
            IMMUTABLE
        );
        assert_eq!(
            cache_control("/pkg/reelsync.q3WJbCk0Xh_-5mTTuZ7bLg.css"),
            IMMUTABLE
        );
        assert_eq!(cache_control("/pkg/reelsync.wasm"), REVALIDATE);
        assert_eq!(cache_control("/pkg/reelsync.js"), REVALIDATE);
        assert_eq!(
            cache_control("/pkg/reelsync.tooshort.js"),
            REVALIDATE,
            "only a hash-length segment counts"
        );
        assert_eq!(cache_control("/favicon.svg"), A_DAY);
        assert_eq!(cache_control("/favicon.svg/x"), NO_STORE);
        assert_eq!(cache_control("/"), NO_STORE);
        assert_eq!(
            cache_control("/runs/reelsync.q3WJbCk0Xh_-5mTTuZ7bLg.css"),
            NO_STORE,
            "outside /pkg/ nothing is kept"
        );
    }

    #[test]
    fn every_file_of_public_is_kept_a_day() {
        let public = Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
        for entry in std::fs::read_dir(public).unwrap() {
            let name = entry.unwrap().file_name();
            let path = format!("/{}", name.to_string_lossy());
            assert_eq!(cache_control(&path), A_DAY, "{path}");
        }
    }

    #[test]
    fn the_linked_names_follow_the_builds_hashes() {
        let hashes = "js: AAAAAAAAAAAAAAAAAAAAAA\nwasm: BBBBBBBBBBBBBBBBBBBBBB\n";
        assert_eq!(
            linked_files("reelsync", hashes),
            [
                "reelsync.AAAAAAAAAAAAAAAAAAAAAA.js",
                "reelsync.BBBBBBBBBBBBBBBBBBBBBB.wasm",
            ]
        );
        assert_eq!(
            linked_files("reelsync", ""),
            ["reelsync.js", "reelsync.wasm"]
        );
    }

    #[test]
    fn a_site_from_another_build_is_refused_at_start() {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        let options = LeptosOptions::builder()
            .output_name("reelsync")
            .site_root(site.path().to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .build();
        let err = check_site(&options).unwrap_err().to_string();
        assert!(err.contains("lacks reelsync.js"), "{err}");

        for name in ["reelsync.js", "reelsync.wasm"] {
            std::fs::write(pkg.join(name), "").unwrap();
        }
        check_site(&options).unwrap();
    }
}

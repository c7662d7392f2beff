//! The data directory's permissions: the store holds password hashes and
//! sessions, so only reelsync's own user may read it.

use std::path::Path;

use crate::error::{Error, Result};

/// The data directory's mode, and every directory's in it.
pub const DIR_MODE: u32 = 0o700;
/// Every file's mode in the data directory.
pub const FILE_MODE: u32 = 0o600;

/// Makes `data_dir` and every directory in it [`DIR_MODE`], and every file
/// [`FILE_MODE`]: at its creation, and each time the store is opened, so a
/// directory made before (0755 and 0644 under the usual umask) is closed too.
/// Symbolic links are left alone, and so is what they point at.
pub fn restrict(data_dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|source| {
            Error::Io {
                context: format!("cannot restrict the permissions of {}", path.display()),
                source,
            }
        })
    };
    set(data_dir, DIR_MODE)?;
    let entries = std::fs::read_dir(data_dir).map_err(|source| Error::Io {
        context: format!("cannot list data directory {}", data_dir.display()),
        source,
    })?;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            restrict(&path)?;
        } else if kind.is_file() {
            let mode = entry.metadata().map(|m| m.permissions().mode() & 0o777);
            if mode.is_ok_and(|mode| mode != FILE_MODE) {
                set(&path, FILE_MODE)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_open_data_directory_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("snapshots")).unwrap();
        std::fs::write(data.join("reelsync.sqlite3"), "").unwrap();
        std::fs::write(data.join("snapshots/one.sqlite3"), "").unwrap();
        for path in [&data, &data.join("snapshots")] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        restrict(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("snapshots")), 0o700);
        assert_eq!(mode(&data.join("reelsync.sqlite3")), 0o600);
        assert_eq!(mode(&data.join("snapshots/one.sqlite3")), 0o600);
    }
}

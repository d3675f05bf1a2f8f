//! The data directory belongs to one portal process at a time.
//!
//! The mock store's journal numbers new cases from what it replayed at start-up, and the audit
//! log is appended by one writer: two processes on one data directory would hand out the same
//! case numbers and interleave their writes. So start-up takes an exclusive lock on
//! `<data_dir>/portal.lock` and refuses to start while another process holds it. The operating
//! system releases the lock when the process ends, however it ends (`kill -9` included), so a
//! crash never leaves a stale lock to remove by hand.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A write to the data directory failed for want of room: the disk is full (`ENOSPC`), a
/// file reached the size limit the process runs under (`EFBIG`), or the user's quota is spent
/// (`EDQUOT`). Unlike other I/O errors this is the operator's to fix and passes when space is
/// freed, so a request that hits it is told to retry later (503), not that the portal broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the data directory is full ({0})")]
pub struct DataDirFull(pub io::ErrorKind);

impl DataDirFull {
    /// Whether an I/O error is one of running out of room.
    pub fn from_io(err: &io::Error) -> Option<Self> {
        use io::ErrorKind as K;
        matches!(
            err.kind(),
            K::StorageFull | K::FileTooLarge | K::QuotaExceeded
        )
        .then(|| Self(err.kind()))
    }

    /// The first error in `err`'s chain that says the data directory is full.
    pub fn find(err: &anyhow::Error) -> Option<Self> {
        err.chain().find_map(|cause| {
            cause
                .downcast_ref::<Self>()
                .copied()
                .or_else(|| cause.downcast_ref::<io::Error>().and_then(Self::from_io))
        })
    }
}

/// The lock file's name inside the data directory.
pub const LOCK_FILE: &str = "portal.lock";

/// Held for the life of the process; dropping it releases the data directory.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

impl DataDirLock {
    /// Creates the data directory if needed and locks it, or says which process to stop.
    pub fn acquire(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {holder})")
                };
                bail!(
                    "the data directory {} is in use by another portal process{holder}: it holds \
                     the lock on {}. Stop that process, or give this one its own data_dir \
                     (PORTAL_DATA_DIR)",
                    data_dir.display(),
                    path.display()
                );
            }
            Err(TryLockError::Error(err)) => {
                return Err(err).with_context(|| format!("locking {}", path.display()));
            }
        }
        // For the operator who finds the directory busy: which process holds it.
        file.set_len(0)
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(Self { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        let err = DataDirLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(err.contains("in use by another portal process"), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again");
    }
}

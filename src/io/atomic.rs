//! Atomic file output: write to a temporary file beside the target, fsync, rename. A crash
//! or kill at any point leaves either the old file or the complete new one, never a part.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file that appears under its final name only when [`AtomicFile::commit`] succeeds.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: PathBuf,
    target: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` (through a hidden temporary file in the same directory).
    pub fn create(target: &Path) -> Result<Self> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(Error::io(
                target,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("directory '{}' does not exist", dir.display()),
                ),
            ));
        }
        // Renaming would replace a read-only file or fail on a directory only at the end,
        // after all the work: refuse both now.
        if let Ok(meta) = std::fs::metadata(target) {
            let problem = if meta.is_dir() {
                Some((std::io::ErrorKind::InvalidInput, "is a directory"))
            } else if meta.permissions().readonly() {
                Some((
                    std::io::ErrorKind::PermissionDenied,
                    "the file is read-only; not replacing it",
                ))
            } else {
                None
            };
            if let Some((kind, message)) = problem {
                return Err(Error::io(target, std::io::Error::new(kind, message)));
            }
        }
        let name = target
            .file_name()
            .ok_or_else(|| Error::Settings(format!("'{}' is not a file path", target.display())))?;
        let tmp = dir.join(format!(
            ".{}.tmp{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::create(&tmp).map_err(|e| Error::io(target, e))?;
        Ok(AtomicFile {
            tmp,
            target: target.to_path_buf(),
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let file = self.file.take().expect("not yet committed");
        let file = file
            .into_inner()
            .map_err(|e| Error::io(&self.target, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.target, e))?;
        std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable; not all platforms allow opening a directory.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().expect("not yet committed").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().expect("not yet committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"partial").unwrap();
        assert!(!target.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"partial");
    }

    #[test]
    fn dropping_uncommitted_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m.stance");
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn refuses_to_replace_a_read_only_file_or_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("kept.csv");
        std::fs::write(&target, b"old").unwrap();
        let mut perms = std::fs::metadata(&target).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&target, perms).unwrap();
        let err = AtomicFile::create(&target).unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        let err = AtomicFile::create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
    }

    #[test]
    fn missing_directory_is_a_clear_error() {
        let err = AtomicFile::create(Path::new("/nonexistent-dir-xyz/out.csv")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}

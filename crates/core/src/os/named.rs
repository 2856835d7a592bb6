use std::io;

use super::Mapping;

/// Longest name of a [`NamedSegment`]: macOS keeps 31 bytes of a POSIX shared
/// memory name, the leading '/' included.
pub const MAX_NAME_LEN: usize = 30;

/// Shared memory any process of this user finds by its name (Python's
/// `multiprocessing.shared_memory.SharedMemory`), zero-filled at creation.
///
/// POSIX (Linux: a file in /dev/shm): `shm_open("/" + name)` with mode 0600;
/// the name stays until [`unlink`], the memory while a process maps it. The
/// file descriptor is closed once mapped (the mapping does not need it).
///
/// Windows: a page-file-backed mapping named `name` in this session's
/// namespace, as Python's; it ends with its last handle, so a name outlives
/// every process that held it only on POSIX, and [`unlink`] does nothing.
pub struct NamedSegment {
  mapping: Mapping,
  #[cfg(windows)]
  _handle: super::win::Handle,
}

impl NamedSegment {
  /// A new segment of `len` bytes (at least 1) called `name`; fails with
  /// `AlreadyExists` if the name is taken.
  pub fn create(name: &str, len: usize) -> io::Result<Self> {
    check_name(name)?;
    if len == 0 {
      return Err(io::Error::new(io::ErrorKind::InvalidInput, "a shared memory segment needs a size of at least 1 byte"));
    }
    imp::create(name, len).map_err(|error| named(error, name))
  }

  /// Maps the existing segment `name`, whole; fails with `NotFound` if there is none.
  pub fn attach(name: &str) -> io::Result<Self> {
    check_name(name)?;
    imp::attach(name).map_err(|error| named(error, name))
  }

  /// Its bytes. POSIX: exactly the size it was created with (macOS may round
  /// it up to whole pages); Windows: whole pages.
  pub fn mapping(&self) -> &Mapping {
    &self.mapping
  }
}

/// Removes the name `name`: no process can attach to it any more, while those
/// that have it mapped keep their memory. `NotFound` if there is no such
/// segment. Windows: a mapping ends with its last handle; nothing to remove.
pub fn unlink(name: &str) -> io::Result<()> {
  check_name(name)?;
  imp::unlink(name).map_err(|error| named(error, name))
}

/// Checks `name` suits every OS: 1 to [`MAX_NAME_LEN`] bytes of letters,
/// digits, '_', '-' and '.', not starting with '.' or '-'.
pub fn check_name(name: &str) -> io::Result<()> {
  let invalid = |why: String| Err(io::Error::new(io::ErrorKind::InvalidInput, format!("shared memory name {name:?} {why}")));
  if name.is_empty() {
    return invalid("is empty".into());
  }
  if name.len() > MAX_NAME_LEN {
    return invalid(format!("is {} bytes long; names are at most {MAX_NAME_LEN} bytes (macOS's limit)", name.len()));
  }
  let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
  if !name.chars().all(allowed) || name.starts_with(['.', '-']) {
    return invalid("may hold only letters, digits, '_', '-' and '.', and must not start with '.' or '-'".into());
  }
  Ok(())
}

/// `error` with the segment's name in its message, its kind kept.
fn named(error: io::Error, name: &str) -> io::Error {
  let what = match error.kind() {
    io::ErrorKind::AlreadyExists => format!("a shared memory segment named {name:?} already exists"),
    io::ErrorKind::NotFound => format!("no shared memory segment named {name:?} exists"),
    io::ErrorKind::PermissionDenied => format!("shared memory segment {name:?} belongs to another user"),
    _ => format!("shared memory segment {name:?}: {error}"),
  };
  io::Error::new(error.kind(), what)
}

#[cfg(unix)]
mod imp {
  use std::io;
  use std::os::fd::AsFd;

  use super::super::posix::{fd_stat, shm_open, sized};
  use super::{Mapping, NamedSegment};

  fn os_name(name: &str) -> String {
    format!("/{name}")
  }

  pub fn create(name: &str, len: usize) -> io::Result<NamedSegment> {
    let fd = shm_open(&os_name(name), libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?;
    let mapped = sized(fd, len).and_then(|fd| Mapping::map_fd(fd.as_fd(), len));
    if mapped.is_err() {
      // Ours since O_EXCL: nobody else may find a segment we could not size.
      let _ = unlink(name);
    }
    Ok(NamedSegment { mapping: mapped? })
  }

  pub fn attach(name: &str) -> io::Result<NamedSegment> {
    let fd = shm_open(&os_name(name), libc::O_RDWR)?;
    let len = fd_stat(&fd)?.st_size as usize;
    Ok(NamedSegment { mapping: Mapping::map_fd(fd.as_fd(), len)? })
  }

  pub fn unlink(name: &str) -> io::Result<()> {
    let c_name = std::ffi::CString::new(os_name(name)).expect("checked names hold no NUL");
    // SAFETY: plain shm_unlink of a NUL-terminated name.
    if unsafe { libc::shm_unlink(c_name.as_ptr()) } != 0 {
      return Err(io::Error::last_os_error());
    }
    Ok(())
  }
}

#[cfg(windows)]
mod imp {
  use std::io;

  use super::super::win::{create_mapping, open_mapping};
  use super::{Mapping, NamedSegment};

  pub fn create(name: &str, len: usize) -> io::Result<NamedSegment> {
    let handle = create_mapping(name, len)?;
    let mapping = Mapping::map_handle(handle.0, len)?;
    Ok(NamedSegment { mapping, _handle: handle })
  }

  pub fn attach(name: &str) -> io::Result<NamedSegment> {
    let handle = open_mapping(name)?;
    let mapping = Mapping::map_whole_handle(handle.0)?;
    Ok(NamedSegment { mapping, _handle: handle })
  }

  pub fn unlink(_name: &str) -> io::Result<()> {
    Ok(())
  }
}

//! What the POSIX segments ([`super::Segment`] on macOS, [`super::NamedSegment`])
//! have in common: `shm_open` with owner-only permissions, sizing, `fstat`.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `shm_open(name, flags)` with mode 0600 (as Python's): other users cannot
/// open it. `name` is the OS name, leading '/' included.
pub fn shm_open(name: &str, flags: libc::c_int) -> io::Result<OwnedFd> {
  let c_name = CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("a shared memory name cannot hold NUL: {name:?}")))?;
  // SAFETY: plain shm_open; the fd is owned from here on.
  let fd = unsafe { libc::shm_open(c_name.as_ptr(), flags, 0o600 as libc::c_uint) };
  if fd < 0 {
    return Err(io::Error::last_os_error());
  }
  Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn fd_stat(fd: &OwnedFd) -> io::Result<libc::stat> {
  // SAFETY: fstat into a zeroed struct on an fd we own.
  let mut stat: libc::stat = unsafe { std::mem::zeroed() };
  if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } != 0 {
    return Err(io::Error::last_os_error());
  }
  Ok(stat)
}

/// Sets the length of the fresh object behind `fd` (its new bytes read as zero).
pub fn sized(fd: OwnedFd, len: usize) -> io::Result<OwnedFd> {
  // SAFETY: resizes the fresh object behind an fd we own.
  if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
    return Err(io::Error::last_os_error());
  }
  Ok(fd)
}

use std::io;

use super::Mapping;

/// Anonymous shared memory that other processes of this user can map by a
/// token (a short string sent to them), zero-filled at creation.
///
/// Nothing of it outlives the processes that hold it, however they end, where
/// the OS allows: Linux keeps it in a `memfd` (no name anywhere; another
/// process opens `/proc/<pid>/fd/<fd>` of a process that holds it, as
/// CPython's spawn context passes its heap's fd), Windows in a page-file
/// mapping whose name goes with its last handle. macOS has neither: the
/// segment has a `shm_open` name for its lifetime.
pub struct Segment {
  mapping: Mapping,
  token: String,
  #[cfg(unix)]
  _fd: std::os::fd::OwnedFd,
  #[cfg(windows)]
  _handle: super::win::Handle,
}

impl Segment {
  /// A new zero-filled segment of `len` bytes.
  pub fn create(len: usize) -> io::Result<Self> {
    imp::create(len)
  }

  /// Maps the segment `token` names (from [`Segment::token`] in any process
  /// that still holds it).
  pub fn attach(token: &str) -> io::Result<Self> {
    imp::attach(token)
  }

  /// How another process attaches: valid while this process holds the segment.
  pub fn token(&self) -> &str {
    &self.token
  }

  pub fn mapping(&self) -> &Mapping {
    &self.mapping
  }
}

fn bad_token(token: &str) -> io::Error {
  io::Error::new(io::ErrorKind::InvalidInput, format!("not a shared memory token: {token:?}"))
}

#[cfg(target_os = "linux")]
mod imp {
  use std::ffi::CString;
  use std::io;
  use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

  use super::super::posix::{fd_stat, sized};
  use super::{bad_token, Mapping, Segment};

  /// The token is "pid/fd/inode": fd numbers are reused once closed, the
  /// inode tells whether the fd still is this segment.
  fn from_fd(fd: OwnedFd, len: usize) -> io::Result<Segment> {
    let mapping = Mapping::map_fd(fd.as_fd(), len)?;
    let token = format!("{}/{}/{}", std::process::id(), fd.as_raw_fd(), fd_stat(&fd)?.st_ino);
    Ok(Segment { mapping, token, _fd: fd })
  }

  pub fn create(len: usize) -> io::Result<Segment> {
    // SAFETY: plain syscall; the fd is owned from here on.
    let fd = unsafe { libc::memfd_create(c"multiproc".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
      return Err(io::Error::last_os_error());
    }
    let fd = sized(unsafe { OwnedFd::from_raw_fd(fd) }, len)?;
    from_fd(fd, len)
  }

  pub fn attach(token: &str) -> io::Result<Segment> {
    let mut parts = token.split('/');
    let (Some(pid), Some(fd), Some(ino), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
      return Err(bad_token(token));
    };
    let (Ok(pid), Ok(fd), Ok(ino)) = (pid.parse::<u32>(), fd.parse::<i32>(), ino.parse::<u64>()) else {
      return Err(bad_token(token));
    };
    let path = CString::new(format!("/proc/{pid}/fd/{fd}")).expect("no NUL in a formatted path");
    // SAFETY: plain open; the fd is owned from here on.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
      return Err(io::Error::last_os_error());
    }
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let stat = fd_stat(&fd)?;
    if stat.st_ino as u64 != ino {
      return Err(io::Error::new(io::ErrorKind::NotFound, format!("shared memory {token} is gone (its process closed it)")));
    }
    from_fd(fd, stat.st_size as usize)
  }
}

#[cfg(all(unix, not(target_os = "linux")))]
mod imp {
  use std::io;
  use std::os::fd::AsFd;
  use std::sync::atomic::{AtomicU32, Ordering};

  use super::super::posix::{fd_stat, shm_open, sized};
  use super::{bad_token, Mapping, Segment};

  static NEXT: AtomicU32 = AtomicU32::new(0);

  pub fn create(len: usize) -> io::Result<Segment> {
    // Short: macOS allows 31 bytes.
    let name = format!("/mp.{}.{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let fd = sized(shm_open(&name, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?, len)?;
    let mapping = Mapping::map_fd(fd.as_fd(), len)?;
    Ok(Segment { mapping, token: name, _fd: fd })
  }

  pub fn attach(token: &str) -> io::Result<Segment> {
    if !token.starts_with("/mp.") {
      return Err(bad_token(token));
    }
    let fd = shm_open(token, libc::O_RDWR)?;
    let len = fd_stat(&fd)?.st_size as usize;
    let mapping = Mapping::map_fd(fd.as_fd(), len)?;
    Ok(Segment { mapping, token: token.to_owned(), _fd: fd })
  }
}

#[cfg(windows)]
mod imp {
  use std::io;
  use std::sync::atomic::{AtomicU32, Ordering};

  use super::super::win::{create_mapping, open_mapping};
  use super::{bad_token, Mapping, Segment};

  static NEXT: AtomicU32 = AtomicU32::new(0);

  // The token is "<mapping name>:<length>": a mapping does not tell its size.
  pub fn create(len: usize) -> io::Result<Segment> {
    let name = format!("Local\\multiproc-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let handle = create_mapping(&name, len)?;
    let mapping = Mapping::map_handle(handle.0, len)?;
    Ok(Segment { mapping, token: format!("{name}:{len}"), _handle: handle })
  }

  pub fn attach(token: &str) -> io::Result<Segment> {
    let (name, len) = token.rsplit_once(':').ok_or_else(|| bad_token(token))?;
    let len: usize = len.parse().map_err(|_| bad_token(token))?;
    let handle = open_mapping(name)?;
    let mapping = Mapping::map_handle(handle.0, len)?;
    Ok(Segment { mapping, token: token.to_owned(), _handle: handle })
  }
}

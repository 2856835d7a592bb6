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
  _handle: imp::Handle,
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

#[cfg(unix)]
fn fd_stat(fd: &std::os::fd::OwnedFd) -> io::Result<libc::stat> {
  use std::os::fd::AsRawFd;
  // SAFETY: fstat into a zeroed struct on an fd we own.
  let mut stat: libc::stat = unsafe { std::mem::zeroed() };
  if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } != 0 {
    return Err(io::Error::last_os_error());
  }
  Ok(stat)
}

#[cfg(unix)]
fn sized(fd: std::os::fd::OwnedFd, len: usize) -> io::Result<std::os::fd::OwnedFd> {
  use std::os::fd::AsRawFd;
  // SAFETY: resizes the fresh object behind an fd we own.
  if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
    return Err(io::Error::last_os_error());
  }
  Ok(fd)
}

#[cfg(target_os = "linux")]
mod imp {
  use std::ffi::CString;
  use std::io;
  use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

  use super::{bad_token, fd_stat, sized, Mapping, Segment};

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
  use std::ffi::CString;
  use std::io;
  use std::os::fd::{AsFd, FromRawFd, OwnedFd};
  use std::sync::atomic::{AtomicU32, Ordering};

  use super::{bad_token, fd_stat, sized, Mapping, Segment};

  static NEXT: AtomicU32 = AtomicU32::new(0);

  fn open(name: &str, flags: libc::c_int) -> io::Result<OwnedFd> {
    let c_name = CString::new(name).map_err(|_| bad_token(name))?;
    // SAFETY: plain shm_open; the fd is owned from here on.
    let fd = unsafe { libc::shm_open(c_name.as_ptr(), flags, 0o600 as libc::c_uint) };
    if fd < 0 {
      return Err(io::Error::last_os_error());
    }
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
  }

  pub fn create(len: usize) -> io::Result<Segment> {
    // Short: macOS allows 31 bytes.
    let name = format!("/mp.{}.{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let fd = sized(open(&name, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?, len)?;
    let mapping = Mapping::map_fd(fd.as_fd(), len)?;
    Ok(Segment { mapping, token: name, _fd: fd })
  }

  pub fn attach(token: &str) -> io::Result<Segment> {
    if !token.starts_with("/mp.") {
      return Err(bad_token(token));
    }
    let fd = open(token, libc::O_RDWR)?;
    let len = fd_stat(&fd)?.st_size as usize;
    let mapping = Mapping::map_fd(fd.as_fd(), len)?;
    Ok(Segment { mapping, token: token.to_owned(), _fd: fd })
  }
}

#[cfg(windows)]
mod imp {
  use std::io;
  use std::sync::atomic::{AtomicU32, Ordering};

  use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE};
  use windows_sys::Win32::System::Memory::{CreateFileMappingW, OpenFileMappingW, FILE_MAP_ALL_ACCESS, PAGE_READWRITE};

  use super::{bad_token, Mapping, Segment};

  static NEXT: AtomicU32 = AtomicU32::new(0);

  /// A file-mapping handle, closed on drop (the mapping ends with its last handle).
  pub struct Handle(HANDLE);

  // SAFETY: a kernel handle may be used and closed from any thread.
  unsafe impl Send for Handle {}
  unsafe impl Sync for Handle {}

  impl Drop for Handle {
    fn drop(&mut self) {
      // SAFETY: closes the handle this value owns.
      unsafe { CloseHandle(self.0) };
    }
  }

  fn wide(name: &str) -> Vec<u16> {
    name.encode_utf16().chain(std::iter::once(0)).collect()
  }

  // The token is "<mapping name>:<length>": a mapping does not tell its size.
  pub fn create(len: usize) -> io::Result<Segment> {
    let name = format!("Local\\multiproc-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let size = len.max(1) as u64;
    // SAFETY: a new page-file-backed mapping; the handle is owned from here on.
    let handle = unsafe {
      CreateFileMappingW(INVALID_HANDLE_VALUE, std::ptr::null(), PAGE_READWRITE, (size >> 32) as u32, size as u32, wide(&name).as_ptr())
    };
    if handle.is_null() {
      return Err(io::Error::last_os_error());
    }
    let handle = Handle(handle);
    let mapping = Mapping::map_handle(handle.0, len)?;
    Ok(Segment { mapping, token: format!("{name}:{len}"), _handle: handle })
  }

  pub fn attach(token: &str) -> io::Result<Segment> {
    let (name, len) = token.rsplit_once(':').ok_or_else(|| bad_token(token))?;
    let len: usize = len.parse().map_err(|_| bad_token(token))?;
    // SAFETY: opens an existing mapping by name; the handle is owned from here on.
    let handle = unsafe { OpenFileMappingW(FILE_MAP_ALL_ACCESS, 0, wide(name).as_ptr()) };
    if handle.is_null() {
      return Err(io::Error::last_os_error());
    }
    let handle = Handle(handle);
    let mapping = Mapping::map_handle(handle.0, len)?;
    Ok(Segment { mapping, token: token.to_owned(), _handle: handle })
  }
}

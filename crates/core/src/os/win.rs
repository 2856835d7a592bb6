//! What the Windows segments ([`super::Segment`], [`super::NamedSegment`])
//! have in common: page-file-backed file mappings by name.

use std::io;

use windows_sys::Win32::Foundation::{CloseHandle, GetLastError, ERROR_ALREADY_EXISTS, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::System::Memory::{CreateFileMappingW, OpenFileMappingW, FILE_MAP_ALL_ACCESS, PAGE_READWRITE};

/// A file-mapping handle, closed on drop (the mapping ends with its last
/// handle or view).
pub struct Handle(pub HANDLE);

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

/// A new zero-filled mapping of `len` bytes named `name`, with the default
/// security of this process's token (its user, SYSTEM and administrators).
/// `AlreadyExists` if the name is taken.
pub fn create_mapping(name: &str, len: usize) -> io::Result<Handle> {
  let size = len.max(1) as u64;
  // SAFETY: a new page-file-backed mapping; the handle is owned from here on.
  let handle = unsafe {
    CreateFileMappingW(INVALID_HANDLE_VALUE, std::ptr::null(), PAGE_READWRITE, (size >> 32) as u32, size as u32, wide(name).as_ptr())
  };
  // Read before anything else can overwrite the thread's last error.
  let existed = unsafe { GetLastError() } == ERROR_ALREADY_EXISTS;
  if handle.is_null() {
    return Err(io::Error::last_os_error());
  }
  let handle = Handle(handle);
  if existed {
    // A handle on someone else's mapping: dropped, which leaves it as it was.
    return Err(io::Error::from_raw_os_error(ERROR_ALREADY_EXISTS as i32));
  }
  Ok(handle)
}

/// The existing mapping named `name`.
pub fn open_mapping(name: &str) -> io::Result<Handle> {
  // SAFETY: opens an existing mapping by name; the handle is owned from here on.
  let handle = unsafe { OpenFileMappingW(FILE_MAP_ALL_ACCESS, 0, wide(name).as_ptr()) };
  if handle.is_null() {
    return Err(io::Error::last_os_error());
  }
  Ok(Handle(handle))
}

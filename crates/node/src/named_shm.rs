//! Named shared memory (`SharedMemory`): one segment mapping per JS handle,
//! plus, on POSIX, this process's end of its program's resource tracker pipe
//! (see `multiproc_core::os::tracker`).

use std::io;
use std::sync::Arc;

use multiproc_core::os::{named, NamedSegment};
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use parking_lot::Mutex;

use crate::shared;

/// An OS error for JS: `code` as Node's fs errors have it, the core's message.
fn os_error(error: io::Error) -> Error<&'static str> {
  let code = match error.kind() {
    io::ErrorKind::AlreadyExists => "EEXIST",
    io::ErrorKind::NotFound => "ENOENT",
    io::ErrorKind::PermissionDenied => "EACCES",
    io::ErrorKind::InvalidInput => "EINVAL",
    _ => "EIO",
  };
  Error::new(code, error.to_string())
}

/// The mapping, shared by the handle and its ArrayBuffer's finalizer (so
/// either may go first); `None` once closed.
type Slot = Arc<Mutex<Option<NamedSegment>>>;

/// One process's mapping of a named segment. JS sees the bytes through the
/// one ArrayBuffer `view()` returns; `close()` detaches it, then unmaps, so JS
/// still holding a view reads an empty buffer instead of freed memory.
#[napi(custom_finalize)]
pub struct NativeNamedSegment {
  slot: Slot,
  size: f64,
  /// Weak reference to the ArrayBuffer over the mapping (null: none yet).
  buffer: sys::napi_ref,
}

impl NativeNamedSegment {
  fn new(segment: NamedSegment) -> Self {
    let size = segment.mapping().len() as f64;
    Self { slot: Arc::new(Mutex::new(Some(segment))), size, buffer: std::ptr::null_mut() }
  }

  /// The ArrayBuffer `buffer` refers to, if it is still alive.
  fn live_buffer(&self, env: &Env) -> Option<sys::napi_value> {
    if self.buffer.is_null() {
      return None;
    }
    let mut value = std::ptr::null_mut();
    // SAFETY: a reference this object created in this env; null once collected.
    let status = unsafe { sys::napi_get_reference_value(env.raw(), self.buffer, &mut value) };
    (status == sys::Status::napi_ok && !value.is_null()).then_some(value)
  }

  fn drop_reference(&mut self, env: &Env) {
    if !self.buffer.is_null() {
      // SAFETY: deletes the reference this object created, once.
      unsafe { sys::napi_delete_reference(env.raw(), self.buffer) };
      self.buffer = std::ptr::null_mut();
    }
  }
}

#[napi]
impl NativeNamedSegment {
  /// Creates segment `name` of `size` bytes (a positive integer, checked by
  /// the caller), readable and writable by this user only.
  #[napi(factory)]
  pub fn create(name: String, size: f64) -> Result<Self, &'static str> {
    NamedSegment::create(&name, size as usize).map(Self::new).map_err(os_error)
  }

  /// Maps the existing segment `name`.
  #[napi(factory)]
  pub fn attach(name: String) -> Result<Self, &'static str> {
    NamedSegment::attach(&name).map(Self::new).map_err(os_error)
  }

  /// Its size in bytes.
  #[napi(getter)]
  pub fn size(&self) -> f64 {
    self.size
  }

  /// The ArrayBuffer over the segment's bytes (no copy): the same one while
  /// it lives. Throws once closed.
  #[napi(ts_return_type = "ArrayBuffer")]
  pub fn view(&mut self, env: Env) -> Result<Unknown<'static>> {
    if let Some(value) = self.live_buffer(&env) {
      return Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) });
    }
    let guard = self.slot.lock();
    let segment = guard.as_ref().ok_or_else(|| Error::new(Status::InvalidArg, "this shared memory handle is closed"))?;
    let mapping = segment.mapping();
    let buffer = shared::external_buffer(&env, mapping.as_ptr(), mapping.len(), Box::new(self.slot.clone()))?;
    drop(guard);
    self.drop_reference(&env);
    // SAFETY: a weak reference (count 0) to the buffer just made, in this env.
    let status = unsafe { sys::napi_create_reference(env.raw(), buffer.raw(), 0, &mut self.buffer) };
    if status != sys::Status::napi_ok {
      return Err(Error::new(Status::GenericFailure, "could not keep track of the shared memory's ArrayBuffer"));
    }
    Ok(buffer)
  }

  /// Detaches the ArrayBuffer (every view of it reads as empty from now on),
  /// then unmaps. Idempotent.
  #[napi]
  pub fn close(&mut self, env: Env) -> Result<()> {
    if let Some(value) = self.live_buffer(&env) {
      // SAFETY: an external ArrayBuffer this object created; detaching is
      // what makes unmapping below safe while JS still holds views.
      let status = unsafe { sys::napi_detach_arraybuffer(env.raw(), value) };
      if status != sys::Status::napi_ok {
        return Err(Error::new(Status::GenericFailure, "could not detach the shared memory's ArrayBuffer; it stays mapped"));
      }
    }
    self.drop_reference(&env);
    self.slot.lock().take();
    Ok(())
  }
}

impl ObjectFinalize for NativeNamedSegment {
  fn finalize(mut self, env: Env) -> Result<()> {
    // The buffer, if alive, keeps the mapping (its finalizer holds the slot).
    self.drop_reference(&env);
    Ok(())
  }
}

/// Removes the name `name` (POSIX; nothing on Windows).
#[napi]
pub fn unlink_named_segment(name: String) -> Result<(), &'static str> {
  named::unlink(&name).map_err(os_error)
}

#[cfg(unix)]
mod tracker {
  use std::os::fd::{AsFd, AsRawFd, OwnedFd};

  use multiproc_core::os::tracker;
  use napi::bindgen_prelude::*;
  use napi_derive::napi;
  use parking_lot::Mutex;

  use super::os_error;

  /// This process's write end of its program's tracker pipe, for every thread.
  static PIPE: Mutex<Option<OwnedFd>> = Mutex::new(None);

  /// The write end's fd, for a child to inherit; null while there is none.
  #[napi]
  pub fn tracker_fd() -> Option<i32> {
    PIPE.lock().as_ref().map(|fd| fd.as_raw_fd())
  }

  /// Opens this program's tracker pipe if this process has none: returns the
  /// read end's fd, which the caller hands to the tracker process it starts
  /// and then closes; null if a tracker is already there (one caller of all
  /// threads gets the fd).
  #[napi]
  pub fn tracker_open() -> Result<Option<i32>, &'static str> {
    let mut pipe = PIPE.lock();
    if pipe.is_some() {
      return Ok(None);
    }
    let (read, write) = tracker::pipe().map_err(os_error)?;
    *pipe = Some(write);
    // The caller owns it from here (and closes it once the tracker has it).
    Ok(Some(std::os::fd::IntoRawFd::into_raw_fd(read)))
  }

  /// In a process-context child: takes over `fd`, the write end inherited
  /// from its parent, so this process and its own children share the
  /// program's tracker.
  #[napi]
  pub fn tracker_adopt(fd: i32) -> Result<(), &'static str> {
    let adopted = tracker::adopt(fd).map_err(os_error)?;
    *PIPE.lock() = Some(adopted);
    Ok(())
  }

  fn with_pipe(send: impl FnOnce(std::os::fd::BorrowedFd<'_>) -> std::io::Result<()>) -> Result<(), &'static str> {
    let pipe = PIPE.lock();
    let fd = pipe.as_ref().ok_or_else(|| Error::new("EPIPE", "this process has no resource tracker".to_string()))?;
    send(fd.as_fd()).map_err(|error| Error::new("EPIPE", format!("the resource tracker is gone: {error}")))
  }

  /// Segment `name` was created: the tracker removes it at the program's end.
  #[napi]
  pub fn tracker_register(name: String) -> Result<(), &'static str> {
    with_pipe(|fd| tracker::register(fd, &name))
  }

  /// Segment `name` was unlinked: nothing left for the tracker to do.
  #[napi]
  pub fn tracker_unregister(name: String) -> Result<(), &'static str> {
    with_pipe(|fd| tracker::unregister(fd, &name))
  }

  /// The tracker process's work (blocking): reads `fd` until every process
  /// of the program is gone, then unlinks what they left. Returns the names.
  #[napi]
  pub fn tracker_serve(fd: i32) -> Result<Vec<String>, &'static str> {
    let pipe = tracker::adopt(fd).map_err(os_error)?;
    tracker::serve(pipe).map_err(os_error)
  }
}

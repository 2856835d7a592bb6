use std::sync::Arc;

use multiproc_core::{Location, SharedMemory};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::shared;

/// The memory of a `Value`/`SharedArray`: JS reads and writes it through
/// typed-array views over `view()`.
#[napi]
pub struct NativeSharedMemory {
  inner: Arc<SharedMemory>,
  id: f64,
}

shared::shared_class!(NativeSharedMemory, SharedMemory, "shared memory");

/// Where another process finds a `NativeSharedMemory` (see `locate`).
#[napi(object)]
pub struct MemoryLocation {
  pub token: String,
  pub offset: f64,
  pub len: f64,
}

impl From<MemoryLocation> for Location {
  fn from(location: MemoryLocation) -> Self {
    Location { token: location.token, offset: location.offset as u64, len: location.len as u64 }
  }
}

impl From<Location> for MemoryLocation {
  fn from(location: Location) -> Self {
    MemoryLocation { token: location.token, offset: location.offset as f64, len: location.len as f64 }
  }
}

fn os_error(what: &str, error: std::io::Error) -> Error {
  Error::new(Status::GenericFailure, format!("{what}: {error}"))
}

#[napi]
impl NativeSharedMemory {
  #[napi(constructor)]
  pub fn new(bytes: u32) -> Result<Self> {
    let memory = SharedMemory::try_zeroed(bytes as usize)
      .map_err(|error| os_error(&format!("cannot allocate {bytes} bytes of shared memory"), error))?;
    Ok(Self::create(memory))
  }

  /// The memory another process located, mapped into this one.
  #[napi(factory)]
  pub fn attach_at(location: MemoryLocation) -> Result<Self> {
    let memory = SharedMemory::attach(&location.into())
      .map_err(|error| os_error("cannot attach the shared memory of another process (has it ended?)", error))?;
    Ok(Self::create(memory))
  }

  /// Where another process finds this memory; its bytes are not reused in
  /// this process from then on.
  #[napi]
  pub fn locate(&self) -> MemoryLocation {
    self.inner.locate().into()
  }

  #[napi(ts_return_type = "ArrayBuffer")]
  pub fn view(&self, env: Env) -> Result<Unknown<'static>> {
    shared::view(&env, &self.inner)
  }
}

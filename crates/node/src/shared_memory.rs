use std::sync::Arc;

use multiproc_core::SharedMemory;
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

#[napi]
impl NativeSharedMemory {
  #[napi(constructor)]
  pub fn new(bytes: u32) -> Self {
    Self::create(SharedMemory::zeroed(bytes as usize))
  }

  #[napi(ts_return_type = "ArrayBuffer")]
  pub fn view(&self, env: Env) -> Result<Unknown<'static>> {
    shared::view(&env, &self.inner)
  }
}

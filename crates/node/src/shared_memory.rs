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

#[napi]
impl NativeSharedMemory {
  #[napi(constructor)]
  pub fn new(bytes: u32) -> Self {
    let inner = Arc::new(SharedMemory::zeroed(bytes as usize));
    let id = shared::register(&inner) as f64;
    Self { inner, id }
  }

  #[napi(factory)]
  pub fn attach(id: f64) -> Result<Self> {
    Ok(Self {
      inner: shared::attach(id, "shared memory")?,
      id,
    })
  }

  #[napi(getter)]
  pub fn id(&self) -> f64 {
    self.id
  }

  #[napi(ts_return_type = "ArrayBuffer")]
  pub fn view(&self, env: Env) -> Result<Unknown<'static>> {
    shared::view(&env, &self.inner)
  }
}

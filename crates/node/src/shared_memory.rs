use std::sync::Arc;

use multiproc_core::bulk::{ElementType, Elements};
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

impl NativeSharedMemory {
  /// The memory as elements of `ty`, for bulk operations; they hold it alive.
  pub(crate) fn elements(&self, ty: ElementType) -> Elements {
    let len = self.inner.len() / ty.size();
    // SAFETY: the memory is 8-byte aligned, holds `len` elements, lives while
    // the Arc given as owner does, and is touched only atomically or from JS.
    unsafe { Elements::new(self.inner.clone(), self.inner.as_ptr(), len, ty) }
  }
}

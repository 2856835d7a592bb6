use std::sync::Arc;

use multiproc_core::sync::Condition;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};

/// The waiting half of `Condition` (the lock half is a `NativeLock`).
#[napi]
pub struct NativeCondition {
  inner: Arc<Condition>,
  id: f64,
}

#[napi]
impl NativeCondition {
  #[napi(constructor)]
  pub fn new() -> Self {
    let inner = Arc::new(Condition::new());
    let id = shared::register(&inner) as f64;
    Self { inner, id }
  }

  #[napi(factory)]
  pub fn attach(id: f64) -> Result<Self> {
    Ok(Self {
      inner: shared::attach(id, "Condition")?,
      id,
    })
  }

  #[napi(getter)]
  pub fn id(&self) -> f64 {
    self.id
  }

  #[napi]
  pub fn seq(&self) -> i32 {
    self.inner.seq()
  }

  #[napi]
  pub fn wait_slice(&self, seen: i32, timeout_ms: f64) -> bool {
    self.inner.wait_until(seen, shared::slice_end(timeout_ms))
  }

  #[napi]
  pub fn wait_async(&self, seen: i32, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.wait_async(seen, waker.callback(token)))
  }

  #[napi]
  pub fn cancel(&self, waiter: f64) -> bool {
    self.inner.cancel(waiter as u64)
  }

  #[napi]
  pub fn notify(&self, n: u32) -> u32 {
    self.inner.notify(n as usize) as u32
  }

  #[napi]
  pub fn notify_all(&self) -> u32 {
    self.inner.notify_all() as u32
  }
}

impl Default for NativeCondition {
  fn default() -> Self {
    Self::new()
  }
}

use std::sync::Arc;

use multiproc_core::sync::{Acquire, Lock};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};

/// Native side of `Lock`/`RLock`: JS takes and releases the state word
/// through `view()` and calls in only to wait or to wake.
#[napi]
pub struct NativeLock {
  inner: Arc<Lock>,
  id: f64,
}

shared::shared_class!(NativeLock, Lock, "Lock");

#[napi]
impl NativeLock {
  #[napi(constructor)]
  pub fn new() -> Self {
    Self::create(Lock::new())
  }

  #[napi(ts_return_type = "ArrayBuffer")]
  pub fn view(&self, env: Env) -> Result<Unknown<'static>> {
    shared::view(&env, self.inner.memory())
  }

  /// Waits up to one slice of `timeoutMs` (< 0: no limit); true once acquired.
  #[napi]
  pub fn acquire_slice(&self, timeout_ms: f64) -> bool {
    self.inner.acquire_until(shared::slice_end(timeout_ms)) == Acquire::Acquired
  }

  /// -1: acquired now; else the waiter id. The waker's callback means the lock
  /// was handed over to this waiter.
  #[napi]
  pub fn acquire_async(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.acquire_async(waker.callback(token)))
  }

  #[napi]
  pub fn cancel(&self, waiter: f64) -> bool {
    self.inner.cancel(waiter as u64)
  }

  /// After JS released a lock it found contended.
  #[napi]
  pub fn wake(&self) {
    self.inner.wake();
  }
}

impl Default for NativeLock {
  fn default() -> Self {
    Self::new()
  }
}

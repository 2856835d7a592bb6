use std::sync::Arc;

use multiproc_core::program;
use multiproc_core::sync::{owner, Acquire, Lock};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};

/// This thread's owner token for locks, barriers and conditions (call once per
/// thread). When the thread's environment ends (the worker finished, crashed,
/// or was terminated), the token dies: locks it held pass to their next
/// waiter, barriers it waited in break.
#[napi]
pub fn thread_owner(env: Env) -> Result<u32> {
  let me = owner::new_owner();
  env.add_env_cleanup_hook(me, owner::died)?;
  Ok(me)
}

/// How a process-context child joins this program (see `joinProgram`).
#[napi]
pub fn program_token() -> String {
  program::token()
}

/// In a process-context child, before anything takes an owner token: share
/// the program's owner tokens and doorbell with its parent.
#[napi]
pub fn join_program(token: String) -> Result<()> {
  program::join(&token).map_err(|error| Error::new(Status::GenericFailure, format!("cannot join the parent's program: {error}")))
}

/// Native side of `Lock`/`RLock`: JS takes and releases the state word
/// through `view()` and calls in only to wait or to wake.
#[napi]
pub struct NativeLock {
  inner: Arc<Lock>,
  id: f64,
}

shared::shared_class!(NativeLock, Lock, "Lock");
shared::across_processes!(NativeLock, Lock, "Lock");

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

  /// Waits up to one slice of `timeoutMs` (< 0: no limit); true once acquired
  /// for `owner` (also when its holder's thread died).
  #[napi]
  pub fn acquire_slice(&self, timeout_ms: f64, owner: u32) -> bool {
    self
      .inner
      .acquire_until(owner, shared::slice_end(timeout_ms))
      == Acquire::Acquired
  }

  /// -1: acquired now; else the waiter id. The waker's callback means the lock
  /// was handed over to this waiter (`owner`).
  #[napi]
  pub fn acquire_async(&self, waker: &AsyncWaker, token: u32, owner: u32) -> f64 {
    shared::started(self.inner.acquire_async(owner, waker.callback(token)))
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

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use multiproc_core::sync::{Condition, Ticket};
use napi_derive::napi;
use parking_lot::Mutex;

use crate::shared::{self, AsyncWaker};

/// The waiting half of `Condition` (the lock half is a `NativeLock`).
#[napi]
pub struct NativeCondition {
  inner: Arc<Condition>,
  id: f64,
  /// Blocking waits of this thread in progress, by ticket number.
  tickets: Mutex<HashMap<u32, Arc<Ticket>>>,
  next_ticket: AtomicU32,
}

shared::shared_class!(NativeCondition, Condition, "Condition", custom);

#[napi]
impl NativeCondition {
  #[napi(constructor)]
  pub fn new() -> Self {
    Self::create(Condition::new())
  }

  /// Starts a blocking wait for `owner`, called holding the lock: a ticket.
  #[napi]
  pub fn begin_wait(&self, owner: u32) -> u32 {
    let ticket = self.inner.enqueue_thread(owner);
    let number = self.next_ticket.fetch_add(1, Ordering::Relaxed);
    self.tickets.lock().insert(number, Arc::new(ticket));
    number
  }

  /// Waiters queued now.
  #[napi(getter)]
  pub fn waiting(&self) -> u32 {
    self.inner.waiting() as u32
  }

  /// One slice of a blocking wait; true once notified.
  #[napi]
  pub fn wait_ticket(&self, ticket: u32, timeout_ms: f64) -> bool {
    // Not holding the map's lock while parked.
    let Some(ticket) = self.tickets.lock().get(&ticket).cloned() else {
      return true;
    };
    self
      .inner
      .wait_ticket(&ticket, shared::slice_end(timeout_ms))
  }

  /// Ends a blocking wait; true if it was notified.
  #[napi]
  pub fn end_wait(&self, ticket: u32) -> bool {
    match self.tickets.lock().remove(&ticket) {
      Some(ticket) => self.inner.leave(&ticket),
      None => true,
    }
  }

  /// Starts an async wait for `owner`, called holding the lock: the waiter id.
  #[napi]
  pub fn wait_async(&self, waker: &AsyncWaker, token: u32, owner: u32) -> f64 {
    self.inner.wait_async(owner, waker.callback(token)) as f64
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

impl NativeCondition {
  fn adopt(inner: Arc<Condition>, id: f64) -> Self {
    Self {
      inner,
      id,
      tickets: Mutex::new(HashMap::new()),
      next_ticket: AtomicU32::new(1),
    }
  }
}

/// A thread terminated inside `waitSync` leaves its place in the queue here
/// (Node finalizes a worker's native objects when it stops), so a later
/// `notify(1)` is not spent on it.
impl Drop for NativeCondition {
  fn drop(&mut self) {
    for (_, ticket) in self.tickets.get_mut().drain() {
      self.inner.leave(&ticket);
    }
  }
}

impl Default for NativeCondition {
  fn default() -> Self {
    Self::new()
  }
}

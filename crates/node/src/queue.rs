use std::sync::Arc;

use multiproc_core::queue::{Item, Queue, QueueError, NUMBER};
use multiproc_core::Shared;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};

/// `status` of a put or get: 0 done, 1 full (put) or empty (get), 2 closed,
/// 3 shut down.
/// Small items come back as a number or string directly (formats 1 and 2 of
/// src/queues/queue.ts), sparing an external buffer per item.
#[napi(object, object_from_js = false)]
pub struct QueueTake {
  pub status: u32,
  pub format: u32,
  pub payload: Option<Buffer>,
  pub number: Option<f64>,
  pub text: Option<String>,
  /// A value read from a manager dict or list: the shared objects it refers
  /// to, alive while JS attaches to them (a finalizer runs in a later turn of
  /// the event loop at the earliest), even if another thread removes it.
  #[napi(ts_type = "unknown")]
  pub keep: Option<External<Vec<Shared>>>,
}

const TEXT: u8 = 2;

fn status(error: &QueueError) -> u32 {
  match error {
    QueueError::Full(_) | QueueError::Empty => 1,
    QueueError::Closed => 2,
    QueueError::ShutDown => 3,
  }
}

fn put_status(result: std::result::Result<(), QueueError>) -> u32 {
  result.map_or_else(|error| status(&error), |()| 0)
}

/// A received item as JS sees it (see [`QueueTake`]).
pub fn taken(item: Item) -> QueueTake {
  let mut taken = QueueTake {
    status: 0,
    format: item.format.into(),
    payload: None,
    number: None,
    text: None,
    keep: None,
  };
  match item.format {
    NUMBER if item.bytes.len() == 8 => {
      taken.number = Some(f64::from_le_bytes(item.bytes.try_into().expect("8 bytes")));
    }
    TEXT => match String::from_utf8(item.bytes) {
      Ok(text) => taken.text = Some(text),
      Err(error) => taken.payload = Some(error.into_bytes().into()),
    },
    _ => taken.payload = Some(item.bytes.into()),
  }
  taken
}

/// No item: `status` 1 (empty, missing), 2 (closed, end of file) or 3 (shut down).
pub fn nothing(status: u32) -> QueueTake {
  QueueTake {
    status,
    format: 0,
    payload: None,
    number: None,
    text: None,
    keep: None,
  }
}

pub fn item(format: u32, payload: &[u8]) -> Item {
  Item {
    format: format as u8,
    bytes: payload.to_vec(),
  }
}

fn take(result: std::result::Result<Item, QueueError>) -> QueueTake {
  match result {
    Ok(item) => taken(item),
    Err(error) => nothing(status(&error)),
  }
}

/// Native side of `Queue`, `JoinableQueue` and `SimpleQueue`.
#[napi]
pub struct NativeQueue {
  inner: Arc<Queue>,
  id: f64,
}

shared::shared_class!(NativeQueue, Queue, "Queue");

#[napi]
impl NativeQueue {
  #[napi(constructor)]
  pub fn new(maxsize: u32) -> Self {
    Self::create(Queue::new(maxsize as usize))
  }

  /// The ring JS puts and takes numbers through, and the queue's counters
  /// (layout in crates/core/src/queue/ring.rs).
  #[napi(ts_return_type = "ArrayBuffer")]
  pub fn view(&self, env: Env) -> Result<Unknown<'static>> {
    shared::view(&env, self.inner.memory())
  }

  /// After JS put a number in the ring and found a getter waiting, or as an
  /// async getter that gave up gives back its wake.
  #[napi]
  pub fn wake_getter(&self) {
    self.inner.wake_getter();
  }

  /// An async putter that gave up gives back its wake.
  #[napi]
  pub fn wake_putter(&self) {
    self.inner.wake_putter();
  }

  #[napi(getter)]
  pub fn maxsize(&self) -> u32 {
    self.inner.maxsize() as u32
  }

  #[napi]
  pub fn size(&self) -> u32 {
    self.inner.len() as u32
  }

  #[napi]
  pub fn is_empty(&self) -> bool {
    self.inner.is_empty()
  }

  #[napi]
  pub fn is_full(&self) -> bool {
    self.inner.is_full()
  }

  #[napi]
  pub fn is_closed(&self) -> bool {
    self.inner.is_closed()
  }

  #[napi]
  pub fn try_put(&self, format: u32, payload: Uint8Array) -> u32 {
    put_status(self.inner.try_put(Item {
      format: format as u8,
      bytes: payload.to_vec(),
    }))
  }

  /// Waits up to one slice of `timeoutMs` (< 0: no limit).
  #[napi]
  pub fn put_slice(&self, format: u32, payload: Uint8Array, timeout_ms: f64) -> u32 {
    let item = Item {
      format: format as u8,
      bytes: payload.to_vec(),
    };
    put_status(self.inner.put_until(item, shared::slice_end(timeout_ms)))
  }

  #[napi]
  pub fn try_get(&self) -> QueueTake {
    take(self.inner.try_get())
  }

  #[napi]
  pub fn get_slice(&self, timeout_ms: f64) -> QueueTake {
    take(self.inner.get_until(shared::slice_end(timeout_ms)))
  }

  /// -1: an item (or the close) may be there now, retry; else the waiter id.
  #[napi]
  pub fn wait_not_empty(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.wait_not_empty(waker.callback(token)))
  }

  #[napi]
  pub fn wait_not_full(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.wait_not_full(waker.callback(token)))
  }

  #[napi]
  pub fn cancel_get(&self, waiter: f64) -> bool {
    self.inner.cancel_get(waiter as u64)
  }

  #[napi]
  pub fn cancel_put(&self, waiter: f64) -> bool {
    self.inner.cancel_put(waiter as u64)
  }

  #[napi]
  pub fn close(&self) {
    self.inner.close();
  }

  /// Python 3.13's `Queue.shutdown` (see the core's `Queue::shutdown`).
  #[napi]
  pub fn shutdown(&self, immediate: bool) {
    self.inner.shutdown(immediate);
  }

  /// False when called more often than items were put.
  #[napi]
  pub fn task_done(&self) -> bool {
    self.inner.task_done()
  }

  #[napi]
  pub fn join_slice(&self, timeout_ms: f64) -> bool {
    self.inner.join_until(shared::slice_end(timeout_ms))
  }

  #[napi]
  pub fn wait_all_done(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.wait_all_done(waker.callback(token)))
  }

  #[napi]
  pub fn cancel_join(&self, waiter: f64) -> bool {
    self.inner.cancel_join(waiter as u64)
  }
}

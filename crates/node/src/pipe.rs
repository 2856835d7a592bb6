use std::sync::Arc;

use multiproc_core::pipe::{Channel, PipeError};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::queue::{item, nothing, taken, QueueTake};
use crate::shared::{self, AsyncWaker};

fn received(result: std::result::Result<multiproc_core::queue::Item, PipeError>) -> QueueTake {
  match result {
    Ok(item) => taken(item),
    Err(PipeError::Empty) => nothing(1),
    Err(_) => nothing(2),
  }
}

/// One direction of a `Pipe`; a `Connection` holds the ends it reads and writes.
#[napi]
pub struct NativeChannel {
  inner: Arc<Channel>,
  id: f64,
}

shared::shared_class!(NativeChannel, Channel, "pipe");

#[napi]
impl NativeChannel {
  #[napi(constructor)]
  pub fn new() -> Self {
    Self::create(Channel::new())
  }

  /// False when the reading end is closed.
  #[napi]
  pub fn send(&self, format: u32, payload: Uint8Array) -> bool {
    self.inner.send(item(format, &payload)).is_ok()
  }

  /// `status` 0 received, 1 nothing yet, 2 end of file.
  #[napi]
  pub fn try_recv(&self) -> QueueTake {
    received(self.inner.try_recv())
  }

  #[napi]
  pub fn recv_slice(&self, timeout_ms: f64) -> QueueTake {
    received(self.inner.recv_until(shared::slice_end(timeout_ms)))
  }

  #[napi]
  pub fn poll(&self) -> bool {
    self.inner.poll()
  }

  #[napi]
  pub fn poll_slice(&self, timeout_ms: f64) -> bool {
    self.inner.poll_until(shared::slice_end(timeout_ms))
  }

  #[napi]
  pub fn wait_readable(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.wait_readable(waker.callback(token)))
  }

  #[napi]
  pub fn cancel(&self, waiter: f64) -> bool {
    self.inner.cancel(waiter as u64)
  }

  #[napi]
  pub fn wake_reader(&self) {
    self.inner.wake_reader();
  }

  #[napi]
  pub fn close_writer(&self) {
    self.inner.close_writer();
  }

  #[napi]
  pub fn close_reader(&self) {
    self.inner.close_reader();
  }
}

impl Default for NativeChannel {
  fn default() -> Self {
    Self::new()
  }
}

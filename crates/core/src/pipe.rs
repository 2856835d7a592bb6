use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Instant;

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::queue::Item;
use crate::sync::{AsyncCallback, Outcome, Parked, Started, WaitQueue};

/// Why a pipe operation did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeError {
  /// Nothing to receive yet.
  Empty,
  /// The writing end closed and every message was received.
  Eof,
  /// `send` after the reading end closed.
  ReaderClosed,
}

/// One direction of a `Pipe`: messages from the writing end to the reading
/// end, never merged or split (an empty message is a message). A duplex pipe
/// is two of these.
///
/// ```
/// use multiproc_core::pipe::{Channel, PipeError};
/// use multiproc_core::queue::Item;
///
/// let channel = Channel::new();
/// channel.send(Item { format: 0, bytes: vec![] }).unwrap();
/// channel.close_writer();
/// assert_eq!(channel.try_recv().unwrap().bytes, Vec::<u8>::new());
/// assert_eq!(channel.try_recv(), Err(PipeError::Eof));
/// ```
pub struct Channel {
  tx: Sender<Item>,
  rx: Receiver<Item>,
  writer_closed: AtomicBool,
  reader_closed: AtomicBool,
  readable: WaitQueue,
}

impl Default for Channel {
  fn default() -> Self {
    Self::new()
  }
}

impl Channel {
  pub fn new() -> Self {
    let (tx, rx) = unbounded();
    Self {
      tx,
      rx,
      writer_closed: AtomicBool::new(false),
      reader_closed: AtomicBool::new(false),
      readable: WaitQueue::new(),
    }
  }

  pub fn send(&self, item: Item) -> Result<(), PipeError> {
    if self.reader_closed.load(SeqCst) {
      return Err(PipeError::ReaderClosed);
    }
    // The receiver lives in `self`: sending cannot fail.
    let _ = self.tx.send(item);
    self.readable.wake_one_if_waiting();
    Ok(())
  }

  pub fn try_recv(&self) -> Result<Item, PipeError> {
    match self.rx.try_recv() {
      Ok(item) => Ok(item),
      Err(_) if self.writer_closed.load(SeqCst) => {
        // A message sent just before the close is still delivered.
        self.rx.try_recv().map_err(|_| PipeError::Eof)
      }
      Err(_) => Err(PipeError::Empty),
    }
  }

  /// A message is waiting, or the writer closed: a receive would not block.
  pub fn poll(&self) -> bool {
    !self.rx.is_empty() || self.writer_closed.load(SeqCst)
  }

  /// Blocks until `poll()` or `until`; returns `poll()`.
  pub fn poll_until(&self, until: Instant) -> bool {
    self.readable.park(|| !self.poll(), until) != Parked::Elapsed || self.poll()
  }

  pub fn recv_until(&self, until: Instant) -> Result<Item, PipeError> {
    loop {
      match self.try_recv() {
        Err(PipeError::Empty) => {}
        done => return done,
      }
      if self.readable.park(|| !self.poll(), until) == Parked::Elapsed {
        return self.try_recv();
      }
    }
  }

  pub fn wait_readable(&self, callback: AsyncCallback) -> Started {
    match self.readable.enqueue(|| !self.poll(), callback) {
      Some(id) => Started::Queued(id),
      None => Started::Ready,
    }
  }

  pub fn cancel(&self, id: u64) -> bool {
    self.readable.remove(id)
  }

  /// A wake given back by an async reader that had given up (a timed-out
  /// poll): pass it on to the next reader waiting, if any.
  pub fn wake_reader(&self) {
    self.readable.wake_one_if_waiting();
  }

  pub fn close_writer(&self) {
    self
      .readable
      .wake_all(|| self.writer_closed.store(true, SeqCst), Outcome::Woken);
  }

  pub fn close_reader(&self) {
    self.reader_closed.store(true, SeqCst);
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  #[test]
  fn messages_keep_their_boundaries_and_order() {
    let channel = Channel::new();
    for bytes in [vec![1, 2], vec![], vec![3]] {
      channel.send(Item { format: 3, bytes }).unwrap();
    }
    let got: Vec<Vec<u8>> = (0..3).map(|_| channel.try_recv().unwrap().bytes).collect();
    assert_eq!(got, vec![vec![1, 2], vec![], vec![3]]);
    assert_eq!(channel.try_recv(), Err(PipeError::Empty));
  }

  #[test]
  fn a_blocked_reader_gets_eof_when_the_writer_closes() {
    let channel = Channel::new();
    std::thread::scope(|s| {
      let reader = s.spawn(|| channel.recv_until(Instant::now() + Duration::from_secs(30)));
      std::thread::sleep(Duration::from_millis(20));
      channel.close_writer();
      assert_eq!(reader.join().unwrap(), Err(PipeError::Eof));
    });
  }

  #[test]
  fn sending_to_a_closed_reader_fails() {
    let channel = Channel::new();
    channel.close_reader();
    assert_eq!(
      channel.send(Item {
        format: 0,
        bytes: vec![1]
      }),
      Err(PipeError::ReaderClosed)
    );
  }

  #[test]
  fn sixteen_mebibyte_messages_arrive_whole() {
    let channel = Channel::new();
    let big = vec![7u8; 16 << 20];
    channel
      .send(Item {
        format: 3,
        bytes: big.clone(),
      })
      .unwrap();
    assert_eq!(channel.recv_until(Instant::now()).unwrap().bytes, big);
  }
}

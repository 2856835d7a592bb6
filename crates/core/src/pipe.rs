use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::queue::Item;
use crate::sync::{AsyncCallback, Outcome, Parked, Started, WaitQueue};

/// Why a pipe operation did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeError {
  /// Nothing to receive yet.
  Empty,
  /// Every handle of the writing end closed and every message was received.
  Eof,
  /// `send` after every handle of the reading end closed.
  ReaderClosed,
}

/// Which end of a [`Channel`] a [`Handle`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
  Reader,
  Writer,
}

/// One direction of a `Pipe`: messages from the writing end to the reading
/// end, never merged or split (an empty message is a message). A duplex pipe
/// is two of these.
///
/// Each end is held through [`Handle`]s, as a Python end is held through file
/// descriptors (one per process): an end is closed once all its handles are,
/// and never opens again.
///
/// ```
/// use multiproc_core::pipe::{Channel, PipeError};
/// use multiproc_core::queue::Item;
///
/// let (reader, writer) = Channel::pipe();
/// let copy = writer.duplicate().unwrap();
/// writer.channel().send(Item { format: 0, bytes: vec![] }).unwrap();
/// writer.close();
/// assert_eq!(reader.channel().try_recv().unwrap().bytes, Vec::<u8>::new());
/// assert_eq!(reader.channel().try_recv(), Err(PipeError::Empty), "a copy is still open");
/// drop(copy);
/// assert_eq!(reader.channel().try_recv(), Err(PipeError::Eof));
/// ```
pub struct Channel {
  tx: Sender<Item>,
  rx: Receiver<Item>,
  /// Open handles of each end.
  writers: AtomicUsize,
  readers: AtomicUsize,
  readable: WaitQueue,
}

impl Channel {
  /// A new channel and the first handle on each of its ends.
  pub fn pipe() -> (Handle, Handle) {
    let (tx, rx) = unbounded();
    let channel = Arc::new(Self {
      tx,
      rx,
      writers: AtomicUsize::new(1),
      readers: AtomicUsize::new(1),
      readable: WaitQueue::new(),
    });
    (
      Handle::new(channel.clone(), End::Reader),
      Handle::new(channel, End::Writer),
    )
  }

  fn count(&self, end: End) -> &AtomicUsize {
    match end {
      End::Reader => &self.readers,
      End::Writer => &self.writers,
    }
  }

  fn writer_closed(&self) -> bool {
    self.writers.load(SeqCst) == 0
  }

  pub fn send(&self, item: Item) -> Result<(), PipeError> {
    if self.readers.load(SeqCst) == 0 {
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
      Err(_) if self.writer_closed() => {
        // A message sent just before the close is still delivered.
        self.rx.try_recv().map_err(|_| PipeError::Eof)
      }
      Err(_) => Err(PipeError::Empty),
    }
  }

  /// A message is waiting, or the writing end closed: a receive would not block.
  pub fn poll(&self) -> bool {
    !self.rx.is_empty() || self.writer_closed()
  }

  /// Blocks until `poll()` or `until`; returns `poll()`. A poller takes no
  /// message, so a wake it took passes on to the next reader waiting.
  pub fn poll_until(&self, until: Instant) -> bool {
    let parked = self.readable.park(|| !self.poll(), until);
    let ready = self.poll();
    if ready && parked == Parked::Woken {
      self.wake_reader();
    }
    ready
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
}

/// One holder's handle on one end of a [`Channel`], as one process's file
/// descriptor is: closing it (or dropping it) closes that end for this holder
/// only; the end closes when its last handle does.
pub struct Handle {
  channel: Arc<Channel>,
  end: End,
  open: AtomicBool,
}

impl Handle {
  fn new(channel: Arc<Channel>, end: End) -> Self {
    Self {
      channel,
      end,
      open: AtomicBool::new(true),
    }
  }

  pub fn channel(&self) -> &Channel {
    &self.channel
  }

  pub fn is_open(&self) -> bool {
    self.open.load(SeqCst)
  }

  /// Another handle on the same end; None once this one is closed. An end
  /// whose handles all closed stays closed: the count is raised only from
  /// above zero.
  pub fn duplicate(&self) -> Option<Handle> {
    if !self.is_open() {
      return None;
    }
    self.another()
  }

  /// Another handle on the same end while any handle of it is open, this one
  /// or not.
  fn another(&self) -> Option<Handle> {
    let count = self.channel.count(self.end);
    count
      .fetch_update(SeqCst, SeqCst, |n| (n > 0).then_some(n + 1))
      .ok()?;
    Some(Handle::new(self.channel.clone(), self.end))
  }

  /// Closes this handle (again: nothing happens). The last writer's close
  /// wakes every reader waiting: they see the end of file.
  pub fn close(&self) {
    if !self.open.swap(false, SeqCst) {
      return;
    }
    let last = self.channel.count(self.end).fetch_sub(1, SeqCst) == 1;
    if last && self.end == End::Writer {
      self.channel.readable.wake_all(|| {}, Outcome::Woken);
    }
  }
}

impl Drop for Handle {
  fn drop(&mut self) {
    self.close();
  }
}

/// A handle on its way to another thread, counted from when it was sent (as
/// a descriptor duplicated for a child is). The first receiver takes it over;
/// later ones get duplicates of it. Dropped before anyone received it (a
/// cancelled job, a child that died first), it closes.
pub struct Transit {
  handle: Arc<Handle>,
  taken: AtomicBool,
}

impl Transit {
  /// A new handle on `handle`'s end, to be sent; None if `handle` is closed.
  pub fn send(handle: &Handle) -> Option<Self> {
    Some(Self {
      handle: Arc::new(handle.duplicate()?),
      taken: AtomicBool::new(false),
    })
  }

  /// The receiver's handle: the one in transit the first time, else a new
  /// one on the same end (each receiver closes only its own); None once every
  /// handle of the end has closed.
  pub fn receive(&self) -> Option<Arc<Handle>> {
    if !self.taken.swap(true, SeqCst) {
      return Some(self.handle.clone());
    }
    self.handle.another().map(Arc::new)
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  fn message(bytes: Vec<u8>) -> Item {
    Item { format: 3, bytes }
  }

  #[test]
  fn messages_keep_their_boundaries_and_order() {
    let (reader, writer) = Channel::pipe();
    for bytes in [vec![1, 2], vec![], vec![3]] {
      writer.channel().send(message(bytes)).unwrap();
    }
    let got: Vec<Vec<u8>> = (0..3)
      .map(|_| reader.channel().try_recv().unwrap().bytes)
      .collect();
    assert_eq!(got, vec![vec![1, 2], vec![], vec![3]]);
    assert_eq!(reader.channel().try_recv(), Err(PipeError::Empty));
  }

  #[test]
  fn end_of_file_comes_once_every_writer_handle_closed() {
    let (reader, writer) = Channel::pipe();
    let copies: Vec<Handle> = (0..3).map(|_| writer.duplicate().unwrap()).collect();
    writer.close();
    writer.close();
    for copy in &copies {
      assert!(!reader.channel().poll(), "a writer handle is still open");
      copy.channel().send(message(vec![1])).unwrap();
      assert_eq!(reader.channel().try_recv().unwrap().bytes, vec![1]);
      copy.close();
    }
    assert!(reader.channel().poll());
    assert_eq!(reader.channel().try_recv(), Err(PipeError::Eof));
  }

  #[test]
  fn a_closed_end_never_opens_again() {
    let (reader, writer) = Channel::pipe();
    let copy = writer.duplicate().unwrap();
    writer.close();
    assert!(
      writer.duplicate().is_none(),
      "a closed handle cannot be duplicated"
    );
    drop(copy);
    assert_eq!(reader.channel().try_recv(), Err(PipeError::Eof));
    let transit = Transit::send(&reader).unwrap();
    drop(reader);
    assert!(
      transit.receive().is_some(),
      "the reader in transit is still open"
    );
  }

  #[test]
  fn a_blocked_reader_gets_eof_when_the_last_writer_handle_closes() {
    let (reader, writer) = Channel::pipe();
    let copy = writer.duplicate().unwrap();
    std::thread::scope(|s| {
      let blocked = s.spawn(|| {
        reader
          .channel()
          .recv_until(Instant::now() + Duration::from_secs(30))
      });
      writer.close();
      copy.close();
      assert_eq!(blocked.join().unwrap(), Err(PipeError::Eof));
    });
  }

  #[test]
  fn sending_fails_once_every_reader_handle_closed() {
    let (reader, writer) = Channel::pipe();
    let copy = reader.duplicate().unwrap();
    reader.close();
    assert_eq!(writer.channel().send(message(vec![1])), Ok(()));
    drop(copy);
    assert_eq!(
      writer.channel().send(message(vec![2])),
      Err(PipeError::ReaderClosed)
    );
  }

  #[test]
  fn a_handle_in_transit_counts_until_received_and_closes_if_never_received() {
    let (reader, writer) = Channel::pipe();
    let unreceived = Transit::send(&writer).unwrap();
    let received = Transit::send(&writer).unwrap();
    writer.close();
    let handle = received.receive().unwrap();
    let second = received.receive().unwrap();
    drop(received);
    drop(unreceived);
    assert!(!reader.channel().poll(), "the received handles are open");
    handle.close();
    assert!(
      !reader.channel().poll(),
      "the second receiver's duplicate is open"
    );
    assert!(second.is_open());
    drop(second);
    assert_eq!(reader.channel().try_recv(), Err(PipeError::Eof));
  }

  #[test]
  fn a_later_receiver_gets_its_own_handle_after_the_first_closed_its_own() {
    let (reader, writer) = Channel::pipe();
    let sent = Transit::send(&writer).unwrap();
    let first = sent.receive().unwrap();
    let second = sent.receive().unwrap();
    first.close();
    let third = sent
      .receive()
      .expect("the end is still open: the second receiver holds it");
    drop(second);
    assert!(third.is_open());
    writer.close();
    assert!(
      !reader.channel().poll(),
      "the third receiver's handle is open"
    );
    drop(third);
    drop(sent);
    assert_eq!(reader.channel().try_recv(), Err(PipeError::Eof));
    assert!(Transit::send(&reader).unwrap().receive().is_some());
  }

  #[test]
  fn handles_closing_on_many_threads_give_one_end_of_file() {
    for _ in 0..50 {
      let (reader, writer) = Channel::pipe();
      let copies: Vec<Handle> = (0..8).map(|_| writer.duplicate().unwrap()).collect();
      drop(writer);
      std::thread::scope(|s| {
        let blocked = s.spawn(|| {
          reader
            .channel()
            .recv_until(Instant::now() + Duration::from_secs(30))
        });
        for copy in copies {
          s.spawn(move || {
            copy.channel().send(message(vec![7])).unwrap();
            drop(copy);
          });
        }
        assert_eq!(blocked.join().unwrap().unwrap().bytes, vec![7]);
      });
      for _ in 0..7 {
        assert_eq!(reader.channel().try_recv().unwrap().bytes, vec![7]);
      }
      assert_eq!(reader.channel().try_recv(), Err(PipeError::Eof));
    }
  }

  #[test]
  fn a_poller_passes_on_the_wake_it_took() {
    let (reader, writer) = Channel::pipe();
    let woken = Arc::new(AtomicBool::new(false));
    std::thread::scope(|s| {
      let polling = s.spawn(|| {
        reader
          .channel()
          .poll_until(Instant::now() + Duration::from_secs(30))
      });
      while reader.channel().readable.is_empty() {
        std::thread::yield_now();
      }
      let flag = woken.clone();
      let queued = reader.channel().wait_readable(Box::new(move |_| {
        flag.store(true, SeqCst);
        true
      }));
      assert!(matches!(queued, Started::Queued(_)));
      // Wakes the poller, first in line; it takes nothing and passes the wake on.
      writer.channel().send(message(vec![1])).unwrap();
      assert!(polling.join().unwrap());
    });
    assert!(
      woken.load(SeqCst),
      "the async reader behind the poller was woken too"
    );
  }

  #[test]
  fn sixteen_mebibyte_messages_arrive_whole() {
    let (reader, writer) = Channel::pipe();
    let big = vec![7u8; 16 << 20];
    writer.channel().send(message(big.clone())).unwrap();
    assert_eq!(
      reader.channel().recv_until(Instant::now()).unwrap().bytes,
      big
    );
  }
}

use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicI64};
use std::time::Instant;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender, TryRecvError, TrySendError};

use crate::sync::{AsyncCallback, Outcome, Parked, Started, WaitQueue};

/// One queued message: serialized by the producer, deserialized once by the
/// consumer that takes it. `format` says how (opaque to the core).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
  pub format: u8,
  pub bytes: Vec<u8>,
}

/// Why `put`/`get` did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueError {
  /// `put` on a full bounded queue (with no time left to wait); the item is returned.
  Full(Item),
  /// `get` on an empty queue (with no time left to wait).
  Empty,
  /// The queue is closed (for `get`: and drained).
  Closed,
}

/// Python's `multiprocessing.Queue` (and `JoinableQueue`, `SimpleQueue`): a
/// multi-producer multi-consumer FIFO on a crossbeam channel, unbounded or
/// bounded, shared by every thread. Getters wait on `not_empty`, putters on
/// `not_full`; a waiter sleeps only after seeing, under its wait queue's lock,
/// that it must, and every state change wakes under that same lock, so no
/// wake is lost. Woken waiters retry (another thread may have been faster).
///
/// ```
/// use multiproc_core::queue::{Item, Queue, QueueError};
///
/// let q = Queue::new(1);
/// q.try_put(Item { format: 0, bytes: vec![1] }).unwrap();
/// assert!(matches!(q.try_put(Item { format: 0, bytes: vec![2] }), Err(QueueError::Full(_))));
/// assert_eq!(q.try_get().unwrap().bytes, vec![1]);
/// q.close();
/// assert_eq!(q.try_get(), Err(QueueError::Closed));
/// ```
pub struct Queue {
  tx: Sender<Item>,
  rx: Receiver<Item>,
  maxsize: usize,
  closed: AtomicBool,
  not_empty: WaitQueue,
  not_full: WaitQueue,
  /// JoinableQueue: items put and not yet marked done.
  unfinished: AtomicI64,
  all_done: WaitQueue,
}

impl Queue {
  /// `maxsize` 0 means unbounded.
  pub fn new(maxsize: usize) -> Self {
    let (tx, rx) = if maxsize == 0 {
      unbounded()
    } else {
      bounded(maxsize)
    };
    Self {
      tx,
      rx,
      maxsize,
      closed: AtomicBool::new(false),
      not_empty: WaitQueue::new(),
      not_full: WaitQueue::new(),
      unfinished: AtomicI64::new(0),
      all_done: WaitQueue::new(),
    }
  }

  pub fn maxsize(&self) -> usize {
    self.maxsize
  }

  pub fn len(&self) -> usize {
    self.rx.len()
  }

  pub fn is_empty(&self) -> bool {
    self.rx.is_empty()
  }

  pub fn is_full(&self) -> bool {
    self.maxsize != 0 && self.rx.len() >= self.maxsize
  }

  pub fn is_closed(&self) -> bool {
    self.closed.load(SeqCst)
  }

  pub fn try_put(&self, item: Item) -> Result<(), QueueError> {
    if self.is_closed() {
      return Err(QueueError::Closed);
    }
    match self.tx.try_send(item) {
      Ok(()) => {
        self.unfinished.fetch_add(1, SeqCst);
        self.not_empty.wake_one_if_waiting();
        Ok(())
      }
      Err(TrySendError::Full(item)) => Err(QueueError::Full(item)),
      // The receiver lives in `self`.
      Err(TrySendError::Disconnected(_)) => Err(QueueError::Closed),
    }
  }

  pub fn try_get(&self) -> Result<Item, QueueError> {
    match self.rx.try_recv() {
      Ok(item) => {
        self.not_full.wake_one_if_waiting();
        Ok(item)
      }
      Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
        if self.is_closed() {
          Err(QueueError::Closed)
        } else {
          Err(QueueError::Empty)
        }
      }
    }
  }

  /// Blocks until the item is put or `until`.
  pub fn put_until(&self, mut item: Item, until: Instant) -> Result<(), QueueError> {
    loop {
      match self.try_put(item) {
        Err(QueueError::Full(back)) => item = back,
        done => return done,
      }
      if self
        .not_full
        .park(|| self.is_full() && !self.is_closed(), until)
        == Parked::Elapsed
      {
        return match self.try_put(item) {
          Err(QueueError::Full(back)) => Err(QueueError::Full(back)),
          done => done,
        };
      }
    }
  }

  pub fn get_until(&self, until: Instant) -> Result<Item, QueueError> {
    loop {
      // A producer streaming items usually delivers the next one within a few
      // microseconds: spinning that long is cheaper than sleeping and waking.
      for _ in 0..SPINS {
        match self.try_get() {
          Err(QueueError::Empty) => std::hint::spin_loop(),
          done => return done,
        }
      }
      if self
        .not_empty
        .park(|| self.is_empty() && !self.is_closed(), until)
        == Parked::Elapsed
      {
        return self.try_get();
      }
    }
  }

  /// Queues `callback` until an item may be there (the caller then retries
  /// `try_get`). `Ready` when there is one already, or the queue is closed.
  pub fn wait_not_empty(&self, callback: AsyncCallback) -> Started {
    started(
      self
        .not_empty
        .enqueue(|| self.is_empty() && !self.is_closed(), callback),
    )
  }

  pub fn wait_not_full(&self, callback: AsyncCallback) -> Started {
    started(
      self
        .not_full
        .enqueue(|| self.is_full() && !self.is_closed(), callback),
    )
  }

  pub fn cancel_get(&self, id: u64) -> bool {
    self.not_empty.remove(id)
  }

  pub fn cancel_put(&self, id: u64) -> bool {
    self.not_full.remove(id)
  }

  /// Later puts fail; gets drain what is left, then fail. Wakes everyone.
  pub fn close(&self) {
    self
      .not_empty
      .wake_all(|| self.closed.store(true, SeqCst), Outcome::Woken);
    self.not_full.wake_all(|| {}, Outcome::Woken);
  }

  /// JoinableQueue: one item fully processed. False if called more often than
  /// items were put (nothing changes then).
  pub fn task_done(&self) -> bool {
    let mut current = self.unfinished.load(SeqCst);
    loop {
      if current <= 0 {
        return false;
      }
      match self
        .unfinished
        .compare_exchange(current, current - 1, SeqCst, SeqCst)
      {
        Ok(_) => break,
        Err(seen) => current = seen,
      }
    }
    if current == 1 {
      self.all_done.wake_all(|| {}, Outcome::Woken);
    }
    true
  }

  pub fn unfinished(&self) -> i64 {
    self.unfinished.load(SeqCst)
  }

  /// Blocks until every item put has been marked done, or `until`.
  pub fn join_until(&self, until: Instant) -> bool {
    self.all_done.park(|| self.unfinished() > 0, until) != Parked::Elapsed
  }

  pub fn wait_all_done(&self, callback: AsyncCallback) -> Started {
    started(self.all_done.enqueue(|| self.unfinished() > 0, callback))
  }

  pub fn cancel_join(&self, id: u64) -> bool {
    self.all_done.remove(id)
  }
}

/// Tries before a blocking get parks.
const SPINS: u32 = 200;

fn started(queued: Option<u64>) -> Started {
  match queued {
    Some(id) => Started::Queued(id),
    None => Started::Ready,
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicU64;
  use std::time::Duration;

  fn item(n: u64) -> Item {
    Item {
      format: 0,
      bytes: n.to_le_bytes().to_vec(),
    }
  }

  fn far() -> Instant {
    Instant::now() + Duration::from_secs(30)
  }

  /// 4 producers x 4 consumers through a bounded queue: every item arrives
  /// exactly once (count and checksum), and blocking on full/empty never hangs.
  #[test]
  fn exactly_once_under_contention() {
    const PER_PRODUCER: u64 = 50_000;
    let queue = Queue::new(64);
    let sum = AtomicU64::new(0);
    let count = AtomicU64::new(0);
    std::thread::scope(|s| {
      for p in 0..4u64 {
        let queue = &queue;
        s.spawn(move || {
          for i in 0..PER_PRODUCER {
            queue
              .put_until(item(p * PER_PRODUCER + i + 1), far())
              .unwrap();
          }
        });
      }
      let consumers: Vec<_> = (0..4)
        .map(|_| {
          let (queue, sum, count) = (&queue, &sum, &count);
          s.spawn(move || loop {
            match queue.get_until(far()) {
              Ok(got) => {
                sum.fetch_add(u64::from_le_bytes(got.bytes.try_into().unwrap()), SeqCst);
                count.fetch_add(1, SeqCst);
              }
              Err(QueueError::Closed) => return,
              Err(other) => panic!("unexpected {other:?}"),
            }
          })
        })
        .collect();
      while count.load(SeqCst) < 4 * PER_PRODUCER {
        std::thread::sleep(Duration::from_millis(1));
      }
      queue.close();
      for consumer in consumers {
        consumer.join().unwrap();
      }
    });
    let n = 4 * PER_PRODUCER;
    assert_eq!(count.load(SeqCst), n);
    assert_eq!(sum.load(SeqCst), n * (n + 1) / 2);
  }

  #[test]
  fn timeouts_report_full_and_empty() {
    let queue = Queue::new(1);
    assert_eq!(
      queue.get_until(Instant::now() + Duration::from_millis(10)),
      Err(QueueError::Empty)
    );
    queue.try_put(item(1)).unwrap();
    assert!(matches!(
      queue.put_until(item(2), Instant::now() + Duration::from_millis(10)),
      Err(QueueError::Full(_))
    ));
  }

  #[test]
  fn close_drains_then_fails() {
    let queue = Queue::new(0);
    queue.try_put(item(1)).unwrap();
    queue.close();
    assert_eq!(queue.try_put(item(2)), Err(QueueError::Closed));
    assert_eq!(queue.try_get(), Ok(item(1)));
    assert_eq!(queue.get_until(far()), Err(QueueError::Closed));
  }

  #[test]
  fn task_done_and_join() {
    let queue = Queue::new(0);
    queue.try_put(item(1)).unwrap();
    queue.try_put(item(2)).unwrap();
    assert!(!queue.join_until(Instant::now() + Duration::from_millis(5)));
    assert!(queue.task_done());
    assert!(queue.task_done());
    assert!(!queue.task_done(), "more task_done than puts");
    assert!(queue.join_until(Instant::now()));
  }
}

mod ring;

use crate::shim::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender, TrySendError};
use parking_lot::Mutex;

use ring::{Ring, CLOSED, GETTERS, IN_CHANNEL, JOINERS, PUTTERS, RING_SLOTS, UNFINISHED};

use crate::sync::{AsyncCallback, Outcome, Parked, Started, WaitQueue};
use crate::SharedMemory;

/// One queued message: serialized by the producer, deserialized once by the
/// consumer that takes it. `format` says how (opaque to the core, but for
/// [`NUMBER`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
  pub format: u8,
  pub bytes: Vec<u8>,
}

/// The format of an item that is one number (a little-endian float64): such
/// items may travel through the ring.
pub const NUMBER: u8 = 1;

impl Item {
  pub fn number(value: f64) -> Self {
    Self {
      format: NUMBER,
      bytes: value.to_le_bytes().to_vec(),
    }
  }

  fn as_number(&self) -> Option<f64> {
    match (self.format, <[u8; 8]>::try_from(self.bytes.as_slice())) {
      (NUMBER, Ok(bytes)) => Some(f64::from_le_bytes(bytes)),
      _ => None,
    }
  }
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
  /// The queue is shut down (for `get`: and drained), Python 3.13's `ShutDown`.
  ShutDown,
}

/// Where a queue is in its life, kept in the `CLOSED` word JS reads too. It
/// only moves forward: a shut-down queue that is closed stays shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(i32)]
pub enum State {
  Open = 0,
  Closed = 1,
  ShutDown = 2,
  /// `shutdown(immediate)`: emptied, and the unfinished count dropped.
  ShutDownNow = 3,
}

/// Python's `multiprocessing.Queue` (and `JoinableQueue`, `SimpleQueue`): a
/// multi-producer multi-consumer FIFO shared by every thread, unbounded or
/// bounded.
///
/// Items wait in a crossbeam channel, except that an unbounded queue puts
/// numbers in a lock-free ring in shared memory (see `ring.rs`) while its
/// channel is empty: JS puts and takes those without calling in. Getters take
/// from the ring first, then the channel; a producer uses the ring only while
/// the channel is empty, so each producer's items stay in order.
///
/// Getters wait on `not_empty`, putters on `not_full`; a waiter sleeps only
/// after seeing, counted in and under its wait queue's lock, that it must, and
/// every change is followed by a wake if anyone is counted, so no wake is
/// lost. Woken waiters retry (another thread may have been faster).
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
  /// Also holds the closed flag, the channel count and the unfinished count.
  ring: Ring,
  /// Held by the getter taking from the channel, who also moves the numbers
  /// behind its item into the ring (so getters stop calling in), keeping here
  /// the first item that could not go (counted as in the channel).
  front: Mutex<Option<Item>>,
  not_empty: WaitQueue,
  not_full: WaitQueue,
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
    let ring = Ring::new(if maxsize == 0 { RING_SLOTS } else { 0 });
    Self {
      tx,
      rx,
      maxsize,
      not_empty: WaitQueue::counting_in(ring.memory().clone(), GETTERS),
      not_full: WaitQueue::counting_in(ring.memory().clone(), PUTTERS),
      all_done: WaitQueue::counting_in(ring.memory().clone(), JOINERS),
      ring,
      front: Mutex::new(None),
    }
  }

  /// The ring and counters JS works on directly (layout in `ring.rs`).
  pub fn memory(&self) -> &Arc<SharedMemory> {
    self.ring.memory()
  }

  pub fn maxsize(&self) -> usize {
    self.maxsize
  }

  pub fn len(&self) -> usize {
    self.ring.len() + self.in_channel().load(SeqCst).max(0) as usize
  }

  pub fn is_empty(&self) -> bool {
    self.ring.is_empty() && self.in_channel().load(SeqCst) == 0
  }

  pub fn is_full(&self) -> bool {
    self.maxsize != 0 && self.rx.len() >= self.maxsize
  }

  /// Closed or shut down: puts are refused, gets drain what is left.
  pub fn is_closed(&self) -> bool {
    self.state() != State::Open
  }

  pub fn state(&self) -> State {
    match self.ring.word(CLOSED).load(SeqCst) {
      0 => State::Open,
      1 => State::Closed,
      2 => State::ShutDown,
      _ => State::ShutDownNow,
    }
  }

  /// The error for a put refused, or a get with nothing left, once not open.
  fn ended(&self) -> QueueError {
    match self.state() {
      State::Open | State::Closed => QueueError::Closed,
      State::ShutDown | State::ShutDownNow => QueueError::ShutDown,
    }
  }

  fn unfinished_count(&self) -> &AtomicI32 {
    self.ring.word(UNFINISHED)
  }

  fn in_channel(&self) -> &AtomicI32 {
    self.ring.word(IN_CHANNEL)
  }

  pub fn try_put(&self, item: Item) -> Result<(), QueueError> {
    if self.is_closed() {
      return Err(self.ended());
    }
    // Counted before a getter can take it (and `task_done` it).
    let count_in = || {
      self.unfinished_count().fetch_add(1, SeqCst);
    };
    if let Some(value) = item.as_number() {
      if self.in_channel().load(SeqCst) == 0 && self.ring.try_push(value, count_in) {
        self.not_empty.wake_one_if_waiting();
        return Ok(());
      }
    }
    count_in();
    self.in_channel().fetch_add(1, SeqCst);
    match self.tx.try_send(item) {
      Ok(()) => {
        self.not_empty.wake_one_if_waiting();
        Ok(())
      }
      Err(error) => {
        self.in_channel().fetch_sub(1, SeqCst);
        // A joiner may have seen the count this put added, and waits.
        if self.unfinished_count().fetch_sub(1, SeqCst) == 1 {
          self.all_done.wake_all(|| {}, Outcome::Woken);
        }
        match error {
          TrySendError::Full(item) => Err(QueueError::Full(item)),
          // The receiver lives in `self`.
          TrySendError::Disconnected(_) => Err(QueueError::Closed),
        }
      }
    }
  }

  pub fn try_get(&self) -> Result<Item, QueueError> {
    if let Some(value) = self.ring.try_pop() {
      return Ok(Item::number(value));
    }
    if self.in_channel().load(SeqCst) == 0 {
      return Err(self.nothing());
    }
    let mut front = self.front.lock();
    // Another getter may have refilled the ring meanwhile.
    if let Some(value) = self.ring.try_pop() {
      return Ok(Item::number(value));
    }
    let Some(item) = front.take().or_else(|| self.rx.try_recv().ok()) else {
      return Err(self.nothing());
    };
    // A number put in the ring after our look there, and before this item,
    // goes first (its producer saw an empty channel).
    if let Some(value) = self.ring.try_pop() {
      *front = Some(item);
      return Ok(Item::number(value));
    }
    self.in_channel().fetch_sub(1, SeqCst);
    self.refill(&mut front);
    drop(front);
    self.not_full.wake_one_if_waiting();
    Ok(item)
  }

  /// Moves the numbers next in the channel into the ring, up to the first
  /// item that cannot go there, which waits in `front`. Producers keep to the
  /// channel meanwhile (it is counted non-empty), so the order holds.
  fn refill(&self, front: &mut Option<Item>) {
    if self.maxsize != 0 {
      // No ring: `front` would hold an item past `maxsize`.
      return;
    }
    let mut moved = false;
    while let Ok(next) = self.rx.try_recv() {
      match next.as_number() {
        Some(value) if self.ring.try_push(value, || {}) => {
          self.in_channel().fetch_sub(1, SeqCst);
          moved = true;
        }
        _ => {
          *front = Some(next);
          break;
        }
      }
    }
    if moved {
      self.not_empty.wake_one_if_waiting();
    }
  }

  fn nothing(&self) -> QueueError {
    if self.is_closed() {
      self.ended()
    } else {
      QueueError::Empty
    }
  }

  /// A number put through the ring by JS, or a wake given back by a getter
  /// that had given up: wake a getter if one waits.
  pub fn wake_getter(&self) {
    self.not_empty.wake_one_if_waiting();
  }

  /// A wake given back by a putter that had given up.
  pub fn wake_putter(&self) {
    self.not_full.wake_one_if_waiting();
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
    self.end(State::Closed);
  }

  /// Python 3.13's `shutdown`: as `close`, failing with `ShutDown`. With
  /// `immediate` the items left are discarded and the unfinished count is
  /// dropped, so every getter, putter and joiner is woken to `ShutDown` (or,
  /// for `join`, returns).
  ///
  /// A put that saw the queue open just before can still land after the
  /// emptying (its item stays for a later get), as with `close`.
  pub fn shutdown(&self, immediate: bool) {
    self.end(if immediate {
      State::ShutDownNow
    } else {
      State::ShutDown
    });
  }

  fn end(&self, state: State) {
    // Under `not_empty`'s lock: a getter deciding to wait sees the new state.
    self.not_empty.wake_all(
      || {
        self.ring.word(CLOSED).fetch_max(state as i32, SeqCst);
      },
      Outcome::Woken,
    );
    if state == State::ShutDownNow {
      self.discard();
      self
        .all_done
        .wake_all(|| self.unfinished_count().store(0, SeqCst), Outcome::Woken);
    }
    self.not_full.wake_all(|| {}, Outcome::Woken);
  }

  /// Empties the queue (its getters may be taking items meanwhile).
  fn discard(&self) {
    while self.ring.try_pop().is_some() {}
    let mut front = self.front.lock();
    let mut taken = i32::from(front.take().is_some());
    while self.rx.try_recv().is_ok() {
      taken += 1;
    }
    self.in_channel().fetch_sub(taken, SeqCst);
  }

  /// JoinableQueue: one item fully processed. False if called more often than
  /// items were put (nothing changes then); after `shutdown(immediate)`, which
  /// dropped the count, the items still in hand may be marked done.
  pub fn task_done(&self) -> bool {
    let unfinished = self.unfinished_count();
    let mut current = unfinished.load(SeqCst);
    loop {
      if current <= 0 {
        return self.state() == State::ShutDownNow;
      }
      match unfinished.compare_exchange(current, current - 1, SeqCst, SeqCst) {
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
    self.unfinished_count().load(SeqCst).into()
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
  use parking_lot::Mutex;
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

  /// Numbers go through the ring, other items and overflow through the
  /// channel: one producer's items still come out in the order put.
  #[test]
  fn ring_and_channel_keep_the_order() {
    let queue = Queue::new(0);
    let mut expected = Vec::new();
    let mut put = |item: Item| {
      expected.push(item.clone());
      queue.try_put(item).unwrap();
    };
    put(Item::number(1.0));
    put(item(2)); // to the channel: the numbers after it follow it there
    put(Item::number(3.0));
    for i in 0..(RING_SLOTS as u32 + 10) {
      put(Item::number(f64::from(i)));
    }
    assert_eq!(queue.len(), expected.len());
    assert_eq!(queue.unfinished(), expected.len() as i64);
    let mut got = Vec::new();
    // Drained halfway, the channel empties and numbers use the ring again.
    for _ in 0..expected.len() / 2 {
      got.push(queue.try_get().unwrap());
    }
    for i in 0..(RING_SLOTS as u32 * 2) {
      let item = Item::number(f64::from(i) + 0.5);
      expected.push(item.clone());
      queue.try_put(item).unwrap();
    }
    while let Ok(item) = queue.try_get() {
      got.push(item);
    }
    assert_eq!(got, expected);
    assert!(queue.is_empty());
  }

  /// 3 producers of numbers and bytes x 3 consumers, unbounded (ring, channel
  /// and the switches between them): every item once, each producer's in order.
  #[test]
  fn unbounded_exactly_once_and_in_order_per_producer() {
    const PER_PRODUCER: u64 = 100_000;
    let queue = Queue::new(0);
    let seen = Mutex::new(Vec::new());
    std::thread::scope(|s| {
      for p in 0..3u64 {
        let queue = &queue;
        s.spawn(move || {
          for i in 0..PER_PRODUCER {
            let n = p * PER_PRODUCER + i;
            // Now and then an item that cannot use the ring.
            let item = if i % 97 == 0 {
              item(n)
            } else {
              Item::number(n as f64)
            };
            queue.try_put(item).unwrap();
          }
        });
      }
      let consumers: Vec<_> = (0..3)
        .map(|_| {
          let (queue, seen) = (&queue, &seen);
          s.spawn(move || {
            let mut mine = Vec::new();
            loop {
              match queue.get_until(far()) {
                Ok(got) => mine.push(match got.format {
                  NUMBER => got.as_number().unwrap() as u64,
                  _ => u64::from_le_bytes(got.bytes.try_into().unwrap()),
                }),
                Err(QueueError::Closed) => break,
                Err(other) => panic!("unexpected {other:?}"),
              }
            }
            for p in 0..3 {
              let of_p: Vec<_> = mine.iter().filter(|&&n| n / PER_PRODUCER == p).collect();
              assert!(
                of_p.windows(2).all(|w| w[0] < w[1]),
                "producer {p} out of order"
              );
            }
            seen.lock().extend(mine);
          })
        })
        .collect();
      while queue.unfinished() < 3 * PER_PRODUCER as i64 || !queue.is_empty() {
        std::thread::sleep(Duration::from_millis(1));
      }
      queue.close();
      for consumer in consumers {
        consumer.join().unwrap();
      }
    });
    let mut seen = seen.into_inner();
    seen.sort_unstable();
    assert!(seen.iter().copied().eq(0..3 * PER_PRODUCER));
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
  fn shutdown_drains_then_fails_with_shut_down() {
    let queue = Queue::new(0);
    queue.try_put(Item::number(1.0)).unwrap();
    queue.try_put(item(2)).unwrap();
    queue.shutdown(false);
    assert_eq!(queue.try_put(item(3)), Err(QueueError::ShutDown));
    assert_eq!(queue.try_get(), Ok(Item::number(1.0)));
    assert_eq!(queue.try_get(), Ok(item(2)));
    assert_eq!(queue.get_until(far()), Err(QueueError::ShutDown));
    // Closing later does not turn ShutDown into Closed.
    queue.close();
    assert_eq!(queue.try_get(), Err(QueueError::ShutDown));
  }

  /// Ring, channel and `front` are all emptied; the joiner returns and the
  /// items still in hand may be marked done.
  #[test]
  fn shutdown_immediate_discards_everything_and_releases_join() {
    let queue = Queue::new(0);
    for i in 0..(RING_SLOTS as u32 + 10) {
      queue.try_put(Item::number(f64::from(i))).unwrap();
    }
    queue.try_put(item(1)).unwrap();
    // Leaves a refill's leftover in `front`.
    assert_eq!(queue.try_get(), Ok(Item::number(0.0)));
    assert!(!queue.join_until(Instant::now()));
    queue.shutdown(true);
    assert!(queue.is_empty());
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.try_get(), Err(QueueError::ShutDown));
    assert!(queue.join_until(Instant::now()));
    assert!(queue.task_done(), "the item taken before the shutdown");
  }

  /// A getter parked on an empty queue, and a putter on a full one, are woken
  /// with ShutDown, 20 times over.
  #[test]
  fn shutdown_wakes_blocked_getters_and_putters() {
    for round in 0..20 {
      let empty = Queue::new(0);
      let full = Queue::new(1);
      full.try_put(item(0)).unwrap();
      std::thread::scope(|s| {
        let getter = s.spawn(|| empty.get_until(far()));
        let putter = s.spawn(|| full.put_until(item(1), far()));
        while empty.not_empty.is_empty() || full.not_full.is_empty() {
          std::thread::yield_now();
        }
        let immediate = round % 2 == 1;
        empty.shutdown(immediate);
        full.shutdown(immediate);
        assert_eq!(getter.join().unwrap(), Err(QueueError::ShutDown));
        assert_eq!(putter.join().unwrap(), Err(QueueError::ShutDown));
      });
      // Not immediate: the item already there is still got.
      let left = full.try_get();
      if round % 2 == 1 {
        assert_eq!(left, Err(QueueError::ShutDown));
      } else {
        assert_eq!(left, Ok(item(0)));
      }
    }
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

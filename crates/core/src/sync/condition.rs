use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Instant;

use super::{AsyncCallback, Decision, Outcome, Parked, Started, Ticket, WaitQueue};
use crate::SharedMemory;

/// The waiting half of Python's `Condition`: a notification counter (word 0)
/// and its waiters. The lock half is a [`Lock`](super::Lock) (or an RLock built
/// on one) that the caller releases after reading [`seq`](Self::seq) and takes
/// again after waiting, so a notify between the two is never lost: the waiter
/// then sees the counter moved and does not sleep.
///
/// ```
/// use std::time::{Duration, Instant};
/// use multiproc_core::sync::Condition;
///
/// let condition = Condition::new();
/// let seen = condition.seq();
/// condition.notify(1);
/// assert!(condition.wait_until(seen, Instant::now() + Duration::from_secs(1)));
/// ```
pub struct Condition {
  memory: Arc<SharedMemory>,
  waiters: WaitQueue,
}

impl Default for Condition {
  fn default() -> Self {
    Self::new()
  }
}

impl Condition {
  pub fn new() -> Self {
    Self {
      memory: Arc::new(SharedMemory::zeroed(8)),
      waiters: WaitQueue::new(),
    }
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  pub fn seq(&self) -> i32 {
    self.memory.word(0).load(SeqCst)
  }

  /// Waits for a notify after `seen`; false if `until` passed first.
  pub fn wait_until(&self, seen: i32, until: Instant) -> bool {
    self.waiters.park(|| self.seq() == seen, until) != Parked::Elapsed
  }

  /// A blocking wait in slices: a place in the queue unless notified since
  /// `seen` (None), waited on with [`wait_ticket`](Self::wait_ticket) and
  /// given up with [`leave`](Self::leave).
  pub fn enqueue_thread(&self, seen: i32) -> Option<Ticket> {
    self.waiters.enqueue_thread(|| self.seq() == seen)
  }

  pub fn wait_ticket(&self, ticket: &Ticket, until: Instant) -> bool {
    self.waiters.wait_ticket(ticket, until)
  }

  /// True if the ticket was notified.
  pub fn leave(&self, ticket: &Ticket) -> bool {
    self.waiters.leave(ticket)
  }

  pub fn wait_async(&self, seen: i32, callback: AsyncCallback) -> Started {
    match self.waiters.enqueue(|| self.seq() == seen, callback) {
      Some(id) => Started::Queued(id),
      None => Started::Ready,
    }
  }

  pub fn cancel(&self, id: u64) -> bool {
    self.waiters.remove(id)
  }

  /// Wakes up to `n` waiters; returns how many.
  pub fn notify(&self, n: usize) -> usize {
    let bump = || {
      self.memory.word(0).fetch_add(1, SeqCst);
    };
    self
      .waiters
      .wake_with(n, bump, |_| Decision::Deliver(Outcome::Woken), |_| {})
  }

  pub fn notify_all(&self) -> usize {
    self.waiters.wake_all(
      || {
        self.memory.word(0).fetch_add(1, SeqCst);
      },
      Outcome::Woken,
    )
  }
}

#[cfg(test)]
mod tests {
  use super::super::{Acquire, Lock};
  use super::*;
  use std::cell::UnsafeCell;
  use std::time::Duration;

  struct Shared {
    lock: Lock,
    condition: Condition,
    queue: UnsafeCell<std::collections::VecDeque<u32>>,
  }
  // SAFETY: `queue` is only touched while holding `lock`.
  unsafe impl Sync for Shared {}

  fn far() -> Instant {
    Instant::now() + Duration::from_secs(30)
  }

  /// Producer/consumer through a condition: every item is consumed, so no
  /// notify was lost (a lost one would leave a consumer asleep until timeout).
  #[test]
  fn never_loses_a_notify() {
    const ITEMS: u32 = 20_000;
    let shared = Shared {
      lock: Lock::new(),
      condition: Condition::new(),
      queue: UnsafeCell::new(Default::default()),
    };
    let consumed = std::thread::scope(|s| {
      let consumers: Vec<_> = (0..3)
        .map(|_| {
          let shared = &shared;
          s.spawn(move || {
            let mut got = Vec::new();
            loop {
              assert_eq!(shared.lock.acquire_until(far()), Acquire::Acquired);
              loop {
                let queue = unsafe { &mut *shared.queue.get() };
                if let Some(item) = queue.pop_front() {
                  got.push(item);
                  break;
                }
                let seen = shared.condition.seq();
                shared.lock.release().unwrap();
                assert!(
                  shared.condition.wait_until(seen, far()),
                  "a notify was lost"
                );
                assert_eq!(shared.lock.acquire_until(far()), Acquire::Acquired);
              }
              shared.lock.release().unwrap();
              if got.last() == Some(&u32::MAX) {
                return got;
              }
            }
          })
        })
        .collect();
      for item in (0..ITEMS).chain([u32::MAX; 3]) {
        assert_eq!(shared.lock.acquire_until(far()), Acquire::Acquired);
        unsafe { (*shared.queue.get()).push_back(item) };
        shared.condition.notify(1);
        shared.lock.release().unwrap();
      }
      consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect::<Vec<_>>()
    });
    let mut items: Vec<u32> = consumed.into_iter().filter(|&i| i != u32::MAX).collect();
    items.sort_unstable();
    assert_eq!(items, (0..ITEMS).collect::<Vec<_>>());
  }

  /// notify(1) wakes exactly one of two blocked threads, even though both
  /// wait in short slices.
  #[test]
  fn notify_one_wakes_exactly_one_slicing_waiter() {
    let condition = Condition::new();
    let woken = std::sync::atomic::AtomicU32::new(0);
    std::thread::scope(|s| {
      let seen = condition.seq();
      for _ in 0..2 {
        let (condition, woken) = (&condition, &woken);
        s.spawn(move || {
          let ticket = condition.enqueue_thread(seen).expect("not notified yet");
          let deadline = Instant::now() + Duration::from_millis(300);
          while !condition.wait_ticket(
            &ticket,
            (Instant::now() + Duration::from_millis(5)).min(deadline),
          ) {
            if Instant::now() >= deadline {
              break;
            }
          }
          if condition.leave(&ticket) {
            woken.fetch_add(1, SeqCst);
          }
        });
      }
      while condition.waiters.len() < 2 {
        std::thread::yield_now();
      }
      condition.notify(1);
    });
    assert_eq!(woken.load(SeqCst), 1);
  }

  #[test]
  fn wait_times_out_without_notify() {
    let condition = Condition::new();
    assert!(!condition.wait_until(condition.seq(), Instant::now() + Duration::from_millis(20)));
  }
}

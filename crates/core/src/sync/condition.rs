use std::time::Instant;

use super::owner::{self, Owner};
use super::{AsyncCallback, Decision, Outcome, Ticket, WaitQueue};

/// The waiting half of Python's `Condition`: a FIFO of waiters. The lock half
/// is a [`Lock`](super::Lock) (or an RLock built on one). As in Python, a
/// waiter takes its place in the queue while it still holds the lock, then
/// releases the lock and waits; a notifier holds the lock too, so a notify
/// either finds the waiter queued or came before it (and was not for it).
/// `notify(n)` wakes the first `n` waiters and only them: a waiter is woken
/// only if its own place was chosen, however it slices its wait.
///
/// ```
/// use std::time::{Duration, Instant};
/// use multiproc_core::sync::Condition;
///
/// let condition = Condition::new();
/// let ticket = condition.enqueue_thread(0); // holding the lock
/// // ... release the lock ...
/// assert_eq!(condition.notify(1), 1);
/// assert!(condition.wait_ticket(&ticket, Instant::now() + Duration::from_secs(1)));
/// assert!(condition.leave(&ticket));
/// ```
#[derive(Default)]
pub struct Condition {
  waiters: WaitQueue,
}

impl Condition {
  pub fn new() -> Self {
    Self::default()
  }

  /// Waiters queued now (a dead owner's place counts until a notify passes it over).
  pub fn waiting(&self) -> usize {
    self.waiters.len()
  }

  /// A blocking wait's place for `owner`, taken while holding the lock; waited
  /// on in slices with [`wait_ticket`](Self::wait_ticket) and given up with
  /// [`leave`](Self::leave).
  pub fn enqueue_thread(&self, owner: Owner) -> Ticket {
    self
      .waiters
      .enqueue_thread_for(owner, || true)
      .expect("always queued")
  }

  /// One slice: true once this ticket was notified.
  pub fn wait_ticket(&self, ticket: &Ticket, until: Instant) -> bool {
    self.waiters.wait_ticket(ticket, until)
  }

  /// Gives the place up; true if the ticket was notified.
  pub fn leave(&self, ticket: &Ticket) -> bool {
    self.waiters.leave(ticket)
  }

  /// An async wait for `owner`, taken while holding the lock; returns its id.
  pub fn wait_async(&self, owner: Owner, callback: AsyncCallback) -> u64 {
    self
      .waiters
      .enqueue_for(owner, || true, callback)
      .expect("always queued")
  }

  pub fn cancel(&self, id: u64) -> bool {
    self.waiters.remove(id)
  }

  /// Wakes up to `n` waiters, passing over those whose thread died; returns how many.
  pub fn notify(&self, n: usize) -> usize {
    self.waiters.wake_with(
      n,
      || {},
      |head| {
        if owner::is_dead(head.owner) {
          Decision::Skip
        } else {
          Decision::Deliver(Outcome::Woken)
        }
      },
      |_| {},
    )
  }

  pub fn notify_all(&self) -> usize {
    self.notify(usize::MAX)
  }
}

#[cfg(all(test, not(loom)))]
mod tests {
  use super::super::{Acquire, Lock};
  use super::*;
  use std::cell::UnsafeCell;
  use std::sync::atomic::AtomicU32;
  use std::sync::atomic::Ordering::SeqCst;
  use std::sync::Arc;
  use std::time::Duration;

  struct Shared {
    lock: Arc<Lock>,
    condition: Condition,
    queue: UnsafeCell<std::collections::VecDeque<u32>>,
  }
  // SAFETY: `queue` is only touched while holding `lock`.
  unsafe impl Sync for Shared {}

  fn far() -> Instant {
    Instant::now() + Duration::from_secs(30)
  }

  /// Python's wait: queued holding the lock, then release, wait, re-acquire.
  fn wait(shared: &Shared, me: Owner, slice: Duration) -> bool {
    let ticket = shared.condition.enqueue_thread(me);
    shared.lock.release().unwrap();
    let deadline = far();
    while !shared
      .condition
      .wait_ticket(&ticket, (Instant::now() + slice).min(deadline))
      && Instant::now() < deadline
    {}
    let notified = shared.condition.leave(&ticket);
    assert_eq!(shared.lock.acquire_until(me, far()), Acquire::Acquired);
    notified
  }

  fn shared() -> Shared {
    Shared {
      lock: Lock::new(),
      condition: Condition::new(),
      queue: UnsafeCell::new(Default::default()),
    }
  }

  /// Producer/consumer through a condition: every item is consumed, so no
  /// notify was lost (a lost one would leave a consumer asleep until timeout).
  #[test]
  fn never_loses_a_notify() {
    const ITEMS: u32 = 20_000;
    let shared = shared();
    let consumed = std::thread::scope(|s| {
      let consumers: Vec<_> = (0..3)
        .map(|_| {
          let shared = &shared;
          s.spawn(move || {
            let me = owner::new_owner();
            let mut got = Vec::new();
            loop {
              assert_eq!(shared.lock.acquire_until(me, far()), Acquire::Acquired);
              loop {
                let queue = unsafe { &mut *shared.queue.get() };
                if let Some(item) = queue.pop_front() {
                  got.push(item);
                  break;
                }
                assert!(
                  wait(shared, me, Duration::from_secs(30)),
                  "a notify was lost"
                );
              }
              shared.lock.release().unwrap();
              if got.last() == Some(&u32::MAX) {
                return got;
              }
            }
          })
        })
        .collect();
      let me = owner::new_owner();
      for item in (0..ITEMS).chain([u32::MAX; 3]) {
        assert_eq!(shared.lock.acquire_until(me, far()), Acquire::Acquired);
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

  /// notify(1) with 2..=4 waiters in 1 ms slices, right after they queued:
  /// exactly one is woken (the others are still queued), 30 times over; then
  /// notify(1) per waiter wakes each exactly once.
  #[test]
  fn notify_one_wakes_exactly_one_slicing_waiter() {
    for round in 0..30 {
      let waiters = 2 + round % 3;
      let shared = shared();
      let marks: Vec<AtomicU32> = (0..waiters).map(|_| AtomicU32::new(0)).collect();
      let woken = AtomicU32::new(0);
      std::thread::scope(|s| {
        for mark in &marks {
          let (shared, woken) = (&shared, &woken);
          s.spawn(move || {
            let me = owner::new_owner();
            assert_eq!(shared.lock.acquire_until(me, far()), Acquire::Acquired);
            if wait(shared, me, Duration::from_millis(1)) {
              mark.fetch_add(1, SeqCst);
              woken.fetch_add(1, SeqCst);
            }
            shared.lock.release().unwrap();
          });
        }
        let me = owner::new_owner();
        for left in (1..=waiters).rev() {
          while shared.condition.waiting() < left {
            std::thread::yield_now();
          }
          assert_eq!(shared.lock.acquire_until(me, far()), Acquire::Acquired);
          assert_eq!(shared.condition.notify(1), 1);
          assert_eq!(shared.condition.waiting(), left - 1, "round {round}");
          shared.lock.release().unwrap();
          let done = (waiters - left + 1) as u32;
          while woken.load(SeqCst) < done {
            std::thread::yield_now();
          }
          assert_eq!(
            woken.load(SeqCst),
            done,
            "round {round}: one notify, one wake"
          );
        }
      });
      assert!(marks.iter().all(|m| m.load(SeqCst) == 1), "round {round}");
    }
  }

  #[test]
  fn a_dead_waiter_is_passed_over_and_not_counted() {
    let condition = Condition::new();
    let (dead, alive) = (owner::new_owner(), owner::new_owner());
    let gone = condition.enqueue_thread(dead);
    let ticket = condition.enqueue_thread(alive);
    owner::died(dead);
    assert_eq!(condition.notify(1), 1);
    assert!(condition.wait_ticket(&ticket, Instant::now()));
    assert_eq!(condition.waiting(), 0, "the dead waiter's place is gone");
    drop(gone);
  }

  #[test]
  fn wait_times_out_without_notify() {
    let condition = Condition::new();
    let ticket = condition.enqueue_thread(0);
    assert!(!condition.wait_ticket(&ticket, Instant::now() + Duration::from_millis(20)));
    assert!(!condition.leave(&ticket));
    assert_eq!(condition.waiting(), 0);
  }
}

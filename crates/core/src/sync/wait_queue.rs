use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crate::shim::{fence, AtomicI32, AtomicU64, Condvar, Mutex};

use super::owner::Owner;
use crate::SharedMemory;

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
  /// Woken: the resource was handed over (async) or may now be retried (sync).
  Woken,
  TimedOut,
  /// The object was broken (Barrier) while waiting.
  Broken,
}

/// Delivers an async waiter's outcome to its thread. Returns false when that
/// thread is gone, so whatever was handed to it must be passed on.
pub type AsyncCallback = Box<dyn FnOnce(Outcome) -> bool + Send>;

/// What a sync wait returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parked {
  /// The condition no longer held when checked under the queue lock.
  NotNeeded,
  Woken,
  Broken,
  /// `until` passed first: either the caller's deadline or the end of its slice.
  Elapsed,
}

struct Parker {
  outcome: Mutex<Option<Outcome>>,
  condvar: Condvar,
}

enum Kind {
  Thread(Arc<Parker>),
  Async(AsyncCallback),
}

struct Waiter {
  id: u64,
  /// Whose wait this is (0: nobody in particular), so a wake can pass over
  /// a waiter whose thread died.
  owner: Owner,
  kind: Kind,
}

/// A blocked thread's place in a [`WaitQueue`], kept across wait slices, so
/// that waking one waiter (`notify(1)`) wakes exactly one, however the waiters
/// slice their waits.
pub struct Ticket {
  id: u64,
  parker: Arc<Parker>,
}

impl Ticket {
  /// The outcome once woken; None if `until` (None: no limit) passed first.
  fn outcome_until(&self, until: Option<Instant>) -> Option<Outcome> {
    let mut outcome = self.parker.outcome.lock();
    while outcome.is_none() {
      match until {
        Some(until) => {
          if self
            .parker
            .condvar
            .wait_until(&mut outcome, until)
            .timed_out()
          {
            break;
          }
        }
        None => self.parker.condvar.wait(&mut outcome),
      }
    }
    *outcome
  }
}

/// The waiter at the head of the queue, as `wake_with` shows it to `decide`.
#[derive(Debug, Clone, Copy)]
pub struct Head {
  pub is_async: bool,
  pub owner: Owner,
}

/// What `wake_with` does with the waiter at the head of the queue.
pub enum Decision {
  /// Remove it and deliver this outcome.
  Deliver(Outcome),
  /// Remove it without waking it and without counting it (its thread is dead).
  Skip,
  /// Leave it (and every waiter behind it) queued.
  Stop,
}

/// A FIFO of threads parked in a blocking wait and of async waiters (callbacks
/// into some thread's event loop), for one waitable object.
///
/// Invariant: every check that decides to wait and every wake happen under the
/// queue's lock, so a wake cannot slip between a waiter's check and its enqueue.
pub struct WaitQueue {
  waiters: Mutex<VecDeque<Waiter>>,
  /// Word `count_word` of `count_memory` mirrors `waiters.len()`, so a wake
  /// with nobody waiting skips the lock; in shared memory so that JS can make
  /// that check too (see [`counting_in`](Self::counting_in)).
  count_memory: Arc<SharedMemory>,
  count_word: usize,
  next_id: AtomicU64,
}

impl Default for WaitQueue {
  fn default() -> Self {
    Self::new()
  }
}

impl WaitQueue {
  pub fn new() -> Self {
    Self::counting_in(Arc::new(SharedMemory::zeroed(4)), 0)
  }

  /// A queue that keeps its waiter count in word `word` of `memory`: a thread
  /// that changes the state in that memory (with a sequentially consistent
  /// write) and then reads a count of 0 needs to wake nobody.
  pub fn counting_in(memory: Arc<SharedMemory>, word: usize) -> Self {
    Self {
      waiters: Mutex::new(VecDeque::new()),
      count_memory: memory,
      count_word: word,
      next_id: AtomicU64::new(1),
    }
  }

  fn count(&self) -> &AtomicI32 {
    self.count_memory.word(self.count_word)
  }

  pub fn len(&self) -> usize {
    self.waiters.lock().len()
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  /// Parks this thread while `must_wait()` holds (checked under the queue lock)
  /// until woken or `until`. Callers wait in slices and call again, so a worker
  /// thread regularly returns to JavaScript, where it can be terminated.
  pub fn park(&self, must_wait: impl FnOnce() -> bool, until: Instant) -> Parked {
    let Some(ticket) = self.enqueue_thread(must_wait) else {
      return Parked::NotNeeded;
    };
    let outcome = match ticket.outcome_until(Some(until)) {
      Some(outcome) => outcome,
      // Not woken in time: leave the queue, unless a wake raced us to it.
      None if self.remove(ticket.id) => return Parked::Elapsed,
      None => ticket.outcome_until(None).expect("a wake is on its way"),
    };
    match outcome {
      Outcome::Broken => Parked::Broken,
      _ => Parked::Woken,
    }
  }

  /// Under the queue lock: counts a waiter in before checking `must_wait`, so
  /// [`wake_one_if_waiting`](Self::wake_one_if_waiting) either sees it or it
  /// sees the change that wake follows. True if it must wait (and stays counted).
  fn register(&self, must_wait: impl FnOnce() -> bool) -> bool {
    self.count().fetch_add(1, Ordering::SeqCst);
    // Pairs with the waker's fence (store-buffering); also what loom needs to
    // see the SeqCst order, which it models only through fences.
    fence(Ordering::SeqCst);
    let wait = must_wait();
    if !wait {
      self.count().fetch_sub(1, Ordering::SeqCst);
    }
    wait
  }

  /// Wakes one waiter after a change made (atomically) before this call, and
  /// costs no lock when nobody waits: for the hot paths of queues.
  pub fn wake_one_if_waiting(&self) {
    fence(Ordering::SeqCst);
    if self.count().load(Ordering::SeqCst) > 0 {
      self.wake_with(1, || {}, |_| Decision::Deliver(Outcome::Woken), |_| {});
    }
  }

  /// Takes a place in the queue while `must_wait()` holds (checked under the
  /// queue lock); None when no wait is needed.
  pub fn enqueue_thread(&self, must_wait: impl FnOnce() -> bool) -> Option<Ticket> {
    self.enqueue_thread_for(0, must_wait)
  }

  /// [`enqueue_thread`](Self::enqueue_thread) for `owner`, whose place a wake
  /// passes over once `owner` is dead.
  pub fn enqueue_thread_for(
    &self,
    owner: Owner,
    must_wait: impl FnOnce() -> bool,
  ) -> Option<Ticket> {
    let parker = Arc::new(Parker {
      outcome: Mutex::new(None),
      condvar: Condvar::new(),
    });
    let mut waiters = self.waiters.lock();
    if !self.register(must_wait) {
      return None;
    }
    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
    waiters.push_back(Waiter {
      id,
      owner,
      kind: Kind::Thread(parker.clone()),
    });
    Some(Ticket { id, parker })
  }

  /// Waits on `ticket` until woken (true) or `until` (false: still queued).
  pub fn wait_ticket(&self, ticket: &Ticket, until: Instant) -> bool {
    ticket.outcome_until(Some(until)).is_some()
  }

  /// Gives the place up; true if the ticket had been woken meanwhile.
  pub fn leave(&self, ticket: &Ticket) -> bool {
    !self.remove(ticket.id)
  }

  /// Queues `callback` while `must_wait()` holds (checked under the queue lock).
  /// Returns the waiter's id, or None when no wait was needed.
  pub fn enqueue(&self, must_wait: impl FnOnce() -> bool, callback: AsyncCallback) -> Option<u64> {
    self.enqueue_for(0, must_wait, callback)
  }

  /// [`enqueue`](Self::enqueue) for `owner` (see [`Head::owner`]).
  pub fn enqueue_for(
    &self,
    owner: Owner,
    must_wait: impl FnOnce() -> bool,
    callback: AsyncCallback,
  ) -> Option<u64> {
    let mut waiters = self.waiters.lock();
    if !self.register(must_wait) {
      return None;
    }
    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
    waiters.push_back(Waiter {
      id,
      owner,
      kind: Kind::Async(callback),
    });
    Some(id)
  }

  /// Removes a waiter that gave up (timeout, abort). False if it was already
  /// woken, in which case its outcome is on its way.
  pub fn remove(&self, id: u64) -> bool {
    let mut waiters = self.waiters.lock();
    match waiters.iter().position(|w| w.id == id) {
      Some(index) => {
        waiters.remove(index);
        self.count().fetch_sub(1, Ordering::SeqCst);
        true
      }
      None => false,
    }
  }

  /// Runs `change` under the queue lock, then wakes up to `n` of the waiters
  /// queued before it, asking `decide` for each whether and how (given its
  /// [`Head`]). A waiter that checks after `change` sees its
  /// effect and does not wait, so a state change and its wake are one step:
  /// no later waiter can take a wake meant for an earlier one.
  ///
  /// An async waiter whose thread is gone does not count, and `decide` is
  /// called again for the next one; `undo` gives back what was handed to it.
  pub fn wake_with(
    &self,
    n: usize,
    change: impl FnOnce(),
    mut decide: impl FnMut(Head) -> Decision,
    mut undo: impl FnMut(Outcome),
  ) -> usize {
    let mut woken = 0;
    let mut waiters = self.waiters.lock();
    change();
    while woken < n {
      let Some(head) = waiters.front() else { break };
      let head = Head {
        is_async: matches!(head.kind, Kind::Async(_)),
        owner: head.owner,
      };
      let decision = decide(head);
      if matches!(decision, Decision::Stop) {
        break;
      }
      let waiter = waiters.pop_front().expect("head exists");
      self.count().fetch_sub(1, Ordering::SeqCst);
      let Decision::Deliver(outcome) = decision else {
        continue;
      };
      match waiter.kind {
        Kind::Thread(parker) => {
          *parker.outcome.lock() = Some(outcome);
          parker.condvar.notify_one();
          woken += 1;
        }
        Kind::Async(callback) => {
          if callback(outcome) {
            woken += 1;
          } else {
            undo(outcome);
          }
        }
      }
    }
    woken
  }

  /// Runs `change`, then wakes every waiter queued before it with `outcome`.
  pub fn wake_all(&self, change: impl FnOnce(), outcome: Outcome) -> usize {
    self.wake_with(usize::MAX, change, |_| Decision::Deliver(outcome), |_| {})
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicBool;
  use std::time::Duration;

  #[test]
  fn a_wake_before_the_wait_is_not_lost() {
    let queue = WaitQueue::new();
    let ready = AtomicBool::new(true);
    let parked = queue.park(
      || !ready.load(Ordering::SeqCst),
      Instant::now() + Duration::from_secs(5),
    );
    assert_eq!(parked, Parked::NotNeeded);
  }

  #[test]
  fn park_times_out_and_leaves_the_queue() {
    let queue = WaitQueue::new();
    let parked = queue.park(|| true, Instant::now() + Duration::from_millis(20));
    assert_eq!(parked, Parked::Elapsed);
    assert!(queue.is_empty());
  }

  #[test]
  fn async_waiters_are_woken_in_order_and_a_gone_one_is_skipped() {
    let queue = WaitQueue::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    for (name, alive) in [("a", false), ("b", true), ("c", true)] {
      let log = log.clone();
      queue.enqueue(
        || true,
        Box::new(move |_| {
          log.lock().push(name);
          alive
        }),
      );
    }
    let mut undone = 0;
    assert_eq!(
      queue.wake_with(
        1,
        || {},
        |_| Decision::Deliver(Outcome::Woken),
        |_| undone += 1
      ),
      1
    );
    assert_eq!(*log.lock(), vec!["a", "b"]);
    assert_eq!(undone, 1);
    assert_eq!(queue.len(), 1);
  }

  #[test]
  fn threads_parked_are_woken() {
    let queue = Arc::new(WaitQueue::new());
    let flag = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..4)
      .map(|_| {
        let (queue, flag) = (queue.clone(), flag.clone());
        std::thread::spawn(move || {
          queue.park(
            || !flag.load(Ordering::SeqCst),
            Instant::now() + Duration::from_secs(10),
          )
        })
      })
      .collect();
    while queue.len() < 4 {
      std::thread::yield_now();
    }
    assert_eq!(
      queue.wake_all(|| flag.store(true, Ordering::SeqCst), Outcome::Woken),
      4
    );
    for handle in handles {
      assert_eq!(handle.join().unwrap(), Parked::Woken);
    }
  }
}

use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicI32};
use std::time::Instant;

use parking_lot::Mutex;

use super::{AsyncCallback, Outcome, Parked, Started, WaitQueue};

/// The barrier was broken (`abort`, a timeout, a failed action, or `reset`
/// while threads waited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrier;

/// A thread's arrival at the barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
  /// 0..parties-1, each exactly once per round.
  pub index: u32,
  /// The round it arrived in; wait for it to end with [`Barrier::wait_until`].
  pub generation: i32,
  /// It completed the round: it runs the action, then calls [`Barrier::release`].
  pub last: bool,
}

/// Python's `Barrier`: `parties` threads meet, each gets a distinct index, and
/// the last to arrive releases the round (after running the action, if any).
///
/// ```
/// use std::time::{Duration, Instant};
/// use multiproc_core::sync::Barrier;
///
/// let barrier = Barrier::new(1);
/// let arrival = barrier.arrive().unwrap();
/// assert!(arrival.last);
/// barrier.release(arrival.generation);
/// assert_eq!(barrier.wait_until(arrival.generation, Instant::now()), Ok(()));
/// ```
pub struct Barrier {
  parties: u32,
  arrived: Mutex<u32>,
  generation: AtomicI32,
  /// The last round that ended by all parties arriving (not by `reset`), -1
  /// before the first: tells a released waiter from one sent away by reset.
  completed: AtomicI32,
  broken: AtomicBool,
  waiters: WaitQueue,
}

impl Barrier {
  pub fn new(parties: u32) -> Self {
    Self {
      parties,
      arrived: Mutex::new(0),
      generation: AtomicI32::new(0),
      completed: AtomicI32::new(-1),
      broken: AtomicBool::new(false),
      waiters: WaitQueue::new(),
    }
  }

  pub fn parties(&self) -> u32 {
    self.parties
  }

  /// Threads waiting in the current round.
  pub fn n_waiting(&self) -> u32 {
    let arrived = *self.arrived.lock();
    if arrived == self.parties || self.broken() {
      0
    } else {
      arrived
    }
  }

  pub fn broken(&self) -> bool {
    self.broken.load(SeqCst)
  }

  pub fn arrive(&self) -> Result<Arrival, BrokenBarrier> {
    let mut arrived = self.arrived.lock();
    if self.broken() {
      return Err(BrokenBarrier);
    }
    let index = *arrived;
    *arrived += 1;
    Ok(Arrival {
      index,
      generation: self.generation.load(SeqCst),
      last: *arrived == self.parties,
    })
  }

  /// Ends round `generation` (called by its last arrival) and wakes the others.
  pub fn release(&self, generation: i32) {
    let next_round = || {
      let mut arrived = self.arrived.lock();
      if self.generation.load(SeqCst) == generation {
        *arrived = 0;
        self.completed.store(generation, SeqCst);
        self.generation.fetch_add(1, SeqCst);
      }
    };
    self.waiters.wake_all(next_round, Outcome::Woken);
  }

  fn round_open(&self, generation: i32) -> bool {
    self.generation.load(SeqCst) == generation && !self.broken()
  }

  fn ended(&self, generation: i32) -> Result<(), BrokenBarrier> {
    // Released rounds count even if the barrier broke later; a reset round does not.
    if self.completed.load(SeqCst) >= generation {
      Ok(())
    } else {
      Err(BrokenBarrier)
    }
  }

  /// One slice of waiting for round `generation` to end: `Ok(true)` when it
  /// ended, `Ok(false)` when `until` passed first, `Err` once it is broken.
  pub fn wait_slice(&self, generation: i32, until: Instant) -> Result<bool, BrokenBarrier> {
    match self.waiters.park(|| self.round_open(generation), until) {
      Parked::Broken => Err(BrokenBarrier),
      Parked::Elapsed => Ok(false),
      _ => self.ended(generation).map(|_| true),
    }
  }

  /// Blocking wait to the end of the round, breaking the barrier on timeout.
  pub fn wait_until(&self, generation: i32, until: Instant) -> Result<(), BrokenBarrier> {
    if self.wait_slice(generation, until)? {
      Ok(())
    } else {
      self.abort();
      Err(BrokenBarrier)
    }
  }

  pub fn wait_async(&self, generation: i32, callback: AsyncCallback) -> Started {
    match self
      .waiters
      .enqueue(|| self.round_open(generation), callback)
    {
      Some(id) => Started::Queued(id),
      None => Started::Ready,
    }
  }

  /// Whether round `generation` ended normally (after an async wake).
  pub fn round_result(&self, generation: i32) -> Result<(), BrokenBarrier> {
    self.ended(generation)
  }

  pub fn cancel(&self, id: u64) -> bool {
    self.waiters.remove(id)
  }

  /// Breaks the barrier: current and future waits fail until `reset`.
  pub fn abort(&self) {
    self
      .waiters
      .wake_all(|| self.broken.store(true, SeqCst), Outcome::Broken);
  }

  /// Back to the initial state; threads waiting now get `BrokenBarrier`.
  pub fn reset(&self) {
    let waiting = {
      let arrived = self.arrived.lock();
      *arrived > 0 && *arrived < self.parties
    };
    if waiting {
      self.abort();
    }
    let mut arrived = self.arrived.lock();
    *arrived = 0;
    self.generation.fetch_add(1, SeqCst);
    self.broken.store(false, SeqCst);
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  fn far() -> Instant {
    Instant::now() + Duration::from_secs(30)
  }

  fn wait(barrier: &Barrier) -> Result<u32, BrokenBarrier> {
    let arrival = barrier.arrive()?;
    if arrival.last {
      barrier.release(arrival.generation);
    } else {
      barrier.wait_until(arrival.generation, far())?;
    }
    Ok(arrival.index)
  }

  /// 4 threads x 500 rounds: every round's indexes are a permutation of 0..4.
  #[test]
  fn indexes_are_a_permutation_every_round() {
    const PARTIES: usize = 4;
    const ROUNDS: usize = 500;
    let barrier = Barrier::new(PARTIES as u32);
    let per_thread: Vec<Vec<u32>> = std::thread::scope(|s| {
      let handles: Vec<_> = (0..PARTIES)
        .map(|_| s.spawn(|| (0..ROUNDS).map(|_| wait(&barrier).unwrap()).collect()))
        .collect();
      handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for round in 0..ROUNDS {
      let mut indexes: Vec<u32> = per_thread.iter().map(|t| t[round]).collect();
      indexes.sort_unstable();
      assert_eq!(indexes, vec![0, 1, 2, 3], "round {round}");
    }
  }

  #[test]
  fn a_timeout_breaks_the_barrier_for_everyone_until_reset() {
    let barrier = Barrier::new(3);
    let arrival = barrier.arrive().unwrap();
    assert_eq!(
      barrier.wait_until(
        arrival.generation,
        Instant::now() + Duration::from_millis(20)
      ),
      Err(BrokenBarrier)
    );
    assert!(barrier.broken());
    assert_eq!(barrier.arrive(), Err(BrokenBarrier));
    barrier.reset();
    assert!(!barrier.broken());
    assert_eq!(barrier.n_waiting(), 0);
  }

  #[test]
  fn abort_wakes_waiters_with_broken() {
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
      let waiter = s.spawn(|| wait(&barrier));
      while barrier.n_waiting() == 0 {
        std::thread::yield_now();
      }
      barrier.abort();
      assert_eq!(waiter.join().unwrap(), Err(BrokenBarrier));
    });
  }
}

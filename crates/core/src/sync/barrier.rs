use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicI32};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use super::owner::{self, Abandon, Owner};
use super::{AsyncCallback, Outcome, Parked, Started, WaitQueue};

/// The barrier was broken (`abort`, a timeout, a failed action, a party that
/// died, or `reset` while threads waited).
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
/// A party whose thread dies in the round ([`owner::died`]) breaks it, as a
/// timeout does, so the others are not left waiting for it.
///
/// ```
/// use std::time::{Duration, Instant};
/// use multiproc_core::sync::Barrier;
///
/// let barrier = Barrier::new(1);
/// let arrival = barrier.arrive(0).unwrap();
/// assert!(arrival.last);
/// barrier.release(arrival.generation);
/// assert_eq!(barrier.wait_until(arrival.generation, Instant::now()), Ok(()));
/// ```
pub struct Barrier {
  parties: u32,
  /// Who arrived in the current round, in arrival order (index = position).
  arrived: Mutex<Vec<Owner>>,
  generation: AtomicI32,
  /// The last round that ended by all parties arriving (not by `reset`), -1
  /// before the first: tells a released waiter from one sent away by reset.
  completed: AtomicI32,
  broken: AtomicBool,
  waiters: WaitQueue,
}

impl Barrier {
  /// A new barrier, watched for the death of its parties.
  pub fn new(parties: u32) -> Arc<Self> {
    let barrier = Arc::new(Self {
      parties,
      arrived: Mutex::new(Vec::new()),
      generation: AtomicI32::new(0),
      completed: AtomicI32::new(-1),
      broken: AtomicBool::new(false),
      waiters: WaitQueue::new(),
    });
    owner::watch(Arc::downgrade(&barrier) as _);
    barrier
  }

  pub fn parties(&self) -> u32 {
    self.parties
  }

  /// Threads waiting in the current round.
  pub fn n_waiting(&self) -> u32 {
    let arrived = self.arrived.lock().len() as u32;
    if arrived == self.parties || self.broken() {
      0
    } else {
      arrived
    }
  }

  pub fn broken(&self) -> bool {
    self.broken.load(SeqCst)
  }

  /// `owner` arrives in the current round.
  pub fn arrive(&self, owner: Owner) -> Result<Arrival, BrokenBarrier> {
    let mut arrived = self.arrived.lock();
    if self.broken() {
      return Err(BrokenBarrier);
    }
    let index = arrived.len() as u32;
    arrived.push(owner);
    Ok(Arrival {
      index,
      generation: self.generation.load(SeqCst),
      last: index + 1 == self.parties,
    })
  }

  /// Ends round `generation` (called by its last arrival) and wakes the others.
  pub fn release(&self, generation: i32) {
    let next_round = || {
      let mut arrived = self.arrived.lock();
      if self.generation.load(SeqCst) == generation {
        arrived.clear();
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

  /// Back to the initial state in one step: threads waiting now get
  /// `BrokenBarrier`, and one that arrives again at once (even before it was
  /// woken) is in the new round, with the others that do.
  pub fn reset(&self) {
    let new_round = || {
      let mut arrived = self.arrived.lock();
      arrived.clear();
      self.generation.fetch_add(1, SeqCst);
      self.broken.store(false, SeqCst);
    };
    self.waiters.wake_all(new_round, Outcome::Broken);
  }
}

impl Abandon for Barrier {
  /// A party that died in the current round never completes it: break it.
  fn owner_died(&self, owner: Owner) {
    if owner != 0 && self.arrived.lock().contains(&owner) {
      self.abort();
    }
  }
}

#[cfg(all(test, not(loom)))]
mod tests {
  use super::*;
  use std::time::Duration;

  fn far() -> Instant {
    Instant::now() + Duration::from_secs(30)
  }

  fn wait(barrier: &Barrier) -> Result<u32, BrokenBarrier> {
    let arrival = barrier.arrive(0)?;
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
    let arrival = barrier.arrive(0).unwrap();
    assert_eq!(
      barrier.wait_until(
        arrival.generation,
        Instant::now() + Duration::from_millis(20)
      ),
      Err(BrokenBarrier)
    );
    assert!(barrier.broken());
    assert_eq!(barrier.arrive(0), Err(BrokenBarrier));
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

  /// reset() while 3 of 4 parties wait (async and blocking in 1 ms slices):
  /// each is sent away with BrokenBarrier, arrives again at once, and the
  /// three meet the fourth in the new round (indexes 0..4 once), 30 times over.
  #[test]
  fn parties_sent_away_by_reset_meet_in_the_new_round() {
    for round in 0..30 {
      let barrier = Barrier::new(4);
      let (tx, rx) = std::sync::mpsc::channel();
      // One async party: it arrives again from its wake callback.
      let again = {
        let (barrier, tx) = (barrier.clone(), tx.clone());
        move || {
          let arrival = barrier.arrive(0).expect("whole again after reset");
          tx.send(arrival.index).unwrap();
        }
      };
      let first = barrier.arrive(0).unwrap();
      let started = barrier.wait_async(
        first.generation,
        Box::new(move |outcome| {
          assert_eq!(outcome, Outcome::Broken);
          again();
          true
        }),
      );
      assert!(matches!(started, Started::Queued(_)));
      std::thread::scope(|s| {
        for _ in 0..2 {
          let (barrier, tx) = (&barrier, tx.clone());
          s.spawn(move || {
            let sliced = |arrival: Arrival| loop {
              match barrier.wait_slice(
                arrival.generation,
                Instant::now() + Duration::from_millis(1),
              ) {
                Ok(true) => return Ok(()),
                Ok(false) => continue,
                Err(broken) => return Err(broken),
              }
            };
            let arrival = barrier.arrive(0).unwrap();
            assert_eq!(sliced(arrival), Err(BrokenBarrier), "round {round}");
            let arrival = barrier.arrive(0).expect("whole again after reset");
            sliced(arrival).expect("the new round ends normally");
            tx.send(arrival.index).unwrap();
          });
        }
        while barrier.n_waiting() < 3 {
          std::thread::yield_now();
        }
        barrier.reset();
        // All three arrive again in the new round and wait for the fourth.
        while barrier.n_waiting() < 3 {
          std::thread::yield_now();
        }
        let last = barrier.arrive(0).unwrap();
        assert!(last.last, "round {round}");
        barrier.release(last.generation);
        let mut indexes: Vec<u32> = rx.iter().take(3).collect();
        indexes.push(last.index);
        indexes.sort_unstable();
        assert_eq!(indexes, vec![0, 1, 2, 3], "round {round}");
      });
      assert!(!barrier.broken());
    }
  }

  #[test]
  fn a_party_that_dies_in_the_round_breaks_it() {
    let barrier = Barrier::new(3);
    let (dead, alive) = (owner::new_owner(), owner::new_owner());
    barrier.arrive(dead).unwrap();
    std::thread::scope(|s| {
      let waiter = s.spawn(|| {
        let arrival = barrier.arrive(alive).unwrap();
        barrier.wait_until(arrival.generation, far())
      });
      while barrier.n_waiting() < 2 {
        std::thread::yield_now();
      }
      owner::died(dead);
      assert_eq!(waiter.join().unwrap(), Err(BrokenBarrier));
    });
    assert!(barrier.broken());
  }
}

use std::sync::atomic::Ordering::{Acquire as Acq, Relaxed, Release, SeqCst};
use std::sync::Arc;
use std::time::Instant;

use super::owner::{self, Abandon, Owner, OWNER_BITS};
use super::{Acquire, AsyncCallback, Decision, Head, Outcome, Parked, Started, WaitQueue};
use crate::shim::AtomicI32;
use crate::SharedMemory;

const UNLOCKED: i32 = 0;
/// Set with the holder's token: someone may be waiting, so the releaser must
/// look at the waiter count.
pub const CONTENDED: i32 = 1 << OWNER_BITS;
const HOLDER: i32 = CONTENDED - 1;

/// Word 0 is the lock state: 0, or the holder's owner token (plus
/// [`CONTENDED`]); words 1 and 2 are free for the JS side (RLock keeps its
/// owner and count there); word 3 is the wait queues' count of the waiters
/// parked or queued (in every process), word 4 the count of threads asleep on
/// the state word itself (a lock shared with other processes), so a releaser
/// that finds the lock contended calls [`Lock::wake`] only if someone waits.
pub const LOCK_WORDS: usize = 5;
const WAITERS: usize = 3;
const ON_WORD: usize = 4;

/// `release` of a lock nobody holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotLocked;

/// A non-reentrant lock any thread may release (Python's `Lock`), as a futex
/// mutex whose word names its holder, as a robust futex does. JS takes and
/// releases it on the fast path with `Atomics.compareExchange(state, 0, owner)`
/// / `Atomics.exchange(state, 0)`, calling into the core only to wait, or to
/// wake when the old state was contended.
///
/// A holder whose thread died ([`owner::died`]) no longer holds it: the lock
/// passes to the next waiter (as a robust mutex's `EOWNERDEAD`), whether that
/// waiter is parked (it checks between slices) or async (told by the death).
///
/// ```
/// use multiproc_core::sync::{owner, Lock};
///
/// let me = owner::new_owner();
/// let lock = Lock::new();
/// assert!(lock.try_acquire(me));
/// assert!(!lock.try_acquire(me));
/// lock.release().unwrap();
/// assert!(lock.release().is_err());
/// ```
///
/// Across processes (once [located](Lock::locate) or [attached](Lock::attach))
/// each process has its own `Lock` over the same words: blocking waiters then
/// sleep on the state word (a futex shared by the processes), queued ones are
/// reached through the program's relay (`super::relay`).
pub struct Lock {
  memory: Arc<SharedMemory>,
  waiters: WaitQueue,
  #[cfg(not(loom))]
  across: super::across::Across,
}

impl Lock {
  /// A new lock, watched for the death of its holders.
  pub fn new() -> Arc<Self> {
    Self::over(Arc::new(SharedMemory::zeroed(LOCK_WORDS * 4)), false)
  }

  fn over(memory: Arc<SharedMemory>, across: bool) -> Arc<Self> {
    let lock = Arc::new(Self {
      waiters: WaitQueue::counting_in(memory.clone(), WAITERS),
      memory,
      #[cfg(not(loom))]
      across: super::across::Across::new(0, ON_WORD, WAITERS),
    });
    owner::watch(Arc::downgrade(&lock) as _);
    #[cfg(not(loom))]
    if across {
      lock.across.share(super::across::watched(&lock));
    }
    #[cfg(loom)]
    let _ = across;
    lock
  }

  /// This process's side of a lock another process [located](Lock::locate).
  #[cfg(not(loom))]
  pub fn attach(location: &crate::Location) -> std::io::Result<Arc<Self>> {
    Ok(Self::over(super::across::attach_memory(location, LOCK_WORDS * 4, "a lock")?, true))
  }

  /// Where another process attaches this lock; from then on it is shared across processes.
  #[cfg(not(loom))]
  pub fn locate(self: &Arc<Self>) -> crate::Location {
    self.across.share(super::across::watched(self));
    self.memory.locate()
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  fn state(&self) -> &AtomicI32 {
    self.memory.word(0)
  }

  pub fn locked(&self) -> bool {
    self.state().load(SeqCst) != UNLOCKED
  }

  /// The holder's token, if held.
  pub fn holder(&self) -> Option<Owner> {
    match self.state().load(SeqCst) & HOLDER {
      0 => None,
      holder => Some(holder as Owner),
    }
  }

  pub fn try_acquire(&self, owner: Owner) -> bool {
    self
      .state()
      .compare_exchange(UNLOCKED, owner as i32, Acq, Relaxed)
      .is_ok()
  }

  /// Blocks until acquired for `owner` or `until`.
  pub fn acquire_until(&self, owner: Owner, until: Instant) -> Acquire {
    loop {
      let contended = match self.take_or_mark(owner) {
        Ok(()) => return Acquire::Acquired,
        Err(contended) => contended,
      };
      #[cfg(not(loom))]
      if self.across.is_shared() {
        let now = Instant::now();
        if now >= until {
          return Acquire::Elapsed;
        }
        self.across.sleep(&self.memory, contended, until - now);
        continue;
      }
      // The wait queue counts us in before the check: a releaser that reads
      // no waiters has already unlocked, and then the check finds it changed.
      let parked = self
        .waiters
        .park(|| self.state().load(SeqCst) == contended, until);
      if parked == Parked::Elapsed {
        return Acquire::Elapsed;
      }
    }
  }

  /// Takes the lock for `owner` if it is free or its holder is dead (then
  /// marked contended, as others may wait); else marks it contended so that
  /// its holder will wake us, and returns the state to wait on.
  fn take_or_mark(&self, owner: Owner) -> Result<(), i32> {
    let state = self.state();
    let mine = owner as i32 | CONTENDED;
    let mut current = state.load(SeqCst);
    loop {
      let take = current == UNLOCKED || owner::is_dead((current & HOLDER) as Owner);
      let next = if take { mine } else { current | CONTENDED };
      if !take && next == current {
        return Err(current);
      }
      match state.compare_exchange(current, next, SeqCst, SeqCst) {
        Ok(_) if take => return Ok(()),
        Ok(_) => return Err(next),
        Err(seen) => current = seen,
      }
    }
  }

  /// Acquires now for `owner`, or queues `callback`, which is called once the
  /// lock has been handed to this waiter (it then holds the lock).
  pub fn acquire_async(&self, owner: Owner, callback: AsyncCallback) -> Started {
    // Counted in before the lock is marked contended (see acquire_until).
    let queued = self
      .waiters
      .enqueue_for(owner, || self.take_or_mark(owner).is_err(), callback);
    match queued {
      Some(id) => Started::Queued(id),
      None => Started::Ready,
    }
  }

  /// Withdraws a queued async waiter; false if the lock was already handed to it.
  pub fn cancel(&self, id: u64) -> bool {
    self.waiters.remove(id)
  }

  /// Waiters parked or queued now (the JS releaser reads word 3 directly).
  pub fn waiting(&self) -> i32 {
    self.memory.word(WAITERS).load(SeqCst)
  }

  pub fn release(&self) -> Result<(), NotLocked> {
    let previous = self.state().swap(UNLOCKED, SeqCst);
    if previous == UNLOCKED {
      return Err(NotLocked);
    }
    if previous & CONTENDED != 0 {
      // Pairs with the waiter's fence after it counted itself in.
      crate::shim::fence(SeqCst);
      if self.waiting() > 0 || self.memory.word(ON_WORD).load(SeqCst) > 0 {
        self.wake();
      }
    }
    Ok(())
  }

  /// After a release that found the lock contended: wake one thread to retry,
  /// or hand the lock straight to one async waiter (never to a dead one).
  /// Shared across processes, also a thread asleep on the state word, and
  /// the other processes' queued waiters when none here was woken.
  pub fn wake(&self) {
    let woken = self.wake_here();
    #[cfg(not(loom))]
    if self.across.is_shared() {
      self.across.wake(&self.memory, 1, woken, self.waiters.len());
    }
    #[cfg(loom)]
    let _ = woken;
  }

  /// Wakes one of this process's queued waiters; how many were woken.
  fn wake_here(&self) -> usize {
    self.waiters.wake_with(
      1,
      || {},
      |head: Head| {
        if !head.is_async {
          return Decision::Deliver(Outcome::Woken);
        }
        match self.take_or_mark(head.owner) {
          Ok(()) if owner::is_dead(head.owner) => {
            self.state().store(UNLOCKED, Release);
            Decision::Skip
          }
          Ok(()) => Decision::Deliver(Outcome::Woken),
          Err(_) => Decision::Stop,
        }
      },
      // The waiter's thread is gone: give its lock back (the loop then tries the next one).
      |_| self.state().store(UNLOCKED, Release),
    )
  }
}

#[cfg(not(loom))]
impl super::relay::RemoteWaiters for Lock {
  fn has_waiters(&self) -> bool {
    !self.waiters.is_empty()
  }

  fn retry(&self) {
    self.wake_here();
  }
}

impl Abandon for Lock {
  /// Passes a dead holder's lock to the next waiter, if any. Without waiters
  /// it stays locked (as a robust mutex does), so another thread may still
  /// release it, and the next acquirer takes it over ([`take_or_mark`]).
  ///
  /// A waiter that counted itself in after this read of the count checks the
  /// holder after the death was recorded, so it takes the lock itself.
  fn owner_died(&self, owner: Owner) {
    let current = self.state().load(SeqCst);
    if current & HOLDER == owner as i32
      && current != UNLOCKED
      && self.waiting() > 0
      && self
        .state()
        .compare_exchange(current, UNLOCKED, SeqCst, Relaxed)
        .is_ok()
      && current & CONTENDED != 0
    {
      self.wake();
    }
  }
}

#[cfg(all(test, not(loom)))]
mod tests {
  use super::*;
  use std::cell::UnsafeCell;
  use std::sync::mpsc;
  use std::time::Duration;

  struct Guarded(UnsafeCell<u64>);
  // SAFETY: only touched while holding the lock under test.
  unsafe impl Sync for Guarded {}

  /// This test thread's owner token.
  fn me() -> Owner {
    thread_local!(static ME: Owner = owner::new_owner());
    ME.with(|me| *me)
  }

  fn far() -> Instant {
    Instant::now() + Duration::from_secs(30)
  }

  /// 4 threads x 100k increments of a plain counter under the lock = exactly 400k.
  #[test]
  fn mutual_exclusion_under_contention() {
    let lock = Lock::new();
    let counter = Guarded(UnsafeCell::new(0));
    std::thread::scope(|s| {
      for t in 0..4 {
        let (lock, counter) = (&lock, &counter);
        s.spawn(move || {
          for i in 0..100_000 {
            if (i + t) % 2 == 0 {
              if !lock.try_acquire(me()) {
                assert_eq!(lock.acquire_until(me(), far()), Acquire::Acquired);
              }
            } else {
              assert_eq!(lock.acquire_until(me(), far()), Acquire::Acquired);
            }
            unsafe { *counter.0.get() += 1 };
            lock.release().unwrap();
          }
        });
      }
    });
    assert_eq!(unsafe { *counter.0.get() }, 400_000);
    assert!(!lock.locked());
  }

  #[test]
  fn acquire_times_out() {
    let lock = Lock::new();
    assert!(lock.try_acquire(me()));
    let until = Instant::now() + Duration::from_millis(30);
    assert_eq!(lock.acquire_until(me(), until), Acquire::Elapsed);
    assert!(Instant::now() >= until);
  }

  #[test]
  fn async_waiters_get_the_lock_handed_over_in_order() {
    let lock = Lock::new();
    assert!(lock.try_acquire(me()));
    let (tx, rx) = mpsc::channel();
    for name in ["first", "second"] {
      let tx = tx.clone();
      let started = lock.acquire_async(
        me(),
        Box::new(move |outcome| {
          tx.send((name, outcome)).unwrap();
          true
        }),
      );
      assert!(matches!(started, Started::Queued(_)));
    }
    lock.release().unwrap();
    assert_eq!(rx.recv().unwrap(), ("first", Outcome::Woken));
    assert!(lock.locked(), "the lock was handed to the first waiter");
    assert!(rx.try_recv().is_err());
    lock.release().unwrap();
    assert_eq!(rx.recv().unwrap(), ("second", Outcome::Woken));
    lock.release().unwrap();
    assert!(!lock.locked());
  }

  #[test]
  fn a_lock_handed_to_a_gone_waiter_passes_on() {
    let lock = Lock::new();
    assert!(lock.try_acquire(me()));
    lock.acquire_async(me(), Box::new(|_| false));
    let (tx, rx) = mpsc::channel();
    lock.acquire_async(me(), Box::new(move |_| tx.send(()).is_ok()));
    lock.release().unwrap();
    rx.recv_timeout(Duration::from_secs(5))
      .expect("second waiter got the lock");
    assert!(lock.locked());
  }

  #[test]
  fn cancelled_async_waiter_is_not_woken() {
    let lock = Lock::new();
    assert!(lock.try_acquire(me()));
    let Started::Queued(id) =
      lock.acquire_async(me(), Box::new(|_| panic!("cancelled waiter woken")))
    else {
      panic!("expected to queue")
    };
    assert!(lock.cancel(id));
    lock.release().unwrap();
    assert!(!lock.locked());
  }

  /// A holder that dies with nobody waiting: still locked; the next acquirer takes it.
  #[test]
  fn a_dead_holders_lock_stays_locked_until_the_next_acquirer_takes_it() {
    let lock = Lock::new();
    let dead = owner::new_owner();
    assert!(lock.try_acquire(dead));
    owner::died(dead);
    assert!(lock.locked() && !lock.try_acquire(me()));
    assert_eq!(lock.acquire_until(me(), Instant::now()), Acquire::Acquired);
    assert_eq!(lock.holder(), Some(me()));
    lock.release().unwrap();
  }

  /// A holder that dies: a parked waiter (in 1 ms slices) and an async waiter
  /// each get the lock in turn, in either order (between two slices the
  /// parked waiter may take the dead holder's lock itself), 20 times over.
  #[test]
  fn a_dead_holders_lock_passes_to_the_next_waiter() {
    for _ in 0..20 {
      let lock = Lock::new();
      let (dead, parked, queued) = (owner::new_owner(), owner::new_owner(), owner::new_owner());
      assert!(lock.try_acquire(dead));
      let (tx, rx) = mpsc::channel();
      assert!(matches!(
        lock.acquire_async(queued, Box::new(move |_| tx.send(()).is_ok())),
        Started::Queued(_)
      ));
      std::thread::scope(|s| {
        let waiter = s.spawn(|| loop {
          let slice = Instant::now() + Duration::from_millis(1);
          if lock.acquire_until(parked, slice) == Acquire::Acquired {
            let holder = lock.holder();
            lock.release().unwrap();
            return holder;
          }
        });
        owner::died(dead);
        rx.recv_timeout(Duration::from_secs(5))
          .expect("the async waiter got the lock");
        // Handed to the async waiter, it holds the lock until released here.
        assert_eq!(lock.holder(), Some(queued));
        lock.release().unwrap();
        assert_eq!(waiter.join().unwrap(), Some(parked));
      });
      assert!(!lock.locked());
    }
  }

  #[test]
  fn a_lock_is_not_handed_to_a_dead_async_waiter() {
    let lock = Lock::new();
    let (dead, alive) = (owner::new_owner(), owner::new_owner());
    assert!(lock.try_acquire(alive));
    // The waiter's thread is gone but its wake would still be "sent".
    lock.acquire_async(dead, Box::new(|_| true));
    owner::died(dead);
    lock.release().unwrap();
    assert!(!lock.locked());
    assert_eq!(lock.waiting(), 0);
  }
}

#[cfg(all(test, target_os = "linux", not(loom)))]
mod across_processes {
  use super::*;
  use crate::forked::{exit_code, fork};
  use std::sync::mpsc;
  use std::time::Duration;

  fn until(seconds: u64) -> Instant {
    Instant::now() + Duration::from_secs(seconds)
  }

  #[test]
  fn two_processes_exclude_each_other() {
    let lock = Lock::new();
    let counter = SharedMemory::zeroed(8);
    let (at_lock, at_counter) = (lock.locate(), counter.locate());
    let add = |lock: &Lock, counter: &SharedMemory, me: Owner| {
      for _ in 0..20_000 {
        if lock.acquire_until(me, until(30)) != Acquire::Acquired {
          return 2;
        }
        // A plain read-modify-write: only the lock keeps it from losing counts.
        let seen = counter.cell(0).load(Relaxed);
        counter.cell(0).store(seen + 1, Relaxed);
        lock.release().unwrap();
      }
      0
    };
    let child = fork(move || add(&Lock::attach(&at_lock).unwrap(), &SharedMemory::attach(&at_counter).unwrap(), owner::new_owner()));
    assert_eq!(add(&lock, &counter, owner::new_owner()), 0);
    assert_eq!(exit_code(child), 0);
    assert_eq!(counter.cell(0).load(SeqCst), 40_000);
  }

  #[test]
  fn a_blocked_waiter_in_another_process_is_woken_by_the_release() {
    let lock = Lock::new();
    let me = owner::new_owner();
    assert!(lock.try_acquire(me));
    let at = lock.locate();
    let started = SharedMemory::zeroed(8);
    let at_started = started.locate();
    let child = fork(move || {
      let (lock, started) = (Lock::attach(&at).unwrap(), SharedMemory::attach(&at_started).unwrap());
      let t0 = Instant::now();
      started.cell(0).store(1, SeqCst);
      // A lost wake-up would leave it asleep until its 20 s limit.
      match lock.acquire_until(owner::new_owner(), until(20)) {
        Acquire::Acquired if t0.elapsed() < Duration::from_secs(10) => 0,
        _ => 2,
      }
    });
    while started.cell(0).load(SeqCst) == 0 {
      std::thread::yield_now();
    }
    std::thread::sleep(Duration::from_millis(50));
    lock.release().unwrap();
    assert_eq!(exit_code(child), 0);
  }

  #[test]
  fn an_async_waiter_here_gets_a_lock_released_in_another_process() {
    let lock = Lock::new();
    let at = lock.locate();
    let held = SharedMemory::zeroed(8);
    let at_held = held.locate();
    let child = fork(move || {
      let (lock, held) = (Lock::attach(&at).unwrap(), SharedMemory::attach(&at_held).unwrap());
      assert!(lock.try_acquire(owner::new_owner()));
      held.cell(0).store(1, SeqCst);
      // Wait until the parent queued, then release.
      while held.cell(0).load(SeqCst) != 2 {
        std::thread::yield_now();
      }
      lock.release().unwrap();
      0
    });
    while held.cell(0).load(SeqCst) != 1 {
      std::thread::yield_now();
    }
    let (tx, rx) = mpsc::channel();
    let started = lock.acquire_async(owner::new_owner(), Box::new(move |outcome| tx.send(outcome).is_ok()));
    assert!(matches!(started, Started::Queued(_)));
    held.cell(0).store(2, SeqCst);
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Outcome::Woken));
    assert!(lock.locked(), "handed to the async waiter");
    assert_eq!(exit_code(child), 0);
  }

  #[test]
  fn a_lock_whose_holder_process_died_is_taken_over() {
    let lock = Lock::new();
    let at = lock.locate();
    let child = fork(move || {
      let lock = Lock::attach(&at).unwrap();
      // Held, never released: the process ends with it.
      (!lock.try_acquire(owner::new_owner())) as i32
    });
    assert_eq!(exit_code(child), 0);
    assert!(lock.locked());
    assert_eq!(lock.acquire_until(owner::new_owner(), until(5)), Acquire::Acquired);
  }
}

//! loom models of the hand-offs everything else rests on. loom never times a
//! wait out, so a lost wake shows up as a deadlock in some interleaving.
//! Run: RUSTFLAGS="--cfg loom" cargo test -p multiproc-core --release loom

use std::sync::Arc;
use std::time::{Duration, Instant};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::thread;

use super::{owner, Acquire, Condition, Lock, Started, WaitQueue};

fn far() -> Instant {
  Instant::now() + Duration::from_secs(3600)
}

/// A change and its wake never miss a waiter that checks in between.
#[test]
fn loom_wait_queue_wake_is_never_lost() {
  loom::model(|| {
    let queue = Arc::new(WaitQueue::new());
    let ready = Arc::new(AtomicBool::new(false));
    let waiter = {
      let (queue, ready) = (queue.clone(), ready.clone());
      thread::spawn(move || {
        while !ready.load(SeqCst) {
          queue.park(|| !ready.load(SeqCst), far());
        }
      })
    };
    ready.store(true, SeqCst);
    queue.wake_one_if_waiting();
    waiter.join().unwrap();
  });
}

/// notify(1) with two tickets queued wakes exactly one; the next wakes the other.
#[test]
fn loom_notify_one_hands_over_exactly_one_ticket() {
  loom::model(|| {
    let condition = Arc::new(Condition::new());
    let woken = Arc::new(AtomicUsize::new(0));
    let waiters: Vec<_> = (0..2)
      .map(|_| {
        let ticket = condition.enqueue_thread(0);
        let (condition, woken) = (condition.clone(), woken.clone());
        thread::spawn(move || {
          assert!(condition.wait_ticket(&ticket, far()));
          assert!(condition.leave(&ticket));
          woken.fetch_add(1, SeqCst);
        })
      })
      .collect();
    assert_eq!(condition.notify(1), 1);
    assert_eq!(condition.waiting(), 1);
    assert_eq!(condition.notify(1), 1);
    for waiter in waiters {
      waiter.join().unwrap();
    }
    assert_eq!(woken.load(SeqCst), 2);
  });
}

/// Two threads take the lock in turn (never both inside), and the one that
/// parks is always woken by the other's release.
#[test]
fn loom_lock_excludes_and_wakes_the_parked_thread() {
  loom::model(|| {
    let lock = Lock::new();
    let inside = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..2)
      .map(|_| {
        let (lock, inside) = (lock.clone(), inside.clone());
        thread::spawn(move || {
          let me = owner::new_owner();
          assert_eq!(lock.acquire_until(me, far()), Acquire::Acquired);
          assert!(!inside.swap(true, SeqCst), "two holders at once");
          inside.store(false, SeqCst);
          lock.release().unwrap();
        })
      })
      .collect();
    for thread in threads {
      thread.join().unwrap();
    }
    assert!(!lock.locked());
  });
}

/// A release hands the lock to a queued async waiter, or the waiter's start
/// finds it free: either way the waiter ends up holding it, exactly once.
#[test]
fn loom_lock_hands_over_to_an_async_waiter() {
  loom::model(|| {
    let lock = Lock::new();
    let holder = owner::new_owner();
    assert!(lock.try_acquire(holder));
    let handed = Arc::new(AtomicUsize::new(0));
    let releaser = {
      let lock = lock.clone();
      thread::spawn(move || lock.release().unwrap())
    };
    let waiter = owner::new_owner();
    let callback = {
      let handed = handed.clone();
      Box::new(move |_| {
        handed.fetch_add(1, SeqCst);
        true
      })
    };
    if lock.acquire_async(waiter, callback) == Started::Ready {
      handed.fetch_add(1, SeqCst);
    }
    releaser.join().unwrap();
    assert_eq!(handed.load(SeqCst), 1);
    assert_eq!(lock.holder(), Some(waiter));
  });
}

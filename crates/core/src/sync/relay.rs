//! Wakes this process's queued waiters (async waiters, threads parked in a
//! [`WaitQueue`](super::WaitQueue)) on objects shared with other processes.
//!
//! A waiter's queue lives in its own process, so a release in another
//! process cannot reach it directly. Instead that process rings the program's
//! doorbell (`crate::program`), and here one thread per process, asleep on the
//! doorbell, lets the waiters of every watched object retry. It also wakes
//! them a few times a second while they wait, so a holder whose process died
//! is taken over (the retry finds it dead).

use std::sync::{Arc, Once, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use crate::program;

/// How often queued waiters look for a dead holder in another process.
const CHECK_DEAD: Duration = Duration::from_millis(250);

/// An object shared with other processes whose waiters here may need a nudge.
pub trait RemoteWaiters: Send + Sync {
  /// Whether this process has queued waiters on it.
  fn has_waiters(&self) -> bool;
  /// Lets them retry (the state changed elsewhere, or a holder died).
  fn retry(&self);
}

static WATCHED: Mutex<Vec<Weak<dyn RemoteWaiters>>> = Mutex::new(Vec::new());
static RELAY: Once = Once::new();

/// Watches `object` for as long as it lives.
pub fn watch(object: Weak<dyn RemoteWaiters>) {
  WATCHED.lock().push(object);
  RELAY.call_once(|| {
    std::thread::Builder::new()
      .name("multiproc-relay".into())
      .spawn(relay)
      .expect("cannot start the cross-process relay thread");
  });
}

/// After a change waiters in other processes may be waiting for.
pub fn ring() {
  program::ring();
}

fn relay() {
  loop {
    // Read before looking: a ring after this read ends the wait below at once.
    let seen = program::doorbell();
    let objects: Vec<Arc<dyn RemoteWaiters>> = {
      let mut watched = WATCHED.lock();
      watched.retain(|weak| weak.strong_count() > 0);
      watched.iter().filter_map(Weak::upgrade).collect()
    };
    let mut waiting = false;
    for object in objects {
      if object.has_waiters() {
        waiting = true;
        object.retry();
      }
    }
    program::wait_doorbell(seen, waiting.then_some(CHECK_DEAD));
  }
}

//! Who holds a lock or waits in a barrier or condition: one owner token per
//! thread, and what happens when that thread dies holding or waiting.
//!
//! A thread takes a token ([`new_owner`]) before it first uses a primitive and
//! reports its death ([`died`]); the binding does that from the thread's
//! environment cleanup hook, which Node runs when a worker thread ends, however
//! it ends (terminated, crashed, `process.exit`). Death is then known two ways:
//! waiters ask [`is_dead`] between wait slices, and every watched object (locks,
//! barriers) is told at once through [`Abandon`], so async waiters, which have
//! no slices, are not left waiting either. For processes the token will name a
//! process (a pid, or a slot in a shared liveness table) and `is_dead` will ask
//! the OS; the lock word and the waiters' checks stay as they are.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};

/// A thread's identity as a holder or waiter; 0 is "nobody in particular"
/// (never dead).
pub type Owner = u32;

/// Owner tokens fit in the low 30 bits of a lock word (bit 30 marks it contended).
pub const OWNER_BITS: u32 = 30;

/// Something that holds state on behalf of owners and repairs itself when one dies.
pub trait Abandon: Send + Sync {
  fn owner_died(&self, owner: Owner);
}

/// The tokens handed out are `1..next`; the live ones are kept (not the dead
/// ones), so the record stays as small as the set of living threads.
struct Tokens {
  next: Owner,
  live: BTreeSet<Owner>,
}

static TOKENS: RwLock<Tokens> = RwLock::new(Tokens {
  next: 1,
  live: BTreeSet::new(),
});
static WATCHED: Mutex<Vec<Weak<dyn Abandon>>> = Mutex::new(Vec::new());

/// A fresh token, alive until [`died`]. Tokens are never reused.
pub fn new_owner() -> Owner {
  let mut tokens = TOKENS.write();
  let owner = tokens.next;
  assert!(owner < 1 << OWNER_BITS, "out of owner tokens");
  tokens.next += 1;
  tokens.live.insert(owner);
  owner
}

pub fn is_dead(owner: Owner) -> bool {
  let tokens = TOKENS.read();
  owner != 0 && owner < tokens.next && !tokens.live.contains(&owner)
}

/// Records `owner`'s death, then tells every watched object, so a lock it held
/// passes to the next waiter and a barrier it waited in breaks. Marked dead
/// first: an object that hands itself to `owner` after this checks `is_dead`.
pub fn died(owner: Owner) {
  TOKENS.write().live.remove(&owner);
  let watched: Vec<Arc<dyn Abandon>> = WATCHED.lock().iter().filter_map(Weak::upgrade).collect();
  for object in watched {
    object.owner_died(owner);
  }
}

/// Tells `object` about every later death, for as long as it lives.
pub fn watch(object: Weak<dyn Abandon>) {
  let mut watched = WATCHED.lock();
  if watched.len() >= 64 && watched.len().is_power_of_two() {
    watched.retain(|weak| weak.strong_count() > 0);
  }
  watched.push(object);
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_dead_are_forgotten_but_stay_dead() {
    let living = new_owner();
    let ended: Vec<Owner> = (0..1000).map(|_| new_owner()).collect();
    for &owner in &ended {
      died(owner);
    }
    assert!(ended.iter().all(|&owner| is_dead(owner)));
    assert!(!is_dead(living) && !is_dead(0));
    assert!(
      ended
        .iter()
        .all(|owner| !TOKENS.read().live.contains(owner)),
      "no record per ended thread is kept"
    );
    died(living);
  }
}

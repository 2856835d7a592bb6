//! Who holds a lock or waits in a barrier or condition: one owner token per
//! thread, and what happens when that thread dies holding or waiting.
//!
//! A thread takes a token ([`new_owner`]) before it first uses a primitive and
//! reports its death ([`died`]); the binding does that from the thread's
//! environment cleanup hook, which Node runs when a worker thread ends, however
//! it ends (terminated, crashed, `process.exit`). Death is then known two ways:
//! waiters ask [`is_dead`] between wait slices, and every watched object (locks,
//! barriers) is told at once through [`Abandon`], so async waiters, which have
//! no slices, are not left waiting either.
//!
//! Tokens are unique across the program's processes: each process takes them
//! from blocks it claims in the program's table (`crate::program`), which
//! names the claiming pid. So a token another process handed out is dead once
//! that process is gone, and the lock word and the waiters' checks are the
//! same across processes as across threads.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};

/// A thread's identity as a holder or waiter; 0 is "nobody in particular"
/// (never dead).
pub type Owner = u32;

/// Owner tokens fit in the low 30 bits of a lock word (bit 30 marks it contended).
pub const OWNER_BITS: u32 = 30;

/// Owner tokens per block (a process claims another when one runs out).
pub const BLOCK: u32 = 1 << 12;

/// Something that holds state on behalf of owners and repairs itself when one dies.
pub trait Abandon: Send + Sync {
  fn owner_died(&self, owner: Owner);
}

/// This process's tokens: the live ones of its blocks (not the dead ones), so
/// the record stays as small as the set of living threads.
struct Tokens {
  /// The next token to hand out, and the end of its block.
  next: Owner,
  end: Owner,
  /// The blocks this process claimed.
  blocks: BTreeSet<u32>,
  live: BTreeSet<Owner>,
}

static TOKENS: RwLock<Tokens> = RwLock::new(Tokens {
  next: 0,
  end: 0,
  blocks: BTreeSet::new(),
  live: BTreeSet::new(),
});
static WATCHED: Mutex<Vec<Weak<dyn Abandon>>> = Mutex::new(Vec::new());

#[cfg(not(loom))]
fn claim_block() -> u32 {
  crate::program::claim_block()
}

// Under loom there is one process: blocks from a counter, starting at 1 as
// the program's do.
#[cfg(loom)]
fn claim_block() -> u32 {
  static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
  NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn block_of(owner: Owner) -> u32 {
  owner / BLOCK
}

/// A fresh token, alive until [`died`]. Tokens are never reused.
pub fn new_owner() -> Owner {
  let mut tokens = TOKENS.write();
  if tokens.next == tokens.end {
    let block = claim_block();
    tokens.blocks.insert(block);
    tokens.next = block * BLOCK;
    tokens.end = tokens.next + BLOCK;
    assert!(tokens.end <= 1 << OWNER_BITS, "out of owner tokens");
  }
  let owner = tokens.next;
  tokens.next += 1;
  tokens.live.insert(owner);
  owner
}

/// In a process forked by a test: forget the parent's tokens, so this
/// process claims blocks of its own as a spawned child does.
#[cfg(all(test, target_os = "linux", not(loom)))]
pub(crate) fn start_afresh() {
  let mut tokens = TOKENS.write();
  tokens.next = 0;
  tokens.end = 0;
  tokens.blocks.clear();
  tokens.live.clear();
}

/// Whether `owner`'s thread has ended: for a token of this process, as
/// recorded; for another process's, whether that process has ended.
pub fn is_dead(owner: Owner) -> bool {
  if owner == 0 {
    return false;
  }
  let tokens = TOKENS.read();
  if tokens.blocks.contains(&block_of(owner)) {
    // Earlier blocks were used up; of the current one, tokens below `next`.
    let handed_out = owner < tokens.next || block_of(owner) != block_of(tokens.end - 1);
    return handed_out && !tokens.live.contains(&owner);
  }
  drop(tokens);
  remote_dead(owner)
}

#[cfg(not(loom))]
fn remote_dead(owner: Owner) -> bool {
  match crate::program::block_pid(block_of(owner)) {
    0 => false,
    pid => !crate::program::process_alive(pid),
  }
}

#[cfg(loom)]
fn remote_dead(_owner: Owner) -> bool {
  false
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

//! The lock-free front of an unbounded [`Queue`](super::Queue): a ring of
//! number slots in shared memory, which JS fills and drains with `Atomics`
//! (src/queues/ring.ts mirrors this layout and protocol), so that putting or
//! getting a number costs no native call. It is Dmitry Vyukov's bounded MPMC
//! queue: each slot has a sequence word saying whose turn it is.

use crate::shim::{spin_loop, AtomicI32, AtomicU64};
use std::sync::atomic::Ordering::{Relaxed, Release, SeqCst};
use std::sync::Arc;

use crate::SharedMemory;

// The queue's shared memory, in 32-bit words (JS uses the same indexes).
// Producers write the head's cache line, consumers the tail's.
/// Next position to fill.
pub const HEAD: usize = 0;
/// JoinableQueue: items put and not yet marked done.
pub const UNFINISHED: usize = 1;
/// Next position to take.
pub const TAIL: usize = 16;
/// Slots in the ring (a power of two; 0: no ring).
pub const CAPACITY: usize = 32;
/// The queue's [`State`](super::State): non-zero once it is closed or shut
/// down, and puts are refused.
pub const CLOSED: usize = 33;
/// Items in the queue's channel: while there are any, puts go there too, so
/// that the items of one producer stay in order.
pub const IN_CHANNEL: usize = 34;
/// Getters waiting (the `not_empty` wait queue's count): a producer that
/// finds 0 after publishing an item has nobody to wake.
pub const GETTERS: usize = 35;
/// Putters waiting for room, and joiners waiting for every item to be done
/// (the `not_full` and `all_done` counts): what a thread can read to know
/// another is waiting.
pub const PUTTERS: usize = 36;
pub const JOINERS: usize = 37;
/// First slot: slot `i` is 4 words, its sequence word then a float64 at
/// words 2..4 of it.
pub const SLOTS: usize = 48;
const SLOT_WORDS: usize = 4;

/// Slots of an unbounded queue's ring (16 bytes each).
pub const RING_SLOTS: usize = 1024;

pub struct Ring {
  memory: Arc<SharedMemory>,
  capacity: usize,
}

impl Ring {
  /// The queue's memory with a ring of `capacity` slots (a power of two, or 0).
  pub fn new(capacity: usize) -> Self {
    assert!(capacity == 0 || capacity.is_power_of_two());
    let memory = Arc::new(SharedMemory::zeroed((SLOTS + capacity * SLOT_WORDS) * 4));
    memory.word(CAPACITY).store(capacity as i32, SeqCst);
    let ring = Self { memory, capacity };
    // A slot's sequence equals the position that may fill it next.
    for slot in 0..capacity {
      ring.sequence(slot as i32).store(slot as i32, SeqCst);
    }
    ring
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  pub fn word(&self, index: usize) -> &AtomicI32 {
    self.memory.word(index)
  }

  fn slot(&self, position: i32) -> usize {
    SLOTS + (position as u32 as usize & (self.capacity - 1)) * SLOT_WORDS
  }

  fn sequence(&self, position: i32) -> &AtomicI32 {
    self.memory.word(self.slot(position))
  }

  fn payload(&self, position: i32) -> &AtomicU64 {
    self.memory.cell((self.slot(position) + 2) / 2)
  }

  /// Claims the next position of counter `which` (HEAD or TAIL) once its slot's
  /// turn has come, i.e. its sequence is `position + lag` (0 for producers, 1
  /// for consumers); None when the ring is full, or empty.
  ///
  /// Empty means nothing claimed: a slot a producer claimed and is still
  /// writing is waited for (a few instructions), because later slots may
  /// already hold items, and a getter that took this for empty and went on to
  /// the channel could take a producer's later item before an earlier one.
  fn claim(&self, which: usize, lag: i32) -> Option<i32> {
    let counter = self.word(which);
    let mut position = counter.load(Relaxed);
    loop {
      let turn = self
        .sequence(position)
        .load(SeqCst)
        .wrapping_sub(position.wrapping_add(lag));
      if turn == 0 {
        match counter.compare_exchange_weak(position, position.wrapping_add(1), Relaxed, Relaxed) {
          Ok(_) => return Some(position),
          Err(seen) => position = seen,
        }
      } else if turn < 0 {
        if which == HEAD || self.word(HEAD).load(SeqCst) == position {
          return None;
        }
        spin_loop();
        position = counter.load(Relaxed);
      } else {
        spin_loop();
        position = counter.load(Relaxed);
      }
    }
  }

  /// Puts `value` in the ring, calling `announce` just before getters can
  /// see it; false when it is full (or there is no ring).
  pub fn try_push(&self, value: f64, announce: impl FnOnce()) -> bool {
    if self.capacity == 0 {
      return false;
    }
    let Some(position) = self.claim(HEAD, 0) else {
      // The slot still holds the item of one lap ago.
      return false;
    };
    announce();
    self.payload(position).store(value.to_bits(), Relaxed);
    // SeqCst: a producer reads GETTERS after this (see `GETTERS`).
    self
      .sequence(position)
      .store(position.wrapping_add(1), SeqCst);
    true
  }

  /// Takes the oldest number; None when the ring is empty.
  pub fn try_pop(&self) -> Option<f64> {
    if self.capacity == 0 {
      return None;
    }
    let position = self.claim(TAIL, 1)?;
    let value = f64::from_bits(self.payload(position).load(Relaxed));
    // The slot is free for the producer one lap ahead.
    self
      .sequence(position)
      .store(position.wrapping_add(self.capacity as i32), Release);
    Some(value)
  }

  /// Nothing claimed: an item still being written counts (see `claim`).
  pub fn is_empty(&self) -> bool {
    self.word(HEAD).load(SeqCst) == self.word(TAIL).load(SeqCst)
  }

  /// Items in the ring (a snapshot while others put and get).
  pub fn len(&self) -> usize {
    let filled = self
      .word(HEAD)
      .load(SeqCst)
      .wrapping_sub(self.word(TAIL).load(SeqCst));
    filled.clamp(0, self.capacity as i32) as usize
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicU64;

  #[test]
  fn fills_to_capacity_then_refuses_and_keeps_order_across_laps() {
    let ring = Ring::new(4);
    for lap in 0..3 {
      for i in 0..4 {
        assert!(ring.try_push(f64::from(lap * 10 + i), || {}));
      }
      assert!(!ring.try_push(99.0, || {}), "full");
      assert_eq!(ring.len(), 4);
      for i in 0..4 {
        assert_eq!(ring.try_pop(), Some(f64::from(lap * 10 + i)));
      }
      assert!(ring.is_empty());
      assert_eq!(ring.try_pop(), None);
    }
  }

  #[test]
  fn no_ring_refuses_everything() {
    let ring = Ring::new(0);
    assert!(!ring.try_push(1.0, || {}));
    assert_eq!(ring.try_pop(), None);
    assert!(ring.is_empty());
  }

  /// A slot claimed but not yet written is waited for, not taken for empty:
  /// the item behind it must not come first.
  #[test]
  fn an_item_being_written_is_waited_for() {
    let ring = Ring::new(4);
    // A producer has claimed position 0 and not written it yet.
    ring.word(HEAD).fetch_add(1, SeqCst);
    assert!(ring.try_push(2.0, || {}));
    assert!(!ring.is_empty());
    std::thread::scope(|s| {
      s.spawn(|| {
        std::thread::sleep(std::time::Duration::from_millis(30));
        ring.payload(0).store(1.0f64.to_bits(), Relaxed);
        ring.sequence(0).store(1, SeqCst);
      });
      assert_eq!(ring.try_pop(), Some(1.0));
    });
    assert_eq!(ring.try_pop(), Some(2.0));
    assert_eq!(ring.try_pop(), None);
  }

  /// Positions wrap around i32 without losing the order.
  #[test]
  fn positions_wrap() {
    let ring = Ring::new(4);
    let start = i32::MAX - 5;
    ring.word(HEAD).store(start, SeqCst);
    ring.word(TAIL).store(start, SeqCst);
    for slot in 0..4 {
      let position = start.wrapping_add(slot);
      ring.sequence(position).store(position, SeqCst);
    }
    for i in 0..20 {
      assert!(ring.try_push(f64::from(i), || {}));
      assert_eq!(ring.try_pop(), Some(f64::from(i)));
    }
  }

  /// 2 producers x 2 consumers: every number arrives once, each producer's in order.
  #[test]
  fn exactly_once_and_in_order_per_producer() {
    const PER_PRODUCER: u64 = 200_000;
    let ring = Ring::new(64);
    let taken = AtomicU64::new(0);
    let sum = AtomicU64::new(0);
    std::thread::scope(|s| {
      for p in 0..2u64 {
        let ring = &ring;
        s.spawn(move || {
          for i in 0..PER_PRODUCER {
            // Producer p's numbers: odd or even, increasing.
            while !ring.try_push((2 * i + p) as f64, || {}) {
              std::hint::spin_loop();
            }
          }
        });
      }
      for _ in 0..2 {
        let (ring, taken, sum) = (&ring, &taken, &sum);
        s.spawn(move || {
          let mut last = [-1i64; 2];
          while taken.load(SeqCst) < 2 * PER_PRODUCER {
            if let Some(value) = ring.try_pop() {
              let value = value as i64;
              let producer = (value % 2) as usize;
              assert!(
                value > last[producer],
                "producer {producer}'s items out of order"
              );
              last[producer] = value;
              sum.fetch_add(value as u64, SeqCst);
              taken.fetch_add(1, SeqCst);
            }
          }
        });
      }
    });
    let n = 2 * PER_PRODUCER;
    assert_eq!(taken.load(SeqCst), n);
    assert_eq!(sum.load(SeqCst), n * (n - 1) / 2);
  }
}

/// loom models of the ring (two slots, so a lap and a wrap happen).
/// Run: RUSTFLAGS="--cfg loom" cargo test -p multiproc-core --release loom
#[cfg(all(test, loom))]
mod loom_models {
  use super::Ring;
  use loom::thread;
  use std::sync::Arc;

  /// Pops `n` numbers, yielding while the ring is empty.
  fn pop(ring: &Ring, n: usize) -> Vec<f64> {
    let mut got = Vec::new();
    while got.len() < n {
      match ring.try_pop() {
        Some(value) => got.push(value),
        None => thread::yield_now(),
      }
    }
    got
  }

  fn push(ring: &Ring, value: f64) {
    while !ring.try_push(value, || {}) {
      thread::yield_now();
    }
  }

  #[test]
  fn loom_ring_keeps_a_producers_order_across_a_lap() {
    loom::model(|| {
      let ring = Arc::new(Ring::new(2));
      let producer = {
        let ring = ring.clone();
        thread::spawn(move || {
          for value in [1.0, 2.0, 3.0] {
            push(&ring, value);
          }
        })
      };
      assert_eq!(pop(&ring, 3), vec![1.0, 2.0, 3.0]);
      producer.join().unwrap();
      assert!(ring.try_pop().is_none());
    });
  }

  #[test]
  fn loom_ring_two_producers_deliver_each_number_once() {
    loom::model(|| {
      let ring = Arc::new(Ring::new(2));
      let producers: Vec<_> = [1.0, 10.0]
        .into_iter()
        .map(|value| {
          let ring = ring.clone();
          thread::spawn(move || push(&ring, value))
        })
        .collect();
      let mut got = pop(&ring, 2);
      for producer in producers {
        producer.join().unwrap();
      }
      got.sort_by(f64::total_cmp);
      assert_eq!(got, vec![1.0, 10.0]);
      assert!(ring.try_pop().is_none());
    });
  }
}

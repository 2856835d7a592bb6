use crate::shim::{AtomicI32, AtomicU64};

/// Zero-filled memory shared by every thread holding its `Arc`, 8-byte aligned
/// so any typed array (up to `Float64Array`/`BigInt64Array`) can view it.
///
/// The bytes are only ever touched through atomics or through JS typed arrays;
/// the allocation does not move while any view exists because views hold an
/// `Arc` to it. Nothing here depends on threads of one process, so the same
/// layout can later live in an OS shared-memory mapping.
pub struct SharedMemory {
  cells: Box<[AtomicU64]>,
  /// Under loom the words cannot alias the cells, so they are atomics of
  /// their own (loom models have no JS views).
  #[cfg(loom)]
  words: Box<[AtomicI32]>,
  len: usize,
}

impl SharedMemory {
  pub fn zeroed(len: usize) -> Self {
    let cells: Box<[AtomicU64]> = (0..len.div_ceil(8).max(1))
      .map(|_| AtomicU64::new(0))
      .collect();
    Self {
      #[cfg(loom)]
      words: (0..cells.len() * 2).map(|_| AtomicI32::new(0)).collect(),
      cells,
      len,
    }
  }

  /// Length in bytes.
  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// Start of the bytes, for views created by the binding.
  pub fn as_ptr(&self) -> *mut u8 {
    self.cells.as_ptr() as *mut u8
  }

  /// The `index`-th 64-bit cell.
  pub fn cell(&self, index: usize) -> &AtomicU64 {
    &self.cells[index]
  }

  /// The `index`-th 32-bit word.
  pub fn word(&self, index: usize) -> &AtomicI32 {
    assert!(
      (index + 1) * 4 <= self.cells.len() * 8,
      "word {index} is outside the shared memory"
    );
    #[cfg(loom)]
    let word = &self.words[index];
    // SAFETY: in bounds (checked above), 4-aligned (the cells are 8-aligned),
    // and AtomicI32 has the size and alignment of i32, so this aliases the
    // AtomicU64 cells only through atomic accesses.
    #[cfg(not(loom))]
    let word = unsafe { &*(self.as_ptr() as *const AtomicI32).add(index) };
    word
  }
}

#[cfg(all(test, not(loom)))]
mod tests {
  use super::*;
  use std::sync::atomic::Ordering;

  #[test]
  fn zero_filled_aligned_and_word_addressable() {
    let memory = SharedMemory::zeroed(13);
    assert_eq!(memory.len(), 13);
    assert_eq!(memory.as_ptr() as usize % 8, 0);
    memory.word(3).store(-7, Ordering::SeqCst);
    let bytes = unsafe { std::slice::from_raw_parts(memory.as_ptr(), 16) };
    assert_eq!(&bytes[12..16], &(-7i32).to_ne_bytes());
    assert!(bytes[..12].iter().all(|&b| b == 0));
  }

  #[test]
  #[should_panic(expected = "outside")]
  fn words_are_bounds_checked() {
    SharedMemory::zeroed(8).word(2);
  }
}

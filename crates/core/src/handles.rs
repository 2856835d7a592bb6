use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

/// A process-wide table from numeric ids to shared objects.
///
/// The table holds only weak references: an object lives exactly as long as
/// some thread holds an `Arc` to it (the creating JS object or an attached
/// worker-side handle). Ids are never reused, so a stale id resolves to `None`
/// rather than to a different object.
///
/// ```
/// use std::sync::Arc;
/// use multiproc_core::HandleTable;
///
/// let table = HandleTable::new();
/// let value = Arc::new(42);
/// let id = table.insert(&value);
/// assert_eq!(table.get(id).as_deref(), Some(&42));
/// drop(value);
/// assert!(table.get(id).is_none());
/// ```
pub struct HandleTable<T: ?Sized> {
  inner: Mutex<Inner<T>>,
}

struct Inner<T: ?Sized> {
  next_id: u64,
  entries: BTreeMap<u64, Weak<T>>,
}

impl<T: ?Sized> HandleTable<T> {
  pub const fn new() -> Self {
    Self {
      inner: Mutex::new(Inner {
        next_id: 1,
        entries: BTreeMap::new(),
      }),
    }
  }

  /// Registers `object` and returns its id. Entries whose object has died are
  /// swept here, so the table stays as small as the set of live objects.
  pub fn insert(&self, object: &Arc<T>) -> u64 {
    let mut inner = self.inner.lock();
    if inner.entries.len() >= 64 && inner.entries.len().is_power_of_two() {
      inner.entries.retain(|_, weak| weak.strong_count() > 0);
    }
    let id = inner.next_id;
    inner.next_id += 1;
    inner.entries.insert(id, Arc::downgrade(object));
    id
  }

  /// The live object with this id, if any thread still holds it.
  pub fn get(&self, id: u64) -> Option<Arc<T>> {
    let mut inner = self.inner.lock();
    let object = inner.entries.get(&id)?.upgrade();
    if object.is_none() {
      inner.entries.remove(&id);
    }
    object
  }

  pub fn len(&self) -> usize {
    self.inner.lock().entries.len()
  }

  /// How many registered objects are still alive (dead entries wait for a sweep).
  ///
  /// ```
  /// use std::sync::Arc;
  /// use multiproc_core::HandleTable;
  ///
  /// let table = HandleTable::new();
  /// let (a, b) = (Arc::new(1), Arc::new(2));
  /// table.insert(&a);
  /// table.insert(&b);
  /// drop(a);
  /// assert_eq!((table.len(), table.live()), (2, 1));
  /// ```
  pub fn live(&self) -> usize {
    self
      .inner
      .lock()
      .entries
      .values()
      .filter(|weak| weak.strong_count() > 0)
      .count()
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

impl<T: ?Sized> Default for HandleTable<T> {
  fn default() -> Self {
    Self::new()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn dead_entries_are_swept_and_ids_not_reused() {
    let table = HandleTable::new();
    let mut ids = Vec::new();
    for i in 0..1000 {
      let object = Arc::new(i);
      ids.push(table.insert(&object));
    }
    assert!(
      table.len() < 200,
      "dead entries were not swept: {}",
      table.len()
    );
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
  }

  #[test]
  fn shared_across_threads() {
    let table = Arc::new(HandleTable::new());
    let object = Arc::new(String::from("shared"));
    let id = table.insert(&object);
    let seen = std::thread::scope(|s| {
      (0..4)
        .map(|_| s.spawn(|| table.get(id).map(|o| o.len())))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect::<Vec<_>>()
    });
    assert_eq!(seen, vec![Some(6); 4]);
  }
}

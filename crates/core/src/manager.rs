//! The state of `Manager` proxies (thread context): a dict and a list of
//! serialized values living in the core, every operation atomic under one lock.
//! A value may refer to shared objects (a lock, a queue, another proxy): it
//! holds them alive while it is stored, and lets go once overwritten, removed
//! or cleared.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;

use indexmap::IndexMap;
use parking_lot::Mutex;

use crate::queue::Item;
use crate::Shared;

/// The manager behind a proxy has shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutDown;

/// A stored value: its bytes, and the shared objects they refer to by id.
#[derive(Clone)]
pub struct Stored {
  pub item: Item,
  pub keep_alive: Vec<Shared>,
}

impl From<Item> for Stored {
  fn from(item: Item) -> Self {
    Self {
      item,
      keep_alive: Vec::new(),
    }
  }
}

/// `manager.dict()`: keys are encoded by the JS side (so that 1 and "1" differ
/// and -0 is 0, as in a Map); insertion order is kept, as in Python.
///
/// ```
/// use multiproc_core::manager::Dict;
/// use multiproc_core::queue::Item;
///
/// let d = Dict::new();
/// d.set("n:1".into(), Item { format: 1, bytes: vec![1] }.into()).unwrap();
/// assert_eq!(d.len().unwrap(), 1);
/// assert!(d.get("n:1").unwrap().is_some());
/// ```
#[derive(Default)]
pub struct Dict {
  entries: Mutex<IndexMap<String, Stored>>,
  shut_down: AtomicBool,
}

impl Dict {
  pub fn new() -> Self {
    Self::default()
  }

  fn entries(&self) -> Result<parking_lot::MutexGuard<'_, IndexMap<String, Stored>>, ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    Ok(self.entries.lock())
  }

  pub fn get(&self, key: &str) -> Result<Option<Stored>, ShutDown> {
    Ok(self.entries()?.get(key).cloned())
  }

  pub fn set(&self, key: String, value: Stored) -> Result<(), ShutDown> {
    self.entries()?.insert(key, value);
    Ok(())
  }

  /// Sets every pair at once.
  pub fn update(&self, pairs: Vec<(String, Stored)>) -> Result<(), ShutDown> {
    self.entries()?.extend(pairs);
    Ok(())
  }

  pub fn delete(&self, key: &str) -> Result<bool, ShutDown> {
    Ok(self.pop(key)?.is_some())
  }

  /// Removes `key` (the others keep their order) and returns its value.
  pub fn pop(&self, key: &str) -> Result<Option<Stored>, ShutDown> {
    Ok(self.entries()?.shift_remove(key))
  }

  /// Removes and returns the entry inserted last, as Python's `popitem`.
  pub fn pop_last(&self) -> Result<Option<(String, Stored)>, ShutDown> {
    Ok(self.entries()?.pop())
  }

  /// The value of `key`, inserting `value` first if it is missing; true when
  /// it was inserted.
  pub fn set_default(&self, key: String, value: Stored) -> Result<(Stored, bool), ShutDown> {
    let mut entries = self.entries()?;
    let inserted = !entries.contains_key(&key);
    Ok((entries.entry(key).or_insert(value).clone(), inserted))
  }

  /// The entry after `previous` (the first when None), for an iterator that
  /// reads the live dict as it goes. `position` is where `previous` was: if it
  /// has been removed since, the entry now at that position comes next. With
  /// the entry comes its position, for the next call.
  pub fn next_after(
    &self,
    previous: Option<&str>,
    position: usize,
  ) -> Result<Option<(usize, String, Stored)>, ShutDown> {
    let entries = self.entries()?;
    let at = match previous {
      None => 0,
      Some(key) => entries.get_index_of(key).map_or(position, |at| at + 1),
    };
    Ok(
      entries
        .get_index(at)
        .map(|(key, value)| (at, key.clone(), value.clone())),
    )
  }

  pub fn has(&self, key: &str) -> Result<bool, ShutDown> {
    Ok(self.entries()?.contains_key(key))
  }

  pub fn len(&self) -> Result<usize, ShutDown> {
    Ok(self.entries()?.len())
  }

  pub fn is_empty(&self) -> Result<bool, ShutDown> {
    Ok(self.len()? == 0)
  }

  /// A consistent copy of every entry, in insertion order.
  pub fn entries_snapshot(&self) -> Result<Vec<(String, Stored)>, ShutDown> {
    Ok(
      self
        .entries()?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect(),
    )
  }

  pub fn clear(&self) -> Result<(), ShutDown> {
    self.entries()?.clear();
    Ok(())
  }

  pub fn shut_down(&self) {
    self.shut_down.store(true, SeqCst);
    self.entries.lock().clear();
  }
}

/// `manager.list()`. `version` changes on every write, so a compound update
/// computed outside the lock (a sort with a JS comparison) can be applied only
/// if nothing changed meanwhile.
#[derive(Default)]
pub struct List {
  state: Mutex<(u64, Vec<Stored>)>,
  shut_down: AtomicBool,
}

impl List {
  pub fn new() -> Self {
    Self::default()
  }

  /// Runs `f` on the items under the lock; `write` bumps the version.
  pub fn with<R>(&self, write: bool, f: impl FnOnce(&mut Vec<Stored>) -> R) -> Result<R, ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    let mut state = self.state.lock();
    if write {
      state.0 += 1;
    }
    Ok(f(&mut state.1))
  }

  pub fn snapshot(&self) -> Result<(u64, Vec<Stored>), ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    let state = self.state.lock();
    Ok((state.0, state.1.clone()))
  }

  /// Puts the items in `order` (`order[i]`: the index of the item that goes
  /// to `i`) if the list is still at `version`: `Some(false)` if it is not,
  /// None (nothing changed) if `order` is not a permutation of its indexes.
  pub fn reorder_if(&self, version: u64, order: &[usize]) -> Result<Option<bool>, ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    let mut state = self.state.lock();
    if state.0 != version {
      return Ok(Some(false));
    }
    let mut seen = vec![false; order.len()];
    let permutation = order.len() == state.1.len()
      && order
        .iter()
        .all(|&at| at < seen.len() && !std::mem::replace(&mut seen[at], true));
    if !permutation {
      return Ok(None);
    }
    let mut old: Vec<Option<Stored>> = std::mem::take(&mut state.1).into_iter().map(Some).collect();
    let items = order
      .iter()
      .map(|&at| old[at].take().expect("a permutation"))
      .collect();
    *state = (version + 1, items);
    Ok(Some(true))
  }

  pub fn shut_down(&self) {
    self.shut_down.store(true, SeqCst);
    self.state.lock().1.clear();
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn item(n: u8) -> Stored {
    Item {
      format: 0,
      bytes: vec![n],
    }
    .into()
  }

  #[test]
  fn dict_keeps_insertion_order_and_is_atomic_across_threads() {
    let dict = Dict::new();
    std::thread::scope(|s| {
      for t in 0..4u8 {
        let dict = &dict;
        s.spawn(move || {
          for i in 0..1000u32 {
            dict.set(format!("k{t}-{i}"), item(t)).unwrap();
          }
        });
      }
    });
    assert_eq!(dict.len().unwrap(), 4000);
    dict.set("first".into(), item(9)).unwrap();
    assert_eq!(dict.entries_snapshot().unwrap().last().unwrap().0, "first");
    assert!(dict.delete("first").unwrap());
    dict.shut_down();
    assert_eq!(dict.len(), Err(ShutDown));
  }

  /// A stored value holds its shared objects alive until it is overwritten,
  /// removed, popped or cleared.
  #[test]
  fn stored_values_keep_their_shared_objects_alive_while_stored() {
    let dict = Dict::new();
    let object: Shared = std::sync::Arc::new(7u32);
    let weak = std::sync::Arc::downgrade(&object);
    let holding = |object: &Shared| Stored {
      item: item(0).item,
      keep_alive: vec![object.clone()],
    };
    dict.set("a".into(), holding(&object)).unwrap();
    drop(object);
    assert!(weak.upgrade().is_some(), "stored: alive");
    dict.set("a".into(), item(1)).unwrap();
    assert!(weak.upgrade().is_none(), "overwritten: released");
    for release in [
      |d: &Dict| assert!(d.delete("k").unwrap()),
      |d: &Dict| assert!(d.pop("k").unwrap().is_some()),
      |d: &Dict| assert!(d.pop_last().unwrap().is_some()),
      |d: &Dict| d.clear().unwrap(),
      |d: &Dict| d.shut_down(),
    ] {
      let object: Shared = std::sync::Arc::new(8u32);
      let weak = std::sync::Arc::downgrade(&object);
      dict.set("k".into(), holding(&object)).unwrap();
      drop(object);
      assert!(weak.upgrade().is_some());
      release(&dict);
      assert!(weak.upgrade().is_none());
    }
  }

  #[test]
  fn dict_pop_pop_last_set_default_and_next_after() {
    let dict = Dict::new();
    for (key, n) in [("a", 1), ("b", 2), ("c", 3)] {
      dict.set(key.into(), item(n)).unwrap();
    }
    let (value, inserted) = dict.set_default("b".into(), item(9)).unwrap();
    assert_eq!((value.item.bytes, inserted), (vec![2], false));
    let (value, inserted) = dict.set_default("d".into(), item(4)).unwrap();
    assert_eq!((value.item.bytes, inserted), (vec![4], true));
    let keys = |after: Option<&str>, at| {
      dict
        .next_after(after, at)
        .unwrap()
        .map(|(at, k, _)| (at, k))
    };
    assert_eq!(keys(None, 0), Some((0, "a".into())));
    assert_eq!(keys(Some("a"), 0), Some((1, "b".into())));
    // "b" (at 1) removed: the entry that moved into its place comes next.
    assert!(dict.delete("b").unwrap());
    assert_eq!(keys(Some("b"), 1), Some((1, "c".into())));
    // "a" removed before "c": "c" is found where it is now.
    assert_eq!(dict.pop("a").unwrap().unwrap().item.bytes, vec![1]);
    assert_eq!(keys(Some("c"), 1), Some((1, "d".into())));
    assert_eq!(keys(Some("d"), 1), None);
    assert_eq!(dict.pop("a").unwrap().map(|_| ()), None);
    let (key, value) = dict.pop_last().unwrap().unwrap();
    assert_eq!((key.as_str(), value.item.bytes), ("d", vec![4]));
    assert_eq!(dict.len().unwrap(), 1);
  }

  #[test]
  fn list_reorder_only_at_the_same_version_and_by_a_permutation() {
    let list = List::new();
    list.with(true, |items| items.push(item(1))).unwrap();
    let (version, _) = list.snapshot().unwrap();
    list.with(true, |items| items.push(item(2))).unwrap();
    assert_eq!(list.reorder_if(version, &[1, 0]).unwrap(), Some(false));
    let (version, _) = list.snapshot().unwrap();
    for bad in [&[0][..], &[0, 0], &[0, 2]] {
      assert_eq!(list.reorder_if(version, bad).unwrap(), None);
    }
    assert_eq!(list.reorder_if(version, &[1, 0]).unwrap(), Some(true));
    let bytes = list.with(false, |items| {
      items.iter().map(|x| x.item.bytes[0]).collect::<Vec<_>>()
    });
    assert_eq!(bytes.unwrap(), vec![2, 1]);
  }
}

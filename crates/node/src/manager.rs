use std::sync::Arc;

use multiproc_core::manager::{Dict, List, ShutDown, Stored};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::queue::{item, nothing, taken, QueueTake};
use crate::shared;

fn shut_down(_: ShutDown) -> Error {
  Error::new(
    Status::GenericFailure,
    "the manager has shut down: its proxies no longer work",
  )
}

/// A value to store; `shared`: the ids of the shared objects it refers to
/// (src/manager/stored.ts), held alive while it is stored.
fn stored(format: u32, payload: &[u8], shared: Option<&[f64]>) -> Result<Stored> {
  Ok(Stored {
    item: item(format, payload),
    keep_alive: shared::keep_alive(shared.unwrap_or_default())?,
  })
}

/// Values to store; `shared`, when any of them refers to shared objects: the
/// ids of each one's.
fn stored_all(
  formats: Vec<u32>,
  payloads: Vec<Uint8Array>,
  shared: Option<Vec<Vec<f64>>>,
) -> Result<Vec<Stored>> {
  let shared = shared.unwrap_or_default();
  formats
    .into_iter()
    .zip(payloads)
    .enumerate()
    .map(|(at, (format, payload))| stored(format, &payload, shared.get(at).map(Vec::as_slice)))
    .collect()
}

/// A stored value as JS reads it, with what it keeps alive.
fn read(value: Stored) -> QueueTake {
  let mut take = taken(value.item);
  if !value.keep_alive.is_empty() {
    take.keep = Some(External::new(value.keep_alive));
  }
  take
}

#[napi(object, object_from_js = false)]
pub struct DictEntry {
  pub key: String,
  pub value: QueueTake,
}

/// One step of a live iteration: the entry and its position.
#[napi(object, object_from_js = false)]
pub struct DictStep {
  pub position: u32,
  pub key: String,
  /// Left out when only keys are asked for.
  pub value: Option<QueueTake>,
}

fn entry((key, value): (String, Stored)) -> DictEntry {
  DictEntry {
    key,
    value: read(value),
  }
}

/// `manager.dict()`'s state; keys are encoded by the JS proxy.
#[napi]
pub struct NativeDict {
  inner: Arc<Dict>,
  id: f64,
}

shared::shared_class!(NativeDict, Dict, "manager dict");

#[napi]
impl NativeDict {
  #[napi(constructor)]
  pub fn new() -> Self {
    Self::create(Dict::new())
  }

  /// `status` 1 when the key is missing.
  #[napi]
  pub fn get(&self, key: String) -> Result<QueueTake> {
    Ok(
      self
        .inner
        .get(&key)
        .map_err(shut_down)?
        .map_or_else(|| nothing(1), read),
    )
  }

  #[napi]
  pub fn set(
    &self,
    key: String,
    format: u32,
    payload: Uint8Array,
    shared: Option<Vec<f64>>,
  ) -> Result<()> {
    let value = stored(format, &payload, shared.as_deref())?;
    self.inner.set(key, value).map_err(shut_down)
  }

  #[napi]
  pub fn update(
    &self,
    keys: Vec<String>,
    formats: Vec<u32>,
    payloads: Vec<Uint8Array>,
    shared: Option<Vec<Vec<f64>>>,
  ) -> Result<()> {
    let values = stored_all(formats, payloads, shared)?;
    self
      .inner
      .update(keys.into_iter().zip(values).collect())
      .map_err(shut_down)
  }

  #[napi]
  pub fn delete(&self, key: String) -> Result<bool> {
    self.inner.delete(&key).map_err(shut_down)
  }

  /// The value removed; `status` 1 when the key is missing.
  #[napi]
  pub fn pop(&self, key: String) -> Result<QueueTake> {
    Ok(
      self
        .inner
        .pop(&key)
        .map_err(shut_down)?
        .map_or_else(|| nothing(1), read),
    )
  }

  /// The entry inserted last, removed; null when the dict is empty.
  #[napi]
  pub fn popitem(&self) -> Result<Option<DictEntry>> {
    Ok(self.inner.pop_last().map_err(shut_down)?.map(entry))
  }

  /// The value of `key`; `status` 1 when it was missing and the given value
  /// was stored.
  #[napi]
  pub fn setdefault(
    &self,
    key: String,
    format: u32,
    payload: Uint8Array,
    shared: Option<Vec<f64>>,
  ) -> Result<QueueTake> {
    let value = stored(format, &payload, shared.as_deref())?;
    let (value, inserted) = self.inner.set_default(key, value).map_err(shut_down)?;
    Ok(if inserted { nothing(1) } else { read(value) })
  }

  /// The entry after `previous` (see the core's `Dict::next_after`); null at the end.
  #[napi]
  pub fn next(
    &self,
    previous: Option<String>,
    position: u32,
    with_value: bool,
  ) -> Result<Option<DictStep>> {
    let step = self
      .inner
      .next_after(previous.as_deref(), position as usize)
      .map_err(shut_down)?;
    Ok(step.map(|(position, key, value)| DictStep {
      position: position as u32,
      key,
      value: with_value.then(|| read(value)),
    }))
  }

  #[napi]
  pub fn has(&self, key: String) -> Result<bool> {
    self.inner.has(&key).map_err(shut_down)
  }

  #[napi]
  pub fn size(&self) -> Result<u32> {
    Ok(self.inner.len().map_err(shut_down)? as u32)
  }

  #[napi]
  pub fn entries(&self) -> Result<Vec<DictEntry>> {
    let entries = self.inner.entries_snapshot().map_err(shut_down)?;
    Ok(entries.into_iter().map(entry).collect())
  }

  #[napi]
  pub fn clear(&self) -> Result<()> {
    self.inner.clear().map_err(shut_down)
  }

  #[napi]
  pub fn shut_down(&self) {
    self.inner.shut_down();
  }
}

impl Default for NativeDict {
  fn default() -> Self {
    Self::new()
  }
}

/// Python's index rules: negative counts from the end; None when out of range.
fn position(index: i64, len: usize) -> Option<usize> {
  let len = len as i64;
  let at = if index < 0 { index + len } else { index };
  (0..len).contains(&at).then_some(at as usize)
}

fn out_of_range(index: i64) -> Error {
  Error::new(
    Status::InvalidArg,
    format!("list index {index} out of range"),
  )
}

/// Equality for `index`, `count` and `remove`: numbers (format 1 of
/// src/queues/queue.ts) compare by value, so 0 and -0 are equal as in Python
/// and `Array.prototype.indexOf` (NaN matches NaN, as in `includes`); other
/// items compare by their serialized bytes.
fn equal(a: &Stored, b: &Stored) -> bool {
  const NUMBER: u8 = 1;
  let (a, b) = (&a.item, &b.item);
  if a.format == NUMBER && b.format == NUMBER && a.bytes.len() == 8 && b.bytes.len() == 8 {
    let x = f64::from_le_bytes(a.bytes[..].try_into().expect("8 bytes"));
    let y = f64::from_le_bytes(b.bytes[..].try_into().expect("8 bytes"));
    return x == y || (x.is_nan() && y.is_nan());
  }
  a == b
}

#[napi(object, object_from_js = false)]
pub struct ListSnapshot {
  pub version: f64,
  pub items: Vec<QueueTake>,
}

/// `manager.list()`'s state; every method is one atomic step.
#[napi]
pub struct NativeList {
  inner: Arc<List>,
  id: f64,
}

shared::shared_class!(NativeList, List, "manager list");

#[napi]
impl NativeList {
  #[napi(constructor)]
  pub fn new() -> Self {
    Self::create(List::new())
  }

  #[napi]
  pub fn length(&self) -> Result<u32> {
    Ok(
      self
        .inner
        .with(false, |items| items.len())
        .map_err(shut_down)? as u32,
    )
  }

  /// `status` 1 when the index is out of range.
  #[napi]
  pub fn get(&self, index: i64) -> Result<QueueTake> {
    let found = self.inner.with(false, |items| {
      position(index, items.len()).map(|at| items[at].clone())
    });
    Ok(found.map_err(shut_down)?.map_or_else(|| nothing(1), read))
  }

  #[napi]
  pub fn set(
    &self,
    index: i64,
    format: u32,
    payload: Uint8Array,
    shared: Option<Vec<f64>>,
  ) -> Result<()> {
    let value = stored(format, &payload, shared.as_deref())?;
    let done = self.inner.with(true, |items| {
      position(index, items.len()).map(|at| items[at] = value)
    });
    done.map_err(shut_down)?.ok_or_else(|| out_of_range(index))
  }

  /// Appends every item; returns the new length.
  #[napi]
  pub fn extend(
    &self,
    formats: Vec<u32>,
    payloads: Vec<Uint8Array>,
    shared: Option<Vec<Vec<f64>>>,
  ) -> Result<u32> {
    let added = stored_all(formats, payloads, shared)?;
    let len = self.inner.with(true, |items| {
      items.extend(added);
      items.len()
    });
    Ok(len.map_err(shut_down)? as u32)
  }

  #[napi]
  pub fn pop(&self, index: i64) -> Result<QueueTake> {
    let found = self.inner.with(true, |items| {
      position(index, items.len()).map(|at| items.remove(at))
    });
    match found.map_err(shut_down)? {
      Some(value) => Ok(read(value)),
      None if index == -1 => Err(Error::new(Status::InvalidArg, "pop from an empty list")),
      None => Err(out_of_range(index)),
    }
  }

  /// Python's insert: the index is clamped to the list.
  #[napi]
  pub fn insert(
    &self,
    index: i64,
    format: u32,
    payload: Uint8Array,
    shared: Option<Vec<f64>>,
  ) -> Result<()> {
    let value = stored(format, &payload, shared.as_deref())?;
    let done = self.inner.with(true, |items| {
      let len = items.len() as i64;
      let at = if index < 0 {
        (index + len).max(0)
      } else {
        index.min(len)
      };
      items.insert(at as usize, value);
    });
    done.map_err(shut_down)
  }

  /// Index of the first item equal to the given one (same encoding), or -1.
  #[napi]
  pub fn index_of(&self, format: u32, payload: Uint8Array) -> Result<i64> {
    let wanted = Stored::from(item(format, &payload));
    let found = self
      .inner
      .with(false, |items| items.iter().position(|x| equal(x, &wanted)));
    Ok(found.map_err(shut_down)?.map_or(-1, |at| at as i64))
  }

  #[napi]
  pub fn count(&self, format: u32, payload: Uint8Array) -> Result<u32> {
    let wanted = Stored::from(item(format, &payload));
    let count = self.inner.with(false, |items| {
      items.iter().filter(|x| equal(x, &wanted)).count()
    });
    Ok(count.map_err(shut_down)? as u32)
  }

  /// Removes the first equal item; false if there is none.
  #[napi]
  pub fn remove(&self, format: u32, payload: Uint8Array) -> Result<bool> {
    let wanted = Stored::from(item(format, &payload));
    let removed = self.inner.with(true, |items| {
      match items.iter().position(|x| equal(x, &wanted)) {
        Some(at) => {
          items.remove(at);
          true
        }
        None => false,
      }
    });
    removed.map_err(shut_down)
  }

  #[napi]
  pub fn clear(&self) -> Result<()> {
    self
      .inner
      .with(true, |items| items.clear())
      .map_err(shut_down)
  }

  #[napi]
  pub fn reverse(&self) -> Result<()> {
    self
      .inner
      .with(true, |items| items.reverse())
      .map_err(shut_down)
  }

  #[napi]
  pub fn snapshot(&self) -> Result<ListSnapshot> {
    let (version, items) = self.inner.snapshot().map_err(shut_down)?;
    Ok(ListSnapshot {
      version: version as f64,
      items: items.into_iter().map(read).collect(),
    })
  }

  /// Puts the items in `order` (`order[i]`: the index of the item that goes
  /// to `i`) if nothing changed since `snapshot()` gave `version`.
  #[napi]
  pub fn reorder_if(&self, version: f64, order: Vec<u32>) -> Result<bool> {
    let order: Vec<usize> = order.into_iter().map(|at| at as usize).collect();
    match self.inner.reorder_if(version as u64, &order) {
      Ok(Some(done)) => Ok(done),
      Ok(None) => Err(Error::new(
        Status::InvalidArg,
        "reorderIf: the order is not a permutation of the list's indexes",
      )),
      Err(down) => Err(shut_down(down)),
    }
  }

  #[napi]
  pub fn shut_down(&self) {
    self.inner.shut_down();
  }
}

impl Default for NativeList {
  fn default() -> Self {
    Self::new()
  }
}

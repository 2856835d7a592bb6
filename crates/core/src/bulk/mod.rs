//! Bulk operations over a run of typed elements in shared memory (`sort`,
//! `sum`, `min`, `max`, `fill`, `indexOf` of a `SharedArray`): inline below a
//! size threshold per operation, above it split over one process-wide,
//! bounded rayon pool ([`pool`]). They work on a base pointer, a length and
//! an element type ([`Elements`]), whatever memory that is.

mod element;
mod extreme;
mod fill;
#[cfg(all(test, not(loom)))]
mod measure;
mod pool;
mod search;
mod sort;
mod sum;

use std::fmt;

use element::Element;
pub use pool::{spawn, threads};

/// The least number of elements a pool thread takes at a time: smaller
/// pieces cost more in hand-offs than they save.
const CHUNK: usize = 1 << 14;

/// The element types of JS typed arrays (`c` arrays are `U8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementType {
  I8,
  U8,
  I16,
  U16,
  I32,
  U32,
  I64,
  U64,
  F32,
  F64,
}

impl ElementType {
  pub fn size(self) -> usize {
    match self {
      Self::I8 | Self::U8 => 1,
      Self::I16 | Self::U16 => 2,
      Self::I32 | Self::U32 | Self::F32 => 4,
      Self::I64 | Self::U64 | Self::F64 => 8,
    }
  }
}

/// A number as JS hands it over or gets it back: integers exactly (64-bit
/// elements and integer sums need more than a double holds), floats as f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
  Int(i128),
  Float(f64),
}

pub enum Op {
  /// Ascending, as `TypedArray.prototype.sort` without a comparator.
  Sort,
  /// Exact for integers; floats add in a fixed order (see [`sum`](sum::total)).
  Sum,
  /// NaN if any element is NaN, and -0 below +0, as `Math.min`.
  Min,
  Max,
  /// Elements `start..end` set to `value` (indexes already resolved by JS).
  Fill { value: Scalar, start: usize, end: usize },
  /// The first index from `from` whose element equals `value` (`===`).
  IndexOf { value: Scalar, from: usize },
}

impl Op {
  /// Fewer elements than this run inline on the calling thread: where the
  /// pool started to win in `measure.rs` on an idle 2-core machine (a sort
  /// ~1.5x from 2^16-2^17 elements on, a fill ~2x and min/max ~1.8x from
  /// 2^16, a sum ~1.7x from 2^18; past a few MiB all but the sort are bound
  /// by memory bandwidth and gain little). An indexOf gained nothing up to
  /// 2^23; it goes to the pool from 2^20 (~0.3 ms inline) so that a Promise
  /// form does not hold its thread for long.
  fn parallel_from(&self) -> usize {
    match self {
      Self::Fill { .. } | Self::Min | Self::Max => 1 << 16,
      Self::Sort => 1 << 17,
      Self::Sum => 1 << 18,
      Self::IndexOf { .. } => 1 << 20,
    }
  }

  fn name(&self) -> &'static str {
    match self {
      Self::Sort => "sort",
      Self::Sum => "sum",
      Self::Min => "min",
      Self::Max => "max",
      Self::Fill { .. } => "fill",
      Self::IndexOf { .. } => "indexOf",
    }
  }
}

#[derive(Debug, PartialEq)]
pub enum Outcome {
  Done,
  Value(Scalar),
  /// `indexOf`'s answer; None when not found.
  Index(Option<usize>),
}

#[derive(Debug, PartialEq)]
pub enum BulkError {
  /// `min`/`max` of no elements.
  Empty(&'static str),
  /// A fill value of the wrong kind or range for the elements.
  Value(Scalar, ElementType),
  /// Indexes past the end or out of order.
  Range { start: usize, end: usize, len: usize },
  /// The pool's threads could not be started.
  Pool(String),
}

impl fmt::Display for BulkError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Self::Empty(op) => write!(f, "{op}() of an empty array: there is no element to return"),
      Self::Value(value, ty) => write!(f, "{value:?} does not fit elements of type {ty:?}"),
      Self::Range { start, end, len } => {
        write!(f, "range {start}..{end} is not within 0..{len}")
      }
      Self::Pool(why) => write!(f, "the bulk-operation threads could not start: {why}"),
    }
  }
}

impl std::error::Error for BulkError {}

/// `len` elements of type `ty` from `base`, kept valid by `owner`.
///
/// Soundness: other threads (JS on a `RawArray`, or a second operation) may
/// read and write these elements while an operation runs. So this module
/// touches them only through relaxed atomics of the element's size
/// ([`Element::load`]/[`store`](Element::store)), never through `&[T]` or
/// `&mut [T]`: a concurrent write is then no data race, only an interleaving
/// (a sort copies out, sorts its copy, and copies back, so a write made
/// meanwhile may be overwritten). The array's lock, which the JS side takes
/// around every operation, is what makes an operation whole.
pub struct Elements {
  base: *const u8,
  len: usize,
  ty: ElementType,
  _owner: crate::Shared,
}

// SAFETY: every access through `base` is atomic (see above), and `_owner`
// keeps the memory alive wherever the value goes.
unsafe impl Send for Elements {}
unsafe impl Sync for Elements {}

impl Elements {
  /// # Safety
  /// `base` must be aligned for `ty` and point to `len` elements that stay
  /// valid while `owner` lives, and that nothing accesses other than through
  /// atomics or from outside Rust (JS typed arrays).
  pub unsafe fn new(owner: crate::Shared, base: *const u8, len: usize, ty: ElementType) -> Self {
    debug_assert_eq!(base as usize % ty.size(), 0);
    Self {
      base,
      len,
      ty,
      _owner: owner,
    }
  }

  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  fn cells<T: Element>(&self) -> &[T::Cell] {
    // SAFETY: `new`'s contract; `T::Cell` has `T`'s size and alignment, and
    // atomics may alias memory others access atomically or from JS.
    unsafe { std::slice::from_raw_parts(self.base.cast::<T::Cell>(), self.len) }
  }

  /// Whether `op` runs on the calling thread (below its threshold).
  pub fn runs_inline(&self, op: &Op) -> bool {
    self.len < op.parallel_from()
  }

  /// Runs `op`, on the pool if the elements are many (the caller waits).
  pub fn run(&self, op: &Op) -> Result<Outcome, BulkError> {
    if self.runs_inline(op) {
      return self.dispatch(op, false);
    }
    pool::get()?.install(|| self.dispatch(op, true))
  }

  fn dispatch(&self, op: &Op, parallel: bool) -> Result<Outcome, BulkError> {
    match self.ty {
      ElementType::I8 => self.apply::<i8>(op, parallel),
      ElementType::U8 => self.apply::<u8>(op, parallel),
      ElementType::I16 => self.apply::<i16>(op, parallel),
      ElementType::U16 => self.apply::<u16>(op, parallel),
      ElementType::I32 => self.apply::<i32>(op, parallel),
      ElementType::U32 => self.apply::<u32>(op, parallel),
      ElementType::I64 => self.apply::<i64>(op, parallel),
      ElementType::U64 => self.apply::<u64>(op, parallel),
      ElementType::F32 => self.apply::<f32>(op, parallel),
      ElementType::F64 => self.apply::<f64>(op, parallel),
    }
  }

  fn apply<T: Element>(&self, op: &Op, parallel: bool) -> Result<Outcome, BulkError> {
    let cells = self.cells::<T>();
    let value = |value: Scalar| T::from_scalar(value).ok_or(BulkError::Value(value, self.ty));
    Ok(match *op {
      Op::Sort => {
        sort::sort::<T>(cells, parallel);
        Outcome::Done
      }
      Op::Sum => Outcome::Value(sum::total::<T>(cells, parallel)),
      Op::Min | Op::Max => {
        let (min, max) = extreme::extremes::<T>(cells, parallel).ok_or(BulkError::Empty(op.name()))?;
        Outcome::Value(if matches!(op, Op::Min) { min } else { max }.to_scalar())
      }
      Op::Fill { value: v, start, end } => {
        if start > end || end > self.len {
          return Err(BulkError::Range { start, end, len: self.len });
        }
        fill::fill::<T>(&cells[start..end], value(v)?, parallel);
        Outcome::Done
      }
      Op::IndexOf { value: v, from } => {
        // A value no element can equal (NaN, 0.1 in float32, 2^40 in i32) is nowhere.
        let found = match T::from_scalar(v).filter(|t| t.to_scalar() == v) {
          Some(t) if from < self.len => search::index_of::<T>(&cells[from..], t, parallel).map(|i| i + from),
          _ => None,
        };
        Outcome::Index(found)
      }
    })
  }
}

#[cfg(all(test, not(loom)))]
mod tests {
  use super::*;
  use crate::SharedMemory;
  use std::sync::Arc;

  /// xorshift64*: reproducible data without a dependency.
  struct Rng(u64);
  impl Rng {
    fn next(&mut self) -> u64 {
      self.0 ^= self.0 >> 12;
      self.0 ^= self.0 << 25;
      self.0 ^= self.0 >> 27;
      self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
  }

  fn elements<T: Element>(ty: ElementType, values: &[T]) -> Elements {
    let memory = Arc::new(SharedMemory::zeroed(values.len() * ty.size()));
    let base = memory.as_ptr();
    let elements = unsafe { Elements::new(memory, base, values.len(), ty) };
    for (cell, &v) in elements.cells::<T>().iter().zip(values) {
      T::store(cell, v);
    }
    elements
  }

  fn read<T: Element>(elements: &Elements) -> Vec<T> {
    elements.cells::<T>().iter().map(T::load).collect()
  }

  /// Empty, one, one chunk, many chunks; each run on both paths.
  const SIZES: [usize; 4] = [0, 1, 1000, 300_000];

  fn both_paths(elements: &Elements, op: &Op) -> [Result<Outcome, BulkError>; 2] {
    [false, true].map(|parallel| pool::get().unwrap().install(|| elements.dispatch(op, parallel)))
  }

  fn check_integers<T: Element + Ord + Into<i128> + fmt::Debug>(ty: ElementType, make: fn(u64) -> T) {
    for n in SIZES {
      let mut rng = Rng(n as u64 + 7);
      let values: Vec<T> = (0..n).map(|_| make(rng.next())).collect();
      let mut sorted = values.clone();
      sorted.sort();
      let sum: i128 = values.iter().map(|&v| v.into()).sum();
      for parallel in [false, true] {
        let e = elements(ty, &values);
        assert_eq!(e.dispatch(&Op::Sum, parallel), Ok(Outcome::Value(Scalar::Int(sum))), "{ty:?} sum of {n}");
        let extremes = [Op::Min, Op::Max].map(|op| e.dispatch(&op, parallel));
        if n == 0 {
          assert_eq!(extremes, [Err(BulkError::Empty("min")), Err(BulkError::Empty("max"))]);
        } else {
          let expected = [sorted[0], sorted[n - 1]].map(|v| Ok(Outcome::Value(Scalar::Int(v.into()))));
          assert_eq!(extremes, expected, "{ty:?} min/max of {n}");
        }
        if n > 0 {
          let target = values[n * 2 / 3];
          let first = values.iter().position(|&v| v == target);
          let op = Op::IndexOf { value: Scalar::Int(target.into()), from: 0 };
          assert_eq!(e.dispatch(&op, parallel), Ok(Outcome::Index(first)), "{ty:?} indexOf in {n}");
        }
        assert_eq!(e.dispatch(&Op::Sort, parallel), Ok(Outcome::Done));
        assert_eq!(read::<T>(&e), sorted, "{ty:?} sort of {n}");
      }
    }
  }

  #[test]
  fn integers_sort_sum_min_max_and_index_of_as_a_reference_does() {
    check_integers(ElementType::I8, |r| r as i8);
    check_integers(ElementType::U8, |r| r as u8);
    check_integers(ElementType::I16, |r| r as i16);
    check_integers(ElementType::U16, |r| r as u16);
    check_integers(ElementType::I32, |r| r as i32);
    check_integers(ElementType::U32, |r| r as u32);
    check_integers(ElementType::I64, |r| r as i64);
    check_integers(ElementType::U64, |r| r);
  }

  #[test]
  fn integer_sums_are_exact_past_64_bits() {
    let e = elements(ElementType::U64, &vec![u64::MAX; 300_000]);
    let exact = Scalar::Int(i128::from(u64::MAX) * 300_000);
    assert_eq!(both_paths(&e, &Op::Sum), [Ok(Outcome::Value(exact)), Ok(Outcome::Value(exact))]);
    let e = elements(ElementType::I64, &[i64::MIN, i64::MIN, 1]);
    assert_eq!(e.run(&Op::Sum), Ok(Outcome::Value(Scalar::Int(2 * i128::from(i64::MIN) + 1))));
  }

  #[test]
  fn floats_sort_nan_last_and_negative_zero_first() {
    let values = [3.0, f64::NAN, -0.0, 0.0, -f64::NAN, f64::NEG_INFINITY, 0.0, -0.0, 1e-300];
    for n in [1, 40_000] {
      for parallel in [false, true] {
        let e = elements(ElementType::F64, &values.repeat(n));
        e.dispatch(&Op::Sort, parallel).unwrap();
        let out = read::<f64>(&e);
        let expected: Vec<f64> = [f64::NEG_INFINITY, -0.0, -0.0, 0.0, 0.0, 1e-300, 3.0, f64::NAN, f64::NAN]
          .iter()
          .flat_map(|&v| std::iter::repeat_n(v, n))
          .collect();
        assert_eq!(out.iter().map(|v| v.key()).collect::<Vec<_>>(), expected.iter().map(|v| v.key()).collect::<Vec<_>>());
      }
    }
    let e = elements(ElementType::F32, &[2.5f32, -0.0, f32::NAN, 0.0, -1.0]);
    e.run(&Op::Sort).unwrap();
    let out = read::<f32>(&e);
    assert_eq!(&out[..4], &[-1.0, -0.0, 0.0, 2.5]);
    assert!(out[3].is_sign_positive() && out[1].is_sign_negative() && out[4].is_nan());
  }

  #[test]
  fn float_min_and_max_are_nan_with_a_nan_and_tell_the_zeros_apart() {
    let key = |r: Result<Outcome, BulkError>| match r {
      Ok(Outcome::Value(Scalar::Float(v))) => v.to_bits(),
      other => panic!("{other:?}"),
    };
    for n in [3, 300_000] {
      let mut values = vec![0.0; n];
      values[n / 2] = -0.0;
      let e = elements(ElementType::F64, &values);
      for op in [Op::Min, Op::Max] {
        let [inline, parallel] = both_paths(&e, &op);
        assert_eq!(key(inline), key(parallel));
      }
      assert_eq!(key(e.run(&Op::Min)), (-0.0f64).to_bits());
      assert_eq!(key(e.run(&Op::Max)), 0.0f64.to_bits());
      values[n - 1] = f64::NAN;
      let e = elements(ElementType::F64, &values);
      assert!(f64::from_bits(key(e.run(&Op::Min))).is_nan());
      assert!(f64::from_bits(key(e.run(&Op::Max))).is_nan());
    }
  }

  #[test]
  fn float_sums_do_not_depend_on_the_path_and_are_close_to_a_loop() {
    let mut rng = Rng(3);
    let values: Vec<f64> = (0..1_000_003).map(|_| (rng.next() >> 11) as f64 / (1u64 << 53) as f64 - 0.3).collect();
    let e = elements(ElementType::F64, &values);
    let [inline, parallel] = both_paths(&e, &Op::Sum);
    assert_eq!(inline, parallel);
    let Ok(Outcome::Value(Scalar::Float(sum))) = inline else { panic!("{inline:?}") };
    let looped: f64 = values.iter().sum();
    assert!((sum - looped).abs() < 1e-9 * values.len() as f64, "{sum} vs {looped}");
    let small: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let e = elements(ElementType::F32, &small);
    let Ok(Outcome::Value(Scalar::Float(sum))) = e.run(&Op::Sum) else { panic!() };
    let looped: f64 = small.iter().map(|&v| f64::from(v)).sum();
    assert!((sum - looped).abs() < 1e-6 * values.len() as f64, "float32 adds as f64: {sum} vs {looped}");
  }

  #[test]
  fn fill_sets_the_range_only_and_refuses_what_does_not_fit() {
    for n in [10, 300_000] {
      for parallel in [false, true] {
        let e = elements(ElementType::I16, &vec![1i16; n]);
        let op = Op::Fill { value: Scalar::Int(-7), start: 2, end: n - 3 };
        assert_eq!(e.dispatch(&op, parallel), Ok(Outcome::Done));
        let out = read::<i16>(&e);
        assert!(out[..2].iter().chain(&out[n - 3..]).all(|&v| v == 1));
        assert!(out[2..n - 3].iter().all(|&v| v == -7));
      }
    }
    let e = elements(ElementType::U8, &[0u8; 4]);
    let fill = |value, start, end| e.run(&Op::Fill { value, start, end });
    assert_eq!(fill(Scalar::Int(256), 0, 4), Err(BulkError::Value(Scalar::Int(256), ElementType::U8)));
    assert_eq!(fill(Scalar::Float(1.0), 0, 4), Err(BulkError::Value(Scalar::Float(1.0), ElementType::U8)));
    assert_eq!(fill(Scalar::Int(1), 3, 5), Err(BulkError::Range { start: 3, end: 5, len: 4 }));
    assert_eq!(fill(Scalar::Int(1), 3, 2), Err(BulkError::Range { start: 3, end: 2, len: 4 }));
    assert_eq!(fill(Scalar::Int(9), 4, 4), Ok(Outcome::Done));
    let f = elements(ElementType::F32, &[0f32; 2]);
    f.run(&Op::Fill { value: Scalar::Float(0.1), start: 0, end: 2 }).unwrap();
    assert_eq!(read::<f32>(&f), [0.1f32, 0.1], "rounded to float32, as a typed array stores it");
  }

  #[test]
  fn index_of_finds_the_first_match_from_an_index_and_never_nan() {
    let n = 300_000;
    let mut values = vec![0.5f64; n];
    for i in [5, 200_001, 200_002, n - 1] {
      values[i] = -0.0;
    }
    values[7] = f64::NAN;
    let e = elements(ElementType::F64, &values);
    let find = |value, from| both_paths(&e, &Op::IndexOf { value: Scalar::Float(value), from });
    assert_eq!(find(0.0, 0), [Ok(Outcome::Index(Some(5))), Ok(Outcome::Index(Some(5)))], "0 === -0");
    assert_eq!(find(0.0, 6), [Ok(Outcome::Index(Some(200_001))), Ok(Outcome::Index(Some(200_001)))]);
    assert_eq!(find(0.0, n), [Ok(Outcome::Index(None)), Ok(Outcome::Index(None))]);
    assert_eq!(find(f64::NAN, 0), [Ok(Outcome::Index(None)), Ok(Outcome::Index(None))]);
    assert_eq!(find(3.0, 0), [Ok(Outcome::Index(None)), Ok(Outcome::Index(None))]);
    let f = elements(ElementType::F32, &[0.1f32, 0.5]);
    let find = |value| f.run(&Op::IndexOf { value: Scalar::Float(value), from: 0 });
    assert_eq!(find(0.1), Ok(Outcome::Index(None)), "0.1 is no float32: no element === 0.1");
    assert_eq!(find(f64::from(0.1f32)), Ok(Outcome::Index(Some(0))));
    let i = elements(ElementType::I32, &[1i32, 2]);
    let op = Op::IndexOf { value: Scalar::Int(1 << 40), from: 0 };
    assert_eq!(i.run(&op), Ok(Outcome::Index(None)));
  }

  #[test]
  fn spawn_reports_once_from_a_pool_thread_while_the_caller_goes_on() {
    let values: Vec<u32> = (0..500_000u32).rev().collect();
    let e = elements(ElementType::U32, &values);
    let (tx, rx) = std::sync::mpsc::channel();
    spawn(e, Op::Sort, move |outcome| {
      let name = std::thread::current().name().map(str::to_owned);
      tx.send((outcome, name)).unwrap();
    })
    .unwrap();
    let (outcome, thread) = rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    assert_eq!(outcome, Ok(Outcome::Done));
    assert!(thread.unwrap().starts_with("multiproc-bulk-"));
    assert!(rx.recv_timeout(std::time::Duration::from_millis(50)).is_err());
  }

  #[test]
  fn writers_racing_a_sort_leave_only_values_someone_wrote() {
    let n = 200_000;
    let e = Arc::new(elements(ElementType::I32, &vec![1i32; n]));
    let writer = {
      let e = e.clone();
      std::thread::spawn(move || {
        for round in 0..20 {
          for cell in e.cells::<i32>().iter().step_by(97) {
            i32::store(cell, 2 + round % 2);
          }
        }
      })
    };
    for _ in 0..5 {
      e.run(&Op::Sort).unwrap();
    }
    writer.join().unwrap();
    assert!(read::<i32>(&e).iter().all(|v| (1..=3).contains(v)));
  }
}

//! The element types, each read and written only through the atomic of its
//! size (see [`Elements`](super::Elements) for why), with the order JS sorts
//! it in and its conversions from and to the [`Scalar`] JS hands over.

use std::sync::atomic::{
  AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicU16, AtomicU32, AtomicU64, AtomicU8,
  Ordering::Relaxed,
};

use super::Scalar;

/// Elements of one block are added into this many accumulators (element `i`
/// into `i % LANES`), so the additions do not wait on each other.
const LANES: usize = 4;

pub trait Element: Copy + PartialEq + Send + Sync + 'static {
  /// The atomic of the element's size and alignment.
  type Cell: Sync;
  /// Totally ordered as `TypedArray.prototype.sort` orders the elements.
  type Key: Ord + Copy + Send + Sync;
  /// What a block of elements adds up to (exact for integers).
  type Total: Copy + Send + Default;

  fn load(cell: &Self::Cell) -> Self;
  fn store(cell: &Self::Cell, value: Self);
  fn key(self) -> Self::Key;
  fn from_key(key: Self::Key) -> Self;
  /// Whether `key` is a NaN's (which `min`/`max` return if present).
  fn is_nan_key(_key: Self::Key) -> bool {
    false
  }
  /// The element JS's value stands for (a float rounded to `f32`), or None if
  /// it is of the wrong kind or out of range.
  fn from_scalar(value: Scalar) -> Option<Self>;
  fn to_scalar(self) -> Scalar;
  /// The elements of one block added up, in an order fixed by their indexes.
  fn block_total(cells: &[Self::Cell]) -> Self::Total;
  fn add_totals(a: Self::Total, b: Self::Total) -> Self::Total;
  fn total_scalar(total: Self::Total) -> Scalar;
}

macro_rules! integer {
  ($t:ty, $cell:ty, $total:ty) => {
    impl Element for $t {
      type Cell = $cell;
      type Key = $t;
      type Total = $total;

      fn load(cell: &$cell) -> $t {
        cell.load(Relaxed)
      }
      fn store(cell: &$cell, value: $t) {
        cell.store(value, Relaxed)
      }
      fn key(self) -> $t {
        self
      }
      fn from_key(key: $t) -> $t {
        key
      }
      fn from_scalar(value: Scalar) -> Option<$t> {
        match value {
          Scalar::Int(v) => <$t>::try_from(v).ok(),
          Scalar::Float(_) => None,
        }
      }
      fn to_scalar(self) -> Scalar {
        Scalar::Int(self.into())
      }
      fn block_total(cells: &[$cell]) -> $total {
        cells.iter().map(|c| <$total>::from(c.load(Relaxed))).sum()
      }
      fn add_totals(a: $total, b: $total) -> $total {
        a + b
      }
      fn total_scalar(total: $total) -> Scalar {
        Scalar::Int(total.into())
      }
    }
  };
}

// A block of 32-bit elements adds up to at most 2^32 * BLOCK < 2^63: i64 per
// block, i128 across blocks; 64-bit elements need i128 throughout.
integer!(i8, AtomicI8, i64);
integer!(u8, AtomicU8, i64);
integer!(i16, AtomicI16, i64);
integer!(u16, AtomicU16, i64);
integer!(i32, AtomicI32, i64);
integer!(u32, AtomicU32, i64);
integer!(i64, AtomicI64, i128);
integer!(u64, AtomicU64, i128);

macro_rules! float {
  ($t:ty, $cell:ty, $bits:ty) => {
    impl Element for $t {
      type Cell = $cell;
      type Key = $bits;
      type Total = f64;

      fn load(cell: &$cell) -> $t {
        <$t>::from_bits(cell.load(Relaxed))
      }
      fn store(cell: &$cell, value: $t) {
        cell.store(value.to_bits(), Relaxed)
      }
      // The bits with the sign flipped (all bits, for negatives) order as the
      // numbers do, -0 just before +0; every NaN goes last, as the one NaN.
      fn key(self) -> $bits {
        const SIGN: $bits = 1 << (<$bits>::BITS - 1);
        let bits = self.to_bits();
        if self.is_nan() {
          <$bits>::MAX
        } else if bits & SIGN != 0 {
          !bits
        } else {
          bits | SIGN
        }
      }
      fn from_key(key: $bits) -> $t {
        const SIGN: $bits = 1 << (<$bits>::BITS - 1);
        if key == <$bits>::MAX {
          <$t>::NAN
        } else if key & SIGN != 0 {
          <$t>::from_bits(key & !SIGN)
        } else {
          <$t>::from_bits(!key)
        }
      }
      fn is_nan_key(key: $bits) -> bool {
        key == <$bits>::MAX
      }
      fn from_scalar(value: Scalar) -> Option<$t> {
        match value {
          Scalar::Float(v) => Some(v as $t),
          Scalar::Int(_) => None,
        }
      }
      fn to_scalar(self) -> Scalar {
        Scalar::Float(self.into())
      }
      // Added as f64 (as a JS loop adds float32 elements).
      fn block_total(cells: &[$cell]) -> f64 {
        let mut lanes = [0.0f64; LANES];
        let mut chunks = cells.chunks_exact(LANES);
        for chunk in &mut chunks {
          for (lane, cell) in lanes.iter_mut().zip(chunk) {
            *lane += f64::from(Self::load(cell));
          }
        }
        for (lane, cell) in lanes.iter_mut().zip(chunks.remainder()) {
          *lane += f64::from(Self::load(cell));
        }
        (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
      }
      fn add_totals(a: f64, b: f64) -> f64 {
        a + b
      }
      fn total_scalar(total: f64) -> Scalar {
        Scalar::Float(total)
      }
    }
  };
}

float!(f32, AtomicU32, u32);
float!(f64, AtomicU64, u64);

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn float_keys_order_as_js_sorts_and_round_trip() {
    let ordered = [
      f64::NEG_INFINITY,
      -1e300,
      -1.0,
      -f64::MIN_POSITIVE,
      -0.0,
      0.0,
      f64::MIN_POSITIVE,
      1.0,
      f64::INFINITY,
      f64::NAN,
    ];
    for pair in ordered.windows(2) {
      assert!(pair[0].key() < pair[1].key(), "{} before {}", pair[0], pair[1]);
    }
    for x in &ordered[..9] {
      assert_eq!(f64::from_key(x.key()).to_bits(), x.to_bits());
    }
    assert!(f64::from_key((-f64::NAN).key()).is_nan());
    assert!((-0.0f32).key() < 0.0f32.key());
    assert_eq!(f32::from_key((-2.5f32).key()), -2.5);
  }

  #[test]
  fn scalars_convert_only_to_the_kind_and_range_they_fit() {
    assert_eq!(u8::from_scalar(Scalar::Int(255)), Some(255));
    assert_eq!(u8::from_scalar(Scalar::Int(256)), None);
    assert_eq!(i8::from_scalar(Scalar::Float(1.0)), None);
    assert_eq!(u64::from_scalar(Scalar::Int(u64::MAX.into())), Some(u64::MAX));
    assert_eq!(f32::from_scalar(Scalar::Float(0.1)), Some(0.1f32));
    assert_eq!(f64::from_scalar(Scalar::Int(1)), None);
    assert_eq!(0.1f32.to_scalar(), Scalar::Float(f64::from(0.1f32)));
  }
}

//! Sums. Integers add exactly. Floats add block by block: each block of
//! `BLOCK` elements in its lanes (see `Element::block_total`), then the block
//! sums left to right, so the result depends on the elements alone, never on
//! the number of threads or on whether the sum ran inline; it may differ from
//! a left-to-right loop's in the last bits.

use rayon::prelude::*;

use super::element::Element;
use super::Scalar;

const BLOCK: usize = 1 << 16;

pub fn total<T: Element>(cells: &[T::Cell], parallel: bool) -> Scalar {
  let start = T::Total::default();
  let total = if parallel {
    let blocks: Vec<T::Total> = cells.par_chunks(BLOCK).map(T::block_total).collect();
    blocks.into_iter().fold(start, T::add_totals)
  } else {
    cells.chunks(BLOCK).map(T::block_total).fold(start, T::add_totals)
  };
  T::total_scalar(total)
}

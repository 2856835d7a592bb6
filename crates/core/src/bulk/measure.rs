//! How the thresholds in `Op::parallel_from` were chosen: each operation
//! inline and on the pool at sizes around them (medians, µs; random data
//! written afresh, untimed, before each run).
//! `cargo test -p multiproc-core --release bulk::measure -- --ignored --nocapture`

use std::sync::Arc;
use std::time::Instant;

use super::element::Element;
use super::*;
use crate::SharedMemory;

fn median_us(mut setup: impl FnMut(), mut f: impl FnMut()) -> f64 {
  let mut times: Vec<f64> = (0..21)
    .map(|_| {
      setup();
      let t = Instant::now();
      f();
      t.elapsed().as_secs_f64() * 1e6
    })
    .collect();
  times.sort_by(f64::total_cmp);
  times[times.len() / 2]
}

fn measure<T: Element>(ty: ElementType, make: fn(u64) -> T, absent: Scalar) {
  let pool = pool::get().unwrap();
  for exp in [10, 12, 14, 16, 18, 20, 22, 23] {
    let n = 1usize << exp;
    let memory = Arc::new(SharedMemory::zeroed(n * ty.size()));
    let base = memory.as_ptr();
    let e = unsafe { Elements::new(memory, base, n, ty) };
    let mut seed = 1u64;
    let mut scramble = || {
      for cell in e.cells::<T>() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        T::store(cell, make(seed >> 11));
      }
    };
    let ops = [Op::Sort, Op::Sum, Op::Max, Op::Fill { value: absent, start: 0, end: n }, Op::IndexOf { value: absent, from: 0 }];
    let line: Vec<String> = ops
      .iter()
      .map(|op| {
        let mut time = |parallel: bool| {
          median_us(&mut scramble, || {
            pool.install(|| e.dispatch(op, parallel)).unwrap();
          })
        };
        let (inline, parallel) = (time(false), time(true));
        format!("{} {inline:.0}/{parallel:.0}", op.name())
      })
      .collect();
    println!("{ty:?} 2^{exp} inline/pool µs: {}", line.join("  "));
  }
}

#[test]
#[ignore = "a measurement, not a check"]
fn inline_against_the_pool() {
  measure::<u8>(ElementType::U8, |r| r as u8 | 1, Scalar::Int(0));
  measure::<i32>(ElementType::I32, |r| r as i32 | 1, Scalar::Int(0));
  measure::<f64>(ElementType::F64, |r| r as f64 + 1.0, Scalar::Float(0.5));
}

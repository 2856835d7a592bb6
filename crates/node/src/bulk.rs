//! `SharedArray`'s bulk operations: JS arguments to a core `Op`, outcomes
//! back. The sync form waits for the pool; the async form runs inline below
//! the threshold and otherwise hands a Promise back at once, settled from the
//! pool thread through a Node-API deferred (so never on libuv's pool).

use multiproc_core::bulk::{self, BulkError, ElementType, Op, Outcome, Scalar};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::shared_memory::NativeSharedMemory;

/// `undefined`, a number (floats, indexes) or a bigint (integers, exact).
type JsOutcome = Either3<(), f64, BigInt>;

fn element_type(name: &str) -> Result<ElementType> {
  Ok(match name {
    "i8" => ElementType::I8,
    "u8" => ElementType::U8,
    "i16" => ElementType::I16,
    "u16" => ElementType::U16,
    "i32" => ElementType::I32,
    "u32" => ElementType::U32,
    "i64" => ElementType::I64,
    "u64" => ElementType::U64,
    "f32" => ElementType::F32,
    "f64" => ElementType::F64,
    _ => return Err(invalid(format!("unknown element type {name:?}"))),
  })
}

fn invalid(message: String) -> Error {
  Error::new(Status::InvalidArg, message)
}

fn failed(error: BulkError) -> Error {
  invalid(error.to_string())
}

/// A value JS has already checked as `a.set` does: a number, or a bigint for
/// 64-bit elements.
fn scalar(value: Option<Either<f64, BigInt>>, ty: ElementType) -> Result<Scalar> {
  match value {
    Some(Either::A(x)) if matches!(ty, ElementType::F32 | ElementType::F64) => Ok(Scalar::Float(x)),
    Some(Either::A(x)) if x.fract() == 0.0 && x.abs() < 2f64.powi(64) => Ok(Scalar::Int(x as i128)),
    Some(Either::B(big)) => match big.get_i128() {
      (v, true) => Ok(Scalar::Int(v)),
      _ => Err(invalid("the value is out of the elements' range".into())),
    },
    _ => Err(invalid("a value that suits the elements is needed".into())),
  }
}

fn index(at: Option<f64>, what: &str) -> Result<usize> {
  match at {
    Some(i) if i >= 0.0 && i.fract() == 0.0 => Ok(i as usize),
    _ => Err(invalid(format!("{what} must be an index >= 0"))),
  }
}

fn op(name: &str, ty: ElementType, value: Option<Either<f64, BigInt>>, start: Option<f64>, end: Option<f64>) -> Result<Op> {
  Ok(match name {
    "sort" => Op::Sort,
    "sum" => Op::Sum,
    "min" => Op::Min,
    "max" => Op::Max,
    "fill" => Op::Fill {
      value: scalar(value, ty)?,
      start: index(start, "start")?,
      end: index(end, "end")?,
    },
    "indexOf" => Op::IndexOf {
      value: scalar(value, ty)?,
      from: index(start, "fromIndex")?,
    },
    _ => return Err(invalid(format!("unknown bulk operation {name:?}"))),
  })
}

fn js(outcome: Outcome) -> JsOutcome {
  match outcome {
    Outcome::Done => Either3::A(()),
    Outcome::Value(Scalar::Float(x)) => Either3::B(x),
    Outcome::Value(Scalar::Int(n)) => Either3::C(BigInt::from(n)),
    Outcome::Index(found) => Either3::B(found.map_or(-1.0, |i| i as f64)),
  }
}

#[napi]
impl NativeSharedMemory {
  /// Runs bulk operation `op` on the memory as elements of type `element`,
  /// blocking this thread until done.
  #[napi(ts_return_type = "number | bigint | undefined")]
  pub fn bulk(
    &self,
    element: String,
    op: String,
    value: Option<Either<f64, BigInt>>,
    start: Option<f64>,
    end: Option<f64>,
  ) -> Result<JsOutcome> {
    let ty = element_type(&element)?;
    let op = self::op(&op, ty, value, start, end)?;
    self.elements(ty).run(&op).map(js).map_err(failed)
  }

  /// `bulk` without blocking: its outcome when it ran inline, else a Promise
  /// of it. The pool's job holds the memory, which so outlives its JS handles.
  #[napi(ts_return_type = "number | bigint | undefined | Promise<number | bigint | undefined>")]
  pub fn bulk_async(
    &self,
    env: Env,
    element: String,
    op: String,
    value: Option<Either<f64, BigInt>>,
    start: Option<f64>,
    end: Option<f64>,
  ) -> Result<Unknown<'static>> {
    let ty = element_type(&element)?;
    let op = self::op(&op, ty, value, start, end)?;
    let elements = self.elements(ty);
    let raw = if elements.runs_inline(&op) {
      let outcome = elements.run(&op).map(js).map_err(failed)?;
      unsafe { ToNapiValue::to_napi_value(env.raw(), outcome)? }
    } else {
      let (deferred, promise) = env.create_deferred()?;
      bulk::spawn(elements, op, move |outcome| match outcome {
        Ok(outcome) => deferred.resolve(move |_| Ok(js(outcome))),
        Err(error) => deferred.reject(failed(error)),
      })
      .map_err(failed)?;
      promise.raw()
    };
    // SAFETY: a value just created in this env, returned to JS at once.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), raw) })
  }
}

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_channel::{unbounded, Receiver, Sender, TryRecvError};
use parking_lot::{Mutex, RwLock};

use crate::Shared;

/// One unit of work: a chunk of task arguments, serialized once by the
/// submitting thread and deserialized once by the worker that takes it.
pub struct Job {
  pub id: u64,
  /// Id of the task function, registered with [`TaskPool::register_function`].
  pub function: u32,
  /// How `payload` is encoded; chosen by the submitter, opaque to the core.
  pub format: u8,
  pub payload: Vec<u8>,
  /// Shared objects the payload refers to by id: kept alive until the job is
  /// finished, so a worker can attach to them even if the submitter dropped
  /// its own handles meanwhile.
  pub keep_alive: Vec<Shared>,
}

impl std::fmt::Debug for Job {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Job")
      .field("id", &self.id)
      .field("function", &self.function)
      .finish_non_exhaustive()
  }
}

/// A finished [`Job`]: its results (or its errors) as one serialized payload.
#[derive(Debug)]
pub struct Completion {
  pub job: u64,
  pub ok: bool,
  /// How `payload` is encoded; chosen by the worker, opaque to the core.
  pub format: u8,
  pub payload: Vec<u8>,
}

/// What a worker gets when it asks for work.
#[derive(Debug)]
pub enum Take {
  Job(Job),
  /// Nothing queued now; wait for the doorbell and ask again.
  Empty,
  /// The pool is closed and drained, or terminated: the worker should exit.
  Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PoolState {
  Running = 0,
  /// No new jobs; queued jobs still run.
  Closed = 1,
  /// Queued jobs are dropped; workers exit at their next `take`.
  Terminated = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmitError;

impl std::fmt::Display for SubmitError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str("the pool is not running")
  }
}

impl std::error::Error for SubmitError {}

/// The shared state of one pool: a job queue any worker may take from, a
/// completion queue the submitting thread drains in batches, and a record of
/// which job each worker slot holds, so a crashed worker's job is known.
///
/// Invariant: a job id is in at most one of {the job queue, a slot, the
/// completion queue} at any moment, so every job is delivered exactly once,
/// or reported lost through [`TaskPool::release_slot`].
///
/// ```
/// use multiproc_core::{Completion, Job, Take, TaskPool};
///
/// let pool = TaskPool::new(1);
/// pool.submit(Job { id: 7, function: 1, format: 0, payload: vec![1, 2], keep_alive: vec![] }).unwrap();
/// let Take::Job(job) = pool.take(0) else { unreachable!() };
/// assert_eq!(pool.held(0), Some(7));
/// pool.complete(0, Completion { job: job.id, ok: true, format: 0, payload: job.payload });
/// assert_eq!(pool.drain(16)[0].job, 7);
/// assert_eq!(pool.held(0), None);
/// ```
pub struct TaskPool {
  jobs_tx: Sender<Job>,
  jobs_rx: Receiver<Job>,
  done_tx: Sender<Completion>,
  done_rx: Receiver<Completion>,
  /// Job id held by each worker slot; 0 means idle (job ids start at 1).
  /// [`STOPPING`] marks a held job whose worker is being stopped; [`RETIRED`]
  /// a slot whose worker is being stopped and must take no other job.
  held: Box<[AtomicU64]>,
  /// The shared objects of the job each slot holds (see [`Job::keep_alive`]).
  held_objects: Box<[Mutex<Vec<Shared>>]>,
  /// The shared objects of queued jobs, by job id: kept here rather than in
  /// the channel so that cancelling a queued job releases them at once.
  queued_objects: Mutex<HashMap<u64, Vec<Shared>>>,
  queued_objects_count: AtomicUsize,
  /// Jobs aborted before a worker took them. `cancelled_count` lets `take`
  /// skip the lock on the common path where nothing was cancelled.
  cancelled: Mutex<HashSet<u64>>,
  cancelled_count: AtomicUsize,
  functions: RwLock<HashMap<u32, Arc<str>>>,
  state: AtomicU8,
}

/// Set on a slot's job id by [`TaskPool::cancel`] with `stop_running`.
const STOPPING: u64 = 1 << 63;
/// A slot word after its stopping job finished: `take` refuses it work.
const RETIRED: u64 = u64::MAX;

fn job_of(word: u64) -> Option<u64> {
  match word {
    0 | RETIRED => None,
    word => Some(word & !STOPPING),
  }
}

impl TaskPool {
  pub fn new(slots: usize) -> Self {
    let (jobs_tx, jobs_rx) = unbounded();
    let (done_tx, done_rx) = unbounded();
    Self {
      jobs_tx,
      jobs_rx,
      done_tx,
      done_rx,
      held: (0..slots).map(|_| AtomicU64::new(0)).collect(),
      held_objects: (0..slots).map(|_| Mutex::new(Vec::new())).collect(),
      queued_objects: Mutex::new(HashMap::new()),
      queued_objects_count: AtomicUsize::new(0),
      cancelled: Mutex::new(HashSet::new()),
      cancelled_count: AtomicUsize::new(0),
      functions: RwLock::new(HashMap::new()),
      state: AtomicU8::new(PoolState::Running as u8),
    }
  }

  pub fn slots(&self) -> usize {
    self.held.len()
  }

  pub fn state(&self) -> PoolState {
    match self.state.load(Ordering::Acquire) {
      0 => PoolState::Running,
      1 => PoolState::Closed,
      _ => PoolState::Terminated,
    }
  }

  pub fn submit(&self, mut job: Job) -> Result<(), SubmitError> {
    if self.state() != PoolState::Running {
      return Err(SubmitError);
    }
    if !job.keep_alive.is_empty() {
      self
        .queued_objects
        .lock()
        .insert(job.id, std::mem::take(&mut job.keep_alive));
      self.queued_objects_count.fetch_add(1, Ordering::SeqCst);
    }
    // The receiver lives in `self`, so the channel cannot be disconnected.
    self.jobs_tx.send(job).map_err(|_| SubmitError)
  }

  fn take_queued_objects(&self, job: u64) -> Option<Vec<Shared>> {
    if self.queued_objects_count.load(Ordering::SeqCst) == 0 {
      return None;
    }
    let objects = self.queued_objects.lock().remove(&job)?;
    self.queued_objects_count.fetch_sub(1, Ordering::SeqCst);
    Some(objects)
  }

  /// Takes the next job for `slot`, skipping cancelled ones, and records it as
  /// held by that slot until [`complete`](Self::complete) or
  /// [`release_slot`](Self::release_slot).
  /// A slot whose worker is being stopped gets [`Take::Closed`].
  pub fn take(&self, slot: usize) -> Take {
    loop {
      if self.state() == PoolState::Terminated || self.held[slot].load(Ordering::Acquire) == RETIRED
      {
        return Take::Closed;
      }
      match self.jobs_rx.try_recv() {
        Ok(job) => {
          // Held first, then the cancelled check (both SeqCst, as in `cancel`):
          // a concurrent cancel either sees the job held or is seen here.
          self.held[slot].store(job.id, Ordering::SeqCst);
          if self.cancelled_count.load(Ordering::SeqCst) > 0 && self.forget_cancelled(job.id) {
            self.held[slot].store(0, Ordering::SeqCst);
            drop(self.take_queued_objects(job.id));
            continue;
          }
          if let Some(objects) = self.take_queued_objects(job.id) {
            *self.held_objects[slot].lock() = objects;
          }
          return Take::Job(job);
        }
        Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
          return if self.state() == PoolState::Running {
            Take::Empty
          } else {
            Take::Closed
          };
        }
      }
    }
  }

  pub fn complete(&self, slot: usize, completion: Completion) {
    // One atomic step: a stop marked between a load and a store would be lost
    // and the stopped worker would take, and die with, another caller's job.
    let _ = self.held[slot].fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
      Some(if word & STOPPING != 0 { RETIRED } else { 0 })
    });
    self.held_objects[slot].lock().clear();
    // The receiver lives in `self`: sending cannot fail.
    let _ = self.done_tx.send(completion);
  }

  pub fn held(&self, slot: usize) -> Option<u64> {
    job_of(self.held[slot].load(Ordering::Acquire))
  }

  /// Clears `slot` after its worker died, returning the job it held.
  pub fn release_slot(&self, slot: usize) -> Option<u64> {
    self.held_objects[slot].lock().clear();
    job_of(self.held[slot].swap(0, Ordering::AcqRel))
  }

  /// Up to `max` completions, in the order workers finished them.
  pub fn drain(&self, max: usize) -> Vec<Completion> {
    let done: Vec<Completion> = self.done_rx.try_iter().take(max).collect();
    // A job cancelled after it finished stays marked until its completion passes.
    if self.cancelled_count.load(Ordering::Acquire) > 0 {
      for completion in &done {
        self.forget_cancelled(completion.job);
      }
    }
    done
  }

  pub fn queued(&self) -> usize {
    self.jobs_rx.len()
  }

  /// Marks a queued job so no worker runs it. A job already taken runs on
  /// (the caller drops its result), unless `stop_running`: then its slot is
  /// returned, marked so that it takes no other job, and the caller stops
  /// that slot's worker (and later [`release_slot`](Self::release_slot)s it).
  pub fn cancel(&self, job: u64, stop_running: bool) -> Option<usize> {
    let mut cancelled = self.cancelled.lock();
    if cancelled.insert(job) {
      self.cancelled_count.fetch_add(1, Ordering::SeqCst);
    }
    let Some(slot) = self
      .held
      .iter()
      .position(|word| word.load(Ordering::SeqCst) == job)
    else {
      // Not taken (a worker that takes it now sees the mark and skips it):
      // what it holds alive is released now, not when it is skipped.
      drop(cancelled);
      drop(self.take_queued_objects(job));
      return None;
    };
    // Taken: no worker will skip it, so it needs no mark.
    cancelled.remove(&job);
    self.cancelled_count.fetch_sub(1, Ordering::SeqCst);
    if !stop_running {
      return None;
    }
    // Fails if the job finished meanwhile: then there is nothing to stop.
    self.held[slot]
      .compare_exchange(job, job | STOPPING, Ordering::AcqRel, Ordering::Acquire)
      .ok()
      .map(|_| slot)
  }

  fn forget_cancelled(&self, job: u64) -> bool {
    let mut cancelled = self.cancelled.lock();
    let found = cancelled.remove(&job);
    if found {
      self.cancelled_count.fetch_sub(1, Ordering::Release);
    }
    found
  }

  /// No new jobs; workers exit once the queue is drained.
  pub fn close(&self) {
    let _ = self.state.compare_exchange(
      PoolState::Running as u8,
      PoolState::Closed as u8,
      Ordering::AcqRel,
      Ordering::Acquire,
    );
  }

  /// Drops every queued job; workers exit at their next `take`.
  pub fn terminate(&self) {
    self
      .state
      .store(PoolState::Terminated as u8, Ordering::Release);
    while self.jobs_rx.try_recv().is_ok() {}
    self.queued_objects.lock().clear();
    self.queued_objects_count.store(0, Ordering::SeqCst);
    self.cancelled.lock().clear();
    self.cancelled_count.store(0, Ordering::Release);
  }

  /// Records the source of a task function so workers can compile it on first
  /// use; registering an id twice keeps the first source.
  pub fn register_function(&self, id: u32, source: &str) {
    self
      .functions
      .write()
      .entry(id)
      .or_insert_with(|| Arc::from(source));
  }

  pub fn function(&self, id: u32) -> Option<Arc<str>> {
    self.functions.read().get(&id).cloned()
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicBool;

  fn job(id: u64) -> Job {
    Job {
      id,
      function: 1,
      format: 0,
      payload: id.to_le_bytes().to_vec(),
      keep_alive: vec![],
    }
  }

  #[test]
  fn close_lets_queued_jobs_run_then_reports_closed() {
    let pool = TaskPool::new(1);
    pool.submit(job(1)).unwrap();
    pool.close();
    assert_eq!(pool.submit(job(2)), Err(SubmitError));
    assert!(matches!(pool.take(0), Take::Job(Job { id: 1, .. })));
    assert!(matches!(pool.take(0), Take::Closed));
  }

  #[test]
  fn terminate_drops_queued_jobs() {
    let pool = TaskPool::new(1);
    pool.submit(job(1)).unwrap();
    pool.terminate();
    assert!(matches!(pool.take(0), Take::Closed));
    assert_eq!(pool.queued(), 0);
  }

  #[test]
  fn cancelled_jobs_are_skipped() {
    let pool = TaskPool::new(1);
    for id in 1..=3 {
      pool.submit(job(id)).unwrap();
    }
    assert_eq!(
      pool.cancel(2, true),
      None,
      "a queued job has no worker to stop"
    );
    let taken: Vec<u64> = std::iter::from_fn(|| match pool.take(0) {
      Take::Job(j) => Some(j.id),
      _ => None,
    })
    .collect();
    assert_eq!(taken, vec![1, 3]);
    assert_eq!(pool.cancelled_count.load(Ordering::Relaxed), 0);
  }

  fn done(job: u64) -> Completion {
    Completion {
      job,
      ok: true,
      format: 0,
      payload: vec![],
    }
  }

  #[test]
  fn stopping_a_running_job_retires_its_slot_until_released() {
    let pool = TaskPool::new(2);
    for id in 1..=3 {
      pool.submit(job(id)).unwrap();
    }
    assert!(matches!(pool.take(1), Take::Job(j) if j.id == 1));
    assert_eq!(pool.cancel(1, true), Some(1));
    assert_eq!(pool.held(1), Some(1));
    // The stopped worker may still finish its job: it gets no other.
    pool.complete(1, done(1));
    assert!(matches!(pool.take(1), Take::Closed));
    assert_eq!(pool.release_slot(1), None);
    assert!(
      matches!(pool.take(1), Take::Job(j) if j.id == 2),
      "the replacement takes work"
    );
    assert_eq!(pool.cancelled_count.load(Ordering::Relaxed), 0);
  }

  #[test]
  fn cancelling_a_running_job_without_stopping_leaves_no_mark() {
    let pool = TaskPool::new(1);
    pool.submit(job(1)).unwrap();
    assert!(matches!(pool.take(0), Take::Job(_)));
    assert_eq!(pool.cancel(1, false), None);
    pool.complete(0, done(1));
    assert_eq!(pool.cancelled_count.load(Ordering::Relaxed), 0);
    // A job cancelled after it finished is forgotten when its completion is drained.
    pool.submit(job(2)).unwrap();
    assert!(matches!(pool.take(0), Take::Job(_)));
    pool.complete(0, done(2));
    assert_eq!(pool.cancel(2, true), None, "finished: nothing to stop");
    assert_eq!(pool.drain(8).len(), 2);
    assert_eq!(pool.cancelled_count.load(Ordering::Relaxed), 0);
  }

  /// A stop racing the completion of the job it aims at: whenever the stop
  /// names the slot, the slot's worker gets no other job.
  #[test]
  fn a_stop_racing_completion_never_hands_the_slot_another_job() {
    for round in 0..2_000u64 {
      let pool = TaskPool::new(1);
      let (a, b) = (2 * round + 1, 2 * round + 2);
      pool.submit(job(a)).unwrap();
      pool.submit(job(b)).unwrap();
      assert!(matches!(pool.take(0), Take::Job(j) if j.id == a));
      let start = std::sync::Barrier::new(2);
      let (stopped, next) = std::thread::scope(|s| {
        let worker = s.spawn(|| {
          start.wait();
          pool.complete(0, done(a));
          matches!(pool.take(0), Take::Job(_))
        });
        start.wait();
        let stopped = pool.cancel(a, true);
        (stopped, worker.join().unwrap())
      });
      assert!(
        !(stopped.is_some() && next),
        "round {round}: the stopped slot took job {b}"
      );
    }
  }

  /// Cancels with `stop_running` racing workers' takes: each job is either
  /// skipped, or run, and a stop is only ever reported for the slot running
  /// that very job (never for a slot running another caller's job).
  #[test]
  fn a_stop_racing_take_names_only_the_slot_running_that_job() {
    const JOBS: u64 = 20_000;
    let pool = TaskPool::new(2);
    let running: Vec<AtomicU64> = (0..2).map(|_| AtomicU64::new(0)).collect();
    let ran: Vec<AtomicBool> = (0..=JOBS).map(|_| AtomicBool::new(false)).collect();
    let finished = AtomicBool::new(false);
    std::thread::scope(|s| {
      for slot in 0..2 {
        let (pool, running, ran, finished) = (&pool, &running, &ran, &finished);
        s.spawn(move || loop {
          match pool.take(slot) {
            Take::Job(j) => {
              running[slot].store(j.id, Ordering::SeqCst);
              assert!(
                !ran[j.id as usize].swap(true, Ordering::SeqCst),
                "job {} ran twice",
                j.id
              );
              std::thread::yield_now();
              running[slot].store(0, Ordering::SeqCst);
              pool.complete(slot, done(j.id));
            }
            // A stopped slot's worker is replaced at once here.
            Take::Closed if pool.state() == PoolState::Running => {
              pool.release_slot(slot);
            }
            Take::Empty if finished.load(Ordering::Acquire) => break,
            Take::Empty => std::thread::yield_now(),
            Take::Closed => break,
          }
        });
      }
      for id in 1..=JOBS {
        pool.submit(job(id)).unwrap();
        if id % 3 == 0 {
          let target = id - 1;
          if let Some(slot) = pool.cancel(target, true) {
            // Until the slot's word says retired, that slot is on `target`.
            let now = running[slot].load(Ordering::SeqCst);
            assert!(
              now == target || now == 0,
              "stop for job {target} named slot {slot}, running {now}"
            );
          }
        }
      }
      while pool.queued() > 0 {
        std::thread::yield_now();
      }
      finished.store(true, Ordering::Release);
    });
    let skipped = (1..=JOBS)
      .filter(|&id| !ran[id as usize].load(Ordering::SeqCst))
      .count();
    assert!(
      skipped as u64 <= JOBS / 3,
      "only cancelled jobs are skipped ({skipped})"
    );
    while !pool.drain(1024).is_empty() {}
    assert_eq!(
      pool.cancelled_count.load(Ordering::Relaxed),
      0,
      "no mark is left behind"
    );
  }

  #[test]
  fn a_dead_workers_job_is_reported_once() {
    let pool = TaskPool::new(2);
    pool.submit(job(9)).unwrap();
    assert!(matches!(pool.take(1), Take::Job(_)));
    assert_eq!(pool.release_slot(1), Some(9));
    assert_eq!(pool.release_slot(1), None);
  }

  /// 4 submitters x 4 workers x 50k jobs: every job completes exactly once,
  /// checked by count and by the sum of ids.
  #[test]
  fn every_job_is_delivered_exactly_once_under_contention() {
    const SUBMITTERS: u64 = 4;
    const PER_SUBMITTER: u64 = 50_000;
    let pool = Arc::new(TaskPool::new(4));
    let submitted = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let (count, sum) = std::thread::scope(|s| {
      for t in 0..SUBMITTERS {
        let pool = &pool;
        let submitted = &submitted;
        s.spawn(move || {
          for i in 0..PER_SUBMITTER {
            pool.submit(job(t * PER_SUBMITTER + i + 1)).unwrap();
            submitted.fetch_add(1, Ordering::Relaxed);
          }
        });
      }
      for slot in 0..4 {
        let pool = &pool;
        let done = &done;
        s.spawn(move || loop {
          match pool.take(slot) {
            Take::Job(j) => pool.complete(
              slot,
              Completion {
                job: j.id,
                ok: true,
                format: 0,
                payload: j.payload,
              },
            ),
            Take::Empty if done.load(Ordering::Acquire) => break,
            Take::Empty => std::thread::yield_now(),
            Take::Closed => break,
          }
        });
      }
      let total = (SUBMITTERS * PER_SUBMITTER) as usize;
      let mut count = 0usize;
      let mut sum = 0u64;
      let mut seen = vec![false; total + 1];
      while count < total {
        for c in pool.drain(1024) {
          assert!(
            !std::mem::replace(&mut seen[c.job as usize], true),
            "job {} twice",
            c.job
          );
          assert_eq!(c.payload, c.job.to_le_bytes());
          count += 1;
          sum += c.job;
        }
      }
      done.store(true, Ordering::Release);
      (count, sum)
    });
    let n = SUBMITTERS * PER_SUBMITTER;
    assert_eq!(count as u64, n);
    assert_eq!(sum, n * (n + 1) / 2);
    assert_eq!(pool.drain(1).len(), 0);
  }

  /// A one-slot pool with job 1 queued, holding the only strong reference to an object.
  fn pool_with_a_job_holding_an_object(
  ) -> (TaskPool, std::sync::Weak<dyn std::any::Any + Send + Sync>) {
    let pool = TaskPool::new(1);
    let object: Shared = Arc::new(5u8);
    let weak = Arc::downgrade(&object);
    let mut queued = job(1);
    queued.keep_alive = vec![object];
    pool.submit(queued).unwrap();
    (pool, weak)
  }

  #[test]
  fn shared_objects_of_a_job_live_until_it_is_finished() {
    let (pool, weak) = pool_with_a_job_holding_an_object();
    let Take::Job(taken) = pool.take(0) else {
      panic!("no job")
    };
    drop(taken);
    assert!(
      weak.upgrade().is_some(),
      "alive while the worker holds the job"
    );
    pool.complete(
      0,
      Completion {
        job: 1,
        ok: true,
        format: 0,
        payload: vec![],
      },
    );
    assert!(weak.upgrade().is_none());
  }

  #[test]
  fn cancelling_a_queued_job_releases_its_shared_objects_at_once() {
    let (pool, weak) = pool_with_a_job_holding_an_object();
    assert_eq!(pool.cancel(1, true), None);
    assert!(
      weak.upgrade().is_none(),
      "released by the cancel, before any worker skips the job"
    );
    assert!(matches!(pool.take(0), Take::Empty));
    assert_eq!(pool.queued_objects_count.load(Ordering::Relaxed), 0);
  }

  #[test]
  fn functions_are_registered_once() {
    let pool = TaskPool::new(1);
    pool.register_function(1, "x => x");
    pool.register_function(1, "x => 2 * x");
    assert_eq!(pool.function(1).as_deref(), Some("x => x"));
    assert!(pool.function(2).is_none());
  }
}

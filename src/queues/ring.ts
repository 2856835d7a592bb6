// The number ring at the front of an unbounded Queue, worked on directly with
// Atomics: a number put or taken here costs no native call. Layout and
// protocol are those of crates/core/src/queue/ring.rs (Vyukov's bounded MPMC
// queue); the core takes from the ring too, and does all the waiting.

// 32-bit word indexes (ring.rs).
const HEAD = 0;
const UNFINISHED = 1;
const TAIL = 16;
const CAPACITY = 32;
const CLOSED = 33;
const IN_CHANNEL = 34;
const GETTERS = 35;
const SLOTS = 48;
const SLOT_WORDS = 4;

/**
 * Checks of a full ring before a number goes to the channel instead. A getter
 * draining the ring frees a slot within microseconds; once an item is in the
 * channel, every later put goes there too (to stay in order) until it is
 * drained, at native-call speed.
 */
const FULL_SPINS = 2000;

/** `tryPut` outcomes. */
export const enum RingPut {
  /** Not put: the queue is closed, its channel holds items, or the ring is full. */
  Refused = 0,
  Put = 1,
  /** Put, and a getter waits: the core must wake it. */
  PutWake = 2,
}

export class NumberRing {
  readonly #words: Int32Array;
  readonly #numbers: Float64Array;
  readonly #mask: number;

  /** A ring, or undefined for a queue without one (a bounded queue). */
  static over(memory: ArrayBuffer): NumberRing | undefined {
    const words = new Int32Array(memory);
    return words[CAPACITY] === 0 ? undefined : new NumberRing(words, memory);
  }

  private constructor(words: Int32Array, memory: ArrayBuffer) {
    this.#words = words;
    this.#numbers = new Float64Array(memory);
    this.#mask = words[CAPACITY] - 1;
  }

  /**
   * Claims the next position of `counter` (HEAD or TAIL) once its slot's turn
   * has come, i.e. its sequence is `position + lag` (0 for producers, 1 for
   * consumers); -1 when the ring is full (after FULL_SPINS more checks) or
   * empty. Returns the slot's first word. Empty means nothing claimed: a slot
   * a producer is still writing is waited for (see `claim` in ring.rs).
   */
  #claim(counter: number, lag: number): number {
    const words = this.#words;
    let patience = FULL_SPINS;
    let position = Atomics.load(words, counter);
    for (;;) {
      const slot = SLOTS + (position & this.#mask) * SLOT_WORDS;
      const turn = (Atomics.load(words, slot) - position - lag) | 0;
      if (turn === 0) {
        const seen = Atomics.compareExchange(words, counter, position, (position + 1) | 0);
        if (seen === position) return slot;
        position = seen;
      } else if (turn < 0 && (counter === HEAD ? --patience < 0 : Atomics.load(words, HEAD) === position)) {
        return -1;
      } else {
        position = Atomics.load(words, counter);
      }
    }
  }

  tryPut(value: number): RingPut {
    const words = this.#words;
    // While the channel holds items, later ones must follow them there.
    if (Atomics.load(words, CLOSED) !== 0 || Atomics.load(words, IN_CHANNEL) !== 0) return RingPut.Refused;
    const slot = this.#claim(HEAD, 0);
    if (slot < 0) return RingPut.Refused;
    // Counted before a getter can take it (and taskDone it).
    Atomics.add(words, UNFINISHED, 1);
    this.#numbers[(slot + 2) / 2] = value;
    // The slot's sequence word was position; it becomes position + 1.
    Atomics.add(words, slot, 1);
    return Atomics.load(words, GETTERS) === 0 ? RingPut.Put : RingPut.PutWake;
  }

  /** The oldest number, or undefined when the ring is empty. */
  tryTake(): number | undefined {
    const slot = this.#claim(TAIL, 1);
    if (slot < 0) return undefined;
    const value = this.#numbers[(slot + 2) / 2];
    // Free for the producer one lap ahead: position + 1 becomes position + capacity.
    Atomics.add(this.#words, slot, this.#mask);
    return value;
  }
}

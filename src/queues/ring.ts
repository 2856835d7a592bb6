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

  tryPut(value: number): RingPut {
    const words = this.#words;
    // While the channel holds items, later ones must follow them there.
    if (Atomics.load(words, CLOSED) !== 0 || Atomics.load(words, IN_CHANNEL) !== 0) return RingPut.Refused;
    // Counted before a getter can take it (and taskDone it).
    Atomics.add(words, UNFINISHED, 1);
    let position = Atomics.load(words, HEAD);
    let slot;
    let waited = 0;
    for (;;) {
      slot = SLOTS + (position & this.#mask) * SLOT_WORDS;
      const turn = (Atomics.load(words, slot) - position) | 0;
      if (turn === 0) {
        const seen = Atomics.compareExchange(words, HEAD, position, (position + 1) | 0);
        if (seen === position) break;
        position = seen;
      } else if (turn < 0 && ++waited > FULL_SPINS) {
        Atomics.sub(words, UNFINISHED, 1);
        return RingPut.Refused;
      } else {
        position = Atomics.load(words, HEAD);
      }
    }
    this.#numbers[(slot + 2) / 2] = value;
    Atomics.store(words, slot, (position + 1) | 0);
    return Atomics.load(words, GETTERS) === 0 ? RingPut.Put : RingPut.PutWake;
  }

  /** The oldest number, or undefined when the ring is empty. */
  tryTake(): number | undefined {
    const words = this.#words;
    let position = Atomics.load(words, TAIL);
    let slot;
    for (;;) {
      slot = SLOTS + (position & this.#mask) * SLOT_WORDS;
      const turn = (Atomics.load(words, slot) - position - 1) | 0;
      if (turn === 0) {
        const seen = Atomics.compareExchange(words, TAIL, position, (position + 1) | 0);
        if (seen === position) break;
        position = seen;
      } else if (turn < 0) {
        return undefined;
      } else {
        position = Atomics.load(words, TAIL);
      }
    }
    const value = this.#numbers[(slot + 2) / 2];
    Atomics.store(words, slot, (position + this.#mask + 1) | 0);
    return value;
  }
}

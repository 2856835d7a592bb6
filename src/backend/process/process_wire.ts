// What a Process child (process context) and its parent say on the channel:
// one frame, the start data. Kept apart from process_child.ts so the child's
// entry loads none of the parent's side.

/** Channel frame carrying the v8-serialized ChildStart. */
export const START_FRAME = 1;

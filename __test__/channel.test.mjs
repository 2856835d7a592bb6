// The process context's framing (src/backend/process/channel.ts): whatever
// sizes the pipe's chunks come in, every frame arrives whole, once, in order.
import test from 'ava';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const { Channel } = createRequire(import.meta.url)('../src/backend/process/channel.js');

function frame(type, body) {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(body.length + 1, 0);
  head[4] = type;
  return Buffer.concat([head, body]);
}

function receive(chunks) {
  const socket = new EventEmitter();
  const got = [];
  new Channel(socket, (type, body) => got.push([type, Buffer.from(body)]));
  for (const chunk of chunks) socket.emit('data', chunk);
  return got;
}

const bodies = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('hello'), Buffer.alloc(200_000, 7)];
const stream = Buffer.concat(bodies.map((body, i) => frame(i + 1, body)));
const expected = bodies.map((body, i) => [i + 1, body]);

test.serial('frames split at every offset, and into chunks of every small size, arrive whole', (t) => {
  t.timeout(60_000);
  for (let cut = 0; cut <= 20; cut++) {
    assert.deepEqual(receive([stream.subarray(0, cut), stream.subarray(cut)]), expected, `cut at ${cut}`);
  }
  for (let size = 1; size <= 7; size++) {
    const head = stream.subarray(0, 40);
    const chunks = [];
    for (let at = 0; at < head.length; at += size) chunks.push(head.subarray(at, at + size));
    chunks.push(stream.subarray(40));
    assert.deepEqual(receive(chunks), expected, `chunks of ${size}`);
  }
});

test.serial('a big frame in 64 KiB chunks arrives once, whole', (t) => {
  t.timeout(60_000);
  const chunks = [];
  for (let at = 0; at < stream.length; at += 65_536) chunks.push(stream.subarray(at, at + 65_536));
  assert.deepEqual(receive(chunks), expected);
});

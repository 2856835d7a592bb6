// Python (docs, multiprocessing.shared_memory):
//   from multiprocessing import Process, shared_memory
//   shm_a = shared_memory.SharedMemory(create=True, size=10)
//   buffer = shm_a.buf
//   buffer[:4] = bytearray([22, 33, 44, 55])
//   buffer[4] = 100
//   shm_b = shared_memory.SharedMemory(shm_a.name)   # attach by name
//   print(list(shm_b.buf[:5]))                       # [22, 33, 44, 55, 100]
//   shm_b.buf[:5] = b'howdy'
//   print(bytes(shm_a.buf[:5]))                      # b'howdy'
//   shm_b.close()
//   a = shared_memory.ShareableList(['howdy', b'HoWdY', -273.154, 100, None, True, 42])
//   a[2] = -78.5; a[2] = 'dry ice'                   # types may change
//   a[2] = 'larger than previously allocated storage space'   # ValueError
//   print(a[2], len(a), a.index(42), a.count(b'HoWdY'))       # dry ice 7 6 1
//   def shout(shm, sl):                              # in a child process
//       shm.buf[:5] = b'HOWDY'; sl[0] = 'hi'
//   p = Process(target=shout, args=(shm_a, a)); p.start(); p.join()
//   print(bytes(shm_a.buf[:5]), a[0])                # b'HOWDY' hi
//   a.shm.close(); a.shm.unlink(); shm_a.close(); shm_a.unlink()
// With MULTIPROC_CONTEXT=process the child is an OS process: both objects
// reach it attached by name.
import { Process, ShareableList, SharedMemory } from 'multiproc';

const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';
const text = (bytes: Uint8Array) => `b'${Buffer.from(bytes).toString('latin1')}'`;

const shmA = new SharedMemory({ create: true, size: 10 });
const buffer = shmA.buf;
buffer.set([22, 33, 44, 55]);
buffer[4] = 100;
const shmB = new SharedMemory({ name: shmA.name });
console.log(`[${[...shmB.buf.subarray(0, 5)].join(', ')}]`);
shmB.buf.set(Buffer.from('howdy'));
console.log(text(shmA.buf.subarray(0, 5)));
shmB.close();

const a = new ShareableList(['howdy', Buffer.from('HoWdY'), -273.154, 100, null, true, 42]);
a.set(2, -78.5);
a.set(2, 'dry ice');
try {
  a.set(2, 'larger than previously allocated storage space');
} catch (error) {
  console.log(`${(error as Error).name}: too long for its slot`);
}
console.log(a.get(2), a.length, a.index(42), a.count(Buffer.from('HoWdY')));

function shout(shm: SharedMemory, sl: ShareableList) {
  shm.buf.set(Buffer.from('HOWDY'));
  sl.set(0, 'hi');
}

const p = new Process({ target: shout, args: [shmA, a], context });
p.start();
await p.join();
console.log(text(shmA.buf.subarray(0, 5)), a.get(0));
a.shm.close();
a.shm.unlink();
shmA.close();
shmA.unlink();

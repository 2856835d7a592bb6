// Python (docs, "Exchanging objects between processes"):
//   from multiprocessing import Process, Pipe
//   def f(conn):
//       conn.send([42, None, 'hello'])
//       conn.close()
//   if __name__ == '__main__':
//       parent_conn, child_conn = Pipe()
//       p = Process(target=f, args=(child_conn,))
//       p.start()
//       print(parent_conn.recv())   # prints "[42, None, 'hello']"
//       p.join()
import { Pipe, Process, type Connection } from 'multiproc';

function f(conn: Connection<unknown[]>) {
  conn.send([42, null, 'hello']);
  conn.close();
}

const [parentConn, childConn] = Pipe<unknown[]>();
const p = new Process({ target: f, args: [childConn] });
p.start();
const message = await parentConn.recv();
console.log(`[${message.map((x) => (x === null ? 'None' : typeof x === 'string' ? `'${x}'` : String(x))).join(', ')}]`);
await p.join();

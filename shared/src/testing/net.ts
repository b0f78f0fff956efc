/** Loopback helpers for tests that start real servers. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { sleep } from '../core/retry.ts';

/** A free TCP port on 127.0.0.1 (the OS picks it; a server that cannot take port 0 is then started on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls a URL until it answers with any HTTP status, or fails after timeoutMs. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: error });
      await sleep(100);
    }
  }
}

/**
 * A port on 127.0.0.1 where connecting hangs, as with a blackholed address: a listener in a stopped process (it
 * accepts nothing) whose accept queue is full, so the kernel drops every further SYN and the client waits for its
 * own timeout. Stopped, not slow: nothing on it ever answers.
 */
export async function blackholePort(): Promise<{ port: number; close(): void }> {
  const listener = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(listener.stdout, 'data')) as [Buffer];
  const port = Number(line.toString());
  listener.kill('SIGSTOP');
  const queued: Socket[] = [];
  const close = () => {
    for (const socket of queued) socket.destroy();
    listener.kill('SIGKILL');
    process.off('exit', close);
  };
  // A test that times out never reaches its finally: the stopped listener must not outlive the test process.
  process.once('exit', close);
  // Connections the kernel completes on its own until the queue is full; the first that does not complete shows it is.
  for (let attempt = 0; attempt < 16; attempt++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    queued.push(socket);
    const connected = await Promise.race([once(socket, 'connect').then(() => true), sleep(300).then(() => false)]);
    if (!connected) return { port, close };
  }
  close();
  throw new Error(`port ${port} kept accepting connections with its listener stopped`);
}

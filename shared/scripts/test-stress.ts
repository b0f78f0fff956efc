/**
 * `npm run test:stress [-- rounds]`: runs `npm test` (once, or `rounds` times in a row) while stress-ng keeps every
 * core busy, as on a loaded CI runner; stress-ng is stopped afterwards whatever the result. Exit code: npm test's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const rounds = Number(process.argv[2] ?? '1');
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`test:stress: expected a number of rounds, got ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}

// Its own process group, so that stopping it stops its workers too.
const stress = spawn('stress-ng', ['--cpu', '2', '--timeout', '0', '--quiet'], { stdio: 'ignore', detached: true });
const stopStress = () => {
  if (stress.pid !== undefined && stress.exitCode === null && stress.signalCode === null) {
    try {
      process.kill(-stress.pid, 'SIGKILL');
    } catch {}
  }
};
process.on('exit', stopStress);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const [spawnError] = (await Promise.race([once(stress, 'error'), once(stress, 'spawn').then(() => [undefined])])) as [
  Error | undefined,
];
if (spawnError) {
  process.stderr.write(`test:stress needs stress-ng (${spawnError.message}): sudo apt-get install stress-ng\n`);
  process.exit(1);
}

let code = 0;
for (let round = 1; round <= rounds && code === 0; round++) {
  process.stdout.write(`\ntest:stress: round ${round}/${rounds}, npm test under stress-ng --cpu 2\n`);
  const test: ChildProcess = spawn('npm', ['test'], { stdio: 'inherit' });
  const [exit] = (await once(test, 'exit')) as [number | null];
  code = exit ?? 1;
  process.stdout.write(`test:stress: round ${round}/${rounds} ${code === 0 ? 'passed' : `failed (exit ${code})`}\n`);
}
process.exit(code);

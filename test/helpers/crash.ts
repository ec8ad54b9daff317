// Killing ingests with SIGKILL at random moments, for the crash tests: each store is killed three
// times (the next run picks up what the last left), then run to the end.
import seedrandom from 'seedrandom';
import { startCli } from './cli.js';
import { openReader } from './store.js';

/** Kill points are random; a failure names the seed, and CRASH_SEED=N replays it. */
export const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

function committed(dir: string): number {
  try {
    const { db } = openReader(dir);
    const n = (db.prepare('SELECT count(*) AS n FROM msg WHERE num > 0').get() as { n: number }).n;
    db.close();
    return n;
  } catch {
    return 0;
  }
}

async function killedAfter(dir: string, args: string[], ms: number): Promise<number> {
  const child = startCli(args);
  // listen from the start: a resumed run with little left may finish before the kill comes
  const exited = new Promise((r) => child.once('exit', r));
  await Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
  child.kill('SIGKILL');
  await exited;
  return committed(dir);
}

/**
 * Run `args` (an ingest into `dir`) three times, each killed at a random point of the `fullMs` an
 * uninterrupted run takes; says when each kill came and what was committed by then.
 */
export async function killThrice(dir: string, args: string[], fullMs: number, store: number): Promise<string> {
  const random = seedrandom(`${SEED}:${store}`);
  const kills: string[] = [];
  for (let k = 0; k < 3; k++) {
    const ms = Math.round(50 + random() * fullMs);
    kills.push(`${ms} ms: ${await killedAfter(dir, args, ms)} committed`);
  }
  return `CRASH_SEED=${SEED}, kills after ${kills.join(', ')}`;
}

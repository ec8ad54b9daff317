// Running the real command line, as users and mail servers do.
import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './paths.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], input?: Buffer | string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * runCli without blocking this process meanwhile: for a command that talks to a server this process
 * runs, or that runs while clients of such a server hold connections open (a blocked event loop
 * would close them under the clients' feet when it wakes).
 */
export async function runCliBeside(args: string[]): Promise<CliResult> {
  const child = startCli(args);
  let [stdout, stderr] = ['', ''];
  child.stdout?.on('data', (c: Buffer) => (stdout += c));
  child.stderr?.on('data', (c: Buffer) => (stderr += c));
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { status, stdout, stderr };
}

/**
 * The command line run inside this test process: lorekeeper's main() itself, with what it prints
 * captured. For tests of what a command does to stores and repositories, not of the process: it
 * saves the quarter second of CPU a node process takes to start and load lorekeeper, and the fork
 * of a test worker of a few hundred megabytes (5-15 ms of the kernel's time), dozens of times a file.
 * Not for a command that serves, watches or talks to a server this process runs (its synchronous
 * stretches would stall that server).
 */
export async function runCliHere(args: string[]): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    }) as typeof process.stdout.write;
  const [stdout, stderr] = [process.stdout.write, process.stderr.write];
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let status: number;
  try {
    status = await main(args);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** `lorekeeper token create` of a Patchwork API token for `user` on `inbox`: the token it prints. */
export async function createToken(data: string, user: string, inbox: string, role: 'maintainer' | 'ci') {
  const r = await runCliHere(['token', 'create', '--data', data, '--user', user, '--inbox', inbox, '--role', role]);
  if (r.status !== 0) throw new Error(`lorekeeper token create exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The one JSON line `ingest --json` prints. */
export function jsonSummary(r: CliResult): {
  read: number;
  added: number;
  duplicates: number;
  quarantined: number;
  seconds: number;
} {
  if (r.status !== 0) throw new Error(`lorekeeper exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

// `lorekeeper serve`: serves every inbox of a data directory over HTTP, from one process per core
// (node:cluster shares the port), each with its own read-only connection and response cache.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { startServer } from '../serve/server.js';
import { canonicalOrigin } from '../serve/app.js';
import { DEFAULT_GIT_BACKEND } from '../serve/git-backend.js';
import { openStoreToServe } from '../store/open-database.js';
import { isSharedAnswer } from '../serve/shared-answers.js';
import { parse, required, integer, UsageError } from './args.js';

/** Response cache of the whole server, shared out between its workers. */
const CACHE_BYTES = 256 * 1024 * 1024;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    data: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    workers: { type: 'string' },
    'base-url': { type: 'string' },
    'git-nice': { type: 'string' },
  });
  const dataDir = required(values.data, '--data');
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const port = integer(values.port ?? process.env.PORT, '--port', 8080, 0, 65535);
  const workers = integer(
    values.workers ?? process.env.WORKERS,
    '--workers',
    Math.min(availableParallelism(), 8),
    1,
    64,
  );

  const gitNice = integer(values['git-nice'] ?? process.env.LOREKEEPER_GIT_NICE, '--git-nice', 10, 0, 19);
  const baseUrl = values['base-url'] ?? process.env.LOREKEEPER_BASE_URL;
  // a benchmark's view of each worker's memory, in the log (never served: it is nobody else's business)
  const memoryLogSeconds = integer(process.env.LOREKEEPER_DEBUG_MEMORY, 'LOREKEEPER_DEBUG_MEMORY', 0, 0, 3600);
  if (baseUrl !== undefined) {
    try {
      canonicalOrigin(baseUrl);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const serve = () =>
    startServer({
      dataDir,
      host,
      port,
      baseUrl,
      logger: true,
      cacheBytes: Math.floor(CACHE_BYTES / workers),
      git: { ...DEFAULT_GIT_BACKEND, nice: gitNice },
      debugCache: process.env.LOREKEEPER_DEBUG_CACHE === '1',
      memoryLogSeconds,
      shareWithWorkers: workers > 1,
    });
  if (workers === 1) {
    const { url } = await serve();
    process.stderr.write(`lorekeeper: serving ${url}/\n`);
    // the server keeps the process alive until a signal stops it
    return new Promise<number>(() => {});
  }
  if (cluster.isWorker) {
    // a worker that cannot serve ends, which tells the primary (its IPC channel would keep it alive)
    serve().then(
      ({ url }) => process.send?.({ url }),
      (err: Error) => {
        process.stderr.write(`lorekeeper: ${err.message}\n`);
        process.exit(1);
      },
    );
    return new Promise<number>(() => {});
  }

  // a missing store is an error before any worker starts; an older one is upgraded once, here
  openStoreToServe(dataDir, { log: (line) => process.stderr.write(`lorekeeper: ${line}\n`) }).close();
  let stopping = false;
  let announced = false;
  // answers travel between workers as they are (Buffers), not as JSON arrays of bytes
  cluster.setupPrimary({ serialization: 'advanced' });
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: { url?: string }) => {
      // a page one worker rendered goes to the others, which keep it if they stand where it was read
      if (isSharedAnswer(m)) {
        for (const w of Object.values(cluster.workers ?? {})) if (w && w !== worker && w.isConnected()) w.send(m);
        return;
      }
      if (m.url && !announced) {
        announced = true;
        process.stderr.write(`lorekeeper: serving ${m.url}/ with ${workers} workers\n`);
      }
    });
  };
  const stopAll = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
  };
  const listening = new Set<number>();
  cluster.on('listening', (worker) => listening.add(worker.id));
  return new Promise<number>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      if (!listening.has(worker.id)) {
        // it never served: another would fail the same way (port taken, store unreadable)
        stopAll();
        resolve(1);
        return;
      }
      process.stderr.write(
        `lorekeeper: worker ${worker.process.pid} ended (${signal ?? `exit ${code}`}); starting another\n`,
      );
      fork();
    });
    for (let i = 0; i < workers; i++) fork();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        stopAll();
        cluster.disconnect(() => resolve(0));
      });
    }
  });
}

// Starts the app on a port, and stops it cleanly on SIGINT/SIGTERM.
import { buildApp, type AppOptions } from './app.js';
import { startMemoryLog } from './memory-log.js';
import { isSharedAnswer } from './shared-answers.js';

export interface ServerOptions extends AppOptions {
  host: string;
  port: number;
  /** Log the process's memory and its caches' sizes every so many seconds (LOREKEEPER_DEBUG_MEMORY). */
  memoryLogSeconds?: number;
  /** A worker of several: pages it renders again after new mail, or slowly, go to the others (through the primary). */
  shareWithWorkers?: boolean;
}

export async function startServer(opts: ServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const send = opts.shareWithWorkers ? process.send?.bind(process) : undefined;
  const { fastify, cache, reader, takeShared } = await buildApp({ ...opts, share: send && ((a) => void send(a)) });
  if (send) {
    process.on('message', (m) => {
      if (isSharedAnswer(m)) takeShared(m);
    });
  }
  const url = await fastify.listen({ host: opts.host, port: opts.port });
  if (opts.memoryLogSeconds) {
    startMemoryLog(opts.memoryLogSeconds, () => {
      const { entries, bytes } = cache.stats();
      return { cacheEntries: entries, cacheBytes: bytes, threadCacheBytes: reader.threadCacheBytes() };
    });
  }
  const close = async () => {
    await fastify.close();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void close().then(() => process.exit(0));
    });
  }
  return { url, close };
}

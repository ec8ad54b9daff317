// Starts the app on a port, and stops it cleanly on SIGINT/SIGTERM.
import { buildApp, type AppOptions } from './app.js';
import { startMemoryLog } from './memory-log.js';

export interface ServerOptions extends AppOptions {
  host: string;
  port: number;
  /** Log the process's memory and its caches' sizes every so many seconds (LOREKEEPER_DEBUG_MEMORY). */
  memoryLogSeconds?: number;
}

export async function startServer(opts: ServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const { fastify, cache, reader } = await buildApp(opts);
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

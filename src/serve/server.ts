// Starts the app on a port, and stops it cleanly on SIGINT/SIGTERM.
import { buildApp, type AppOptions } from './app.js';

export interface ServerOptions extends AppOptions {
  host: string;
  port: number;
}

export async function startServer(opts: ServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const { fastify } = await buildApp(opts);
  const url = await fastify.listen({ host: opts.host, port: opts.port });
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

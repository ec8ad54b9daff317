// lorekeeper's real web app over a data directory, listening on an ephemeral loopback port.
import { buildApp, type AppOptions } from '../../src/serve/app.js';

export interface TestServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  close: () => Promise<void>;
}

export async function startServer(dataDir: string, opts: Omit<AppOptions, 'dataDir'> = {}): Promise<TestServer> {
  const { fastify } = await buildApp({ dataDir, ...opts });
  const address = await fastify.listen({ host: '127.0.0.1', port: 0 });
  const url = new URL(address).origin;
  let closed = false;
  return {
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      await fastify.close();
    },
  };
}

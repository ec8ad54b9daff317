// `lorekeeper serve`: serves every inbox of a data directory over HTTP.
import { startServer } from '../serve/server.js';
import { parse, required, integer } from './args.js';

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    data: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
  });
  const { url } = await startServer({
    dataDir: required(values.data, '--data'),
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    port: integer(values.port ?? process.env.PORT, '--port', 8080, 0, 65535),
    logger: true,
  });
  process.stderr.write(`lorekeeper: serving ${url}/\n`);
  // the server keeps the process alive until a signal stops it
  return new Promise<number>(() => {});
}

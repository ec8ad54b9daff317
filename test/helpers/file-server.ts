// A plain HTTP server of the files under a directory, in the test's own process: git's dumb
// protocol, as a server without public-inbox (or without a manifest) offers epochs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export async function serveFiles(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  for (const repo of execFileSync('find', [root, '-maxdepth', '4', '-name', 'HEAD'])
    .toString()
    .trim()
    .split('\n')
    .filter(Boolean))
    execFileSync('git', ['--git-dir', join(repo, '..'), 'update-server-info']);
  const server: Server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(root, decodeURIComponent((req.url ?? '/').split('?')[0]))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

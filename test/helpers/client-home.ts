// A private HOME for the real clients a test drives (b4, lei, git-pw, git am): its own XDG
// directories and git identity (b4 stays silent without one), and the git settings a test gives.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './paths.js';

export function clientHome(config: Record<string, string> = {}): Record<string, string> {
  const home = tempDir('lk-client-');
  const env = {
    ...process.env,
    HOME: home,
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
  } as Record<string, string>;
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  const settings = { 'user.name': 'Lore Tester', 'user.email': 'tester@example.org', ...config };
  for (const [k, v] of Object.entries(settings)) execFileSync('git', ['config', '--global', k, v], { env });
  return env;
}

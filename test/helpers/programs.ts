// Whether a program a test drives (b4, lei, public-inbox's tools) is installed: tests that need a
// missing one are skipped, with the reason shown.
import { execFileSync } from 'node:child_process';

export function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

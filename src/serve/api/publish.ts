// What the API writes (states, checks) reaches replicas through the writer's admin.git: published a
// moment after the last write, so that a CI system posting a burst of checks makes one commit, and
// one publication at a time. A data directory whose admin.git came from a writer is a replica: its
// API takes no writes (tokens stay on the writer; replicas show what the writer published).
import { existsSync } from 'node:fs';
import { adminRepoDir, publishState } from '../../mirror/admin-repo.js';
import { isCopy } from '../../mirror/epoch-writer.js';
import type { Db } from '../../store/open-database.js';

/** Milliseconds after the last write before the state is published. */
const DELAY = 1000;

export class StatePublisher {
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private what = new Set<string>();

  constructor(
    private readonly dataDir: string,
    private readonly db: () => Db,
    private readonly delayMs = DELAY,
  ) {}

  /** True when this data directory follows a writer (its admin.git was fetched from one). */
  async isReplica(): Promise<boolean> {
    const dir = adminRepoDir(this.dataDir);
    return existsSync(dir) && (await isCopy(dir));
  }

  /** Publish soon, saying `what` changed. */
  changed(what: string): void {
    this.what.add(what);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }

  /** Publish what changed now (and wait for it); failures are reported, not thrown. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.what.size) return this.running.then(() => undefined);
    const what = [...this.what].join(', ');
    this.what = new Set();
    this.running = this.running
      .then(() => publishState(this.dataDir, this.db(), what))
      .catch((err: Error) => process.stderr.write(`lorekeeper: publishing the API's state: ${err.message}\n`));
    await this.running;
  }
}

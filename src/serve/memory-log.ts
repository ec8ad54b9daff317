// LOREKEEPER_DEBUG_MEMORY: a server process's own view of its memory, written to its log every few
// seconds, so a benchmark can tell V8's heap from native memory without an endpoint anyone could ask.

/** Figures a process adds to V8's (its caches' sizes), read at each line. */
export type MemoryFigures = () => Record<string, number>;

/** The line written: `lorekeeper: memory {...}`, one JSON object of bytes and counts. */
export const MEMORY_LINE = 'lorekeeper: memory ';

/** Write `process.memoryUsage()` and `figures()` to standard error now and every `seconds` (keeps nothing alive). */
export function startMemoryLog(seconds: number, figures: MemoryFigures): void {
  const write = () => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const line = { pid: process.pid, rss, heapTotal, heapUsed, external, arrayBuffers, ...figures() };
    process.stderr.write(`${MEMORY_LINE}${JSON.stringify(line)}\n`);
  };
  write();
  setInterval(write, seconds * 1000).unref();
}

// The real app over a real store built by the real ingest; requests go through app.inject.
import { buildApp, type App } from '../../src/serve/app.js';
import { midEscape } from '../../src/mail/message-id.js';

export async function appOver(dataDir: string): Promise<App> {
  return buildApp({ dataDir });
}

/**
 * app.fastify.inject, then the end of the event loop's turn, as a server's turn ends between
 * requests. inject hands each write's callback to setImmediate, and a loop of awaited injects never
 * reaches the loop's check phase, so every answer's bytes stay held until the loop ends: 3,000 pages
 * held 350 MB, which the test worker keeps, and then every program it starts (git, lorekeeper) costs
 * 10-15 ms of the kernel's time to fork instead of 2-3. Loops over many pages use this.
 */
export async function injectTurn(
  app: App,
  opts: { url: string; method?: 'GET' | 'HEAD'; headers?: Record<string, string> },
) {
  const r = await app.fastify.inject(opts);
  await new Promise((resolve) => setImmediate(resolve));
  return r;
}

/** `/inbox/escaped-mid/suffix` */
export function midUrl(inbox: string, mid: string, suffix = ''): string {
  return `/${inbox}/${midEscape(mid)}/${suffix}`;
}

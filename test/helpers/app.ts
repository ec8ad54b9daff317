// The real app over a real store built by the real ingest; requests go through app.inject.
import { buildApp, type App } from '../../src/serve/app.js';
import { midEscape } from '../../src/mail/message-id.js';

export async function appOver(dataDir: string): Promise<App> {
  return buildApp({ dataDir });
}

/** `/inbox/escaped-mid/suffix` */
export function midUrl(inbox: string, mid: string, suffix = ''): string {
  return `/${inbox}/${midEscape(mid)}/${suffix}`;
}

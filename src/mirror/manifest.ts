// What a public-inbox server publishes of an inbox, found as public-inbox-clone finds it: the epochs
// listed in URL/manifest.js.gz (grokmirror's format), else epochs probed at URL/git/N.git, URL/N,
// or URL itself for a v1 inbox; and the inbox's address and description.
import { gunzipSync } from 'node:zlib';
import { runGit } from './git.js';
import type { InboxVersion } from './history.js';

export class MirrorError extends Error {}

export interface RemoteEpoch {
  n: number;
  url: string;
  /** grokmirror's fingerprint (SHA-1 of `git show-ref`), when a manifest gave one. */
  fingerprint?: string;
}

export interface RemoteInbox {
  /** The inbox URL, without a trailing slash. */
  url: string;
  version: InboxVersion;
  /** Oldest first; one (n = 0, the inbox URL itself) for a v1 inbox. */
  epochs: RemoteEpoch[];
  /** How the epochs were found, for the person running the command. */
  via: 'manifest' | 'probe';
}

function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

/** GET a URL: its body, null for a 404; anything else that fails is a MirrorError. */
export async function httpGet(url: string): Promise<Buffer | null> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new MirrorError(`cannot reach ${url}: ${reason(err)}`);
  }
  if (res.status === 404) return null;
  if (!res.ok) throw new MirrorError(`${url} answered ${res.status} ${res.statusText}`);
  return Buffer.from(await res.arrayBuffer());
}

export type Manifest = Record<string, { fingerprint?: unknown } | undefined>;

/**
 * The epochs a manifest lists for the inbox at `path` (public-inbox's deduce_epochs): keys are
 * paths on the server, which may lack a prefix the inbox URL has, so leading parts are dropped
 * until something matches.
 */
function epochsIn(m: Manifest, origin: string, path: string): Omit<RemoteInbox, 'url' | 'via'> | undefined {
  let prefix = '';
  for (;;) {
    const v2 = Object.keys(m)
      .map((k) => ({ k, match: k.startsWith(`${path}/git/`) && /^([0-9]+)\.git$/.exec(k.slice(path.length + 5)) }))
      .filter((x) => x.match);
    const fp = (k: string) => (typeof m[k]?.fingerprint === 'string' ? (m[k]?.fingerprint as string) : undefined);
    if (v2.length) {
      const epochs = v2
        .map(({ k, match }) => ({
          n: Number((match as RegExpExecArray)[1]),
          url: origin + prefix + k,
          fingerprint: fp(k),
        }))
        .sort((a, b) => a.n - b.n);
      return { version: 2, epochs };
    }
    if (m[path]) return { version: 1, epochs: [{ n: 0, url: origin + prefix + path, fingerprint: fp(path) }] };
    const strip = /^(\/[^/]+)(\/.*)$/.exec(path);
    if (!strip) return undefined;
    prefix += strip[1];
    path = strip[2];
  }
}

const isRepo = async (url: string) => (await runGit(null, ['ls-remote', '--heads', url])).code === 0;

/** Epochs found by asking git at the places public-inbox serves them, oldest first. */
async function probe(url: string): Promise<Omit<RemoteInbox, 'url' | 'via'> | undefined> {
  for (const form of [(n: number) => `${url}/git/${n}.git`, (n: number) => `${url}/${n}`]) {
    const epochs: RemoteEpoch[] = [];
    while (await isRepo(form(epochs.length))) epochs.push({ n: epochs.length, url: form(epochs.length) });
    if (epochs.length) return { version: 2, epochs };
  }
  return (await isRepo(url)) ? { version: 1, epochs: [{ n: 0, url }] } : undefined;
}

/** An http(s) URL, or a MirrorError saying what is wrong with it. */
export function httpUrl(given: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(given);
  } catch {
    throw new MirrorError(`${given} is not a URL (give the inbox's, e.g. https://lore.kernel.org/iommu/)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new MirrorError(`${given}: only http:// and https:// inboxes can be mirrored`);
  return parsed;
}

/** The manifest at `url` (URL/manifest.js.gz); undefined when there is none (404). */
export async function readManifest(url: string): Promise<Manifest | undefined> {
  const body = await httpGet(`${url}/manifest.js.gz`);
  if (!body) return undefined;
  try {
    return JSON.parse(gunzipSync(body).toString('utf8'));
  } catch {
    throw new MirrorError(`${url}/manifest.js.gz is not a gzipped JSON manifest`);
  }
}

/** The epochs a manifest (a whole site's, or the inbox's own) lists for the inbox at `url`. */
export function inboxInManifest(manifest: Manifest, url: string): RemoteInbox | undefined {
  const parsed = new URL(url);
  const found = epochsIn(manifest, parsed.origin, parsed.pathname.replace(/\/+$/, ''));
  return found && { url: url.replace(/\/+$/, ''), ...found, via: 'manifest' };
}

/** Where the inbox at `url` keeps its git epochs. */
export async function findRemoteInbox(given: string): Promise<RemoteInbox> {
  httpUrl(given);
  const url = given.replace(/\/+$/, '');
  const manifest = await readManifest(url);
  if (manifest) {
    const found = inboxInManifest(manifest, url);
    if (!found)
      throw new MirrorError(
        `${url}/manifest.js.gz lists no epochs of this inbox (it has ${Object.keys(manifest).slice(0, 5).join(', ') || 'nothing'})`,
      );
    return found;
  }
  const found = await probe(url);
  if (!found)
    throw new MirrorError(
      `${url} has no manifest.js.gz (404) and no git repository at git/0.git, 0 or the URL itself: is it a public-inbox inbox?`,
    );
  return { url, ...found, via: 'probe' };
}

/** Address and description the server gives for the inbox; what it does not give stays undefined. */
export async function inboxFacts(url: string): Promise<{ address?: string; description?: string }> {
  const text = async (u: string) => {
    try {
      return (await httpGet(u))?.toString('utf8');
    } catch {
      return undefined;
    }
  };
  const description = (await text(`${url}/description`))?.split('\n')[0].trim() || undefined;
  // a git config snippet: [publicinbox "NAME"] address = list@example.org (the first one is the list's)
  const config = await text(`${url}/_/text/config/raw`);
  const address = config && /^\s*address\s*=\s*(\S+)\s*$/im.exec(config)?.[1];
  return { address: address || undefined, description };
}

/**
 * The epochs wanted by an --epochs RANGE as public-inbox-clone reads it: LOW..HIGH, LOW.., ..HIGH
 * or N, each bound a number or ~N (the Nth from the newest, ~0 the newest).
 */
export function epochsInRange(range: string, available: number[]): Set<number> {
  const sorted = [...available].sort((a, b) => a - b);
  const parts = range.split('..');
  const bad = () => new MirrorError(`--epochs ${range}: use LOW..HIGH, LOW.., ..HIGH or N (each a number or ~N)`);
  if (parts.length > 2 || parts.every((p) => p === '') || parts.some((p) => p !== '' && !/^~?[0-9]+$/.test(p)))
    throw bad();
  const bound = (p: string): number => {
    if (p.startsWith('~')) {
      const at = sorted[sorted.length - 1 - Number(p.slice(1))];
      if (at === undefined) throw new MirrorError(`--epochs ${range}: ${p} is out of range (${sorted.length} epochs)`);
      return at;
    }
    return Number(p);
  };
  const lo = parts[0] === '' ? sorted[0] : bound(parts[0]);
  const hi = parts.length === 1 ? lo : parts[1] === '' ? sorted[sorted.length - 1] : bound(parts[1]);
  if (lo > hi) throw new MirrorError(`--epochs ${range}: ${lo} is above ${hi}`);
  const wanted = new Set(sorted.filter((n) => n >= lo && n <= hi));
  if (!wanted.size) throw new MirrorError(`--epochs ${range}: the inbox has epochs ${sorted.join(', ')}`);
  return wanted;
}

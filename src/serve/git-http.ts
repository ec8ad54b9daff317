// The URLs of git's smart HTTP and grokmirror's manifests, which have fixed shapes and no Message-ID:
// each inbox's epochs at /NAME/N, /NAME/N.git and /NAME/git/N.git (a mirrored v1 inbox at /NAME),
// the writer's administrative repository at /_/admin.git, and /manifest.js.gz (the whole site's,
// the administrative repository included) and /NAME/manifest.js.gz. They are routed by Fastify
// (app.ts registers these routes); each answers only what the data directory publishes, read-only,
// through `git http-backend` (git-backend.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  ManifestEntries,
  publishedRepo,
  publishedRepos,
  refsChanged,
  type ManifestEntry,
} from '../mirror/published.js';
import { ADMIN_REPO, adminRepoDir } from '../mirror/admin-repo.js';
import { isBareRepo } from '../mirror/layout.js';
import { GitBackend, plainAnswer, type GitBackendOptions } from './git-backend.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** A route for Fastify: its method and URL pattern, answered on Node's own request and response. */
export interface RawRoute {
  method: 'GET' | 'POST';
  url: string;
  handler: (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;
}

/** What a repository answers: git's smart HTTP (dumb HTTP is not offered). */
const INFO_REFS = 'info/refs';
const UPLOAD_PACK = 'git-upload-pack';
const RECEIVE_PACK = 'git-receive-pack';
const ACTIONS = `(?:${INFO_REFS}|${UPLOAD_PACK}|${RECEIVE_PACK})`;

/**
 * URLs of these families, by shape: app.ts lets them through to Fastify's router, every other URL
 * goes to the route table (routes.ts).
 */
export const GIT_HTTP_URL = new RegExp(
  `^/(?:manifest\\.js\\.gz|_/${ADMIN_REPO.replace('.', '\\.')}/${ACTIONS}|[\\w-][\\w.-]*/(?:manifest\\.js\\.gz|(?:git/)?[0-9]+(?:\\.git)?/${ACTIONS}|${ACTIONS}))(?:\\?|$)`,
);

const EPOCH = /^(0|[1-9][0-9]*)(\.git)?$/;
const INBOX = /^[\w-][\w.-]*$/;

export interface GitHttpOptions {
  dataDir: string;
  /** The inboxes served and their descriptions, as pages show them. */
  inboxes: () => { name: string; description: string }[];
  backend?: GitBackendOptions;
}

const notFound = (res: ServerResponse) => plainAnswer(res, 404, 'Not Found\n');

export function gitHttpRoutes(opts: GitHttpOptions): RawRoute[] {
  const backend = new GitBackend(opts.backend);
  const entries = new ManifestEntries();

  /** git's answer for a repository the data directory publishes; anything else is not found. */
  const serveRepo = (req: IncomingMessage, res: ServerResponse, gitDir: string | undefined, action: string) => {
    const service = new URL(req.url ?? '/', 'http://x').searchParams.get('service');
    if (action === RECEIVE_PACK || service === RECEIVE_PACK)
      return plainAnswer(res, 403, 'This archive is read-only: git push is not accepted\n');
    if (!gitDir) return notFound(res);
    const slash = gitDir.lastIndexOf('/');
    return backend.serve(req, res, { root: gitDir.slice(0, slash), pathInfo: `${gitDir.slice(slash)}/${action}` });
  };

  const epochRepo = (params: Record<string, string>): string | undefined => {
    const m = EPOCH.exec(params.epoch ?? '');
    if (!m || !INBOX.test(params.inbox ?? '')) return undefined;
    return publishedRepo(opts.dataDir, params.inbox, Number(m[1]))?.gitDir;
  };
  const v1Repo = (params: Record<string, string>): string | undefined =>
    INBOX.test(params.inbox ?? '') ? publishedRepo(opts.dataDir, params.inbox)?.gitDir : undefined;
  const adminRepo = (): string | undefined => {
    const dir = adminRepoDir(opts.dataDir);
    return isBareRepo(dir) ? dir : undefined;
  };

  /** Routes for one repository form: info/refs, upload-pack and the refused receive-pack. */
  const repoRoutes = (prefix: string, find: (params: Record<string, string>) => string | undefined): RawRoute[] => [
    { method: 'GET', url: `${prefix}/${INFO_REFS}`, handler: (req, res, p) => serveRepo(req, res, find(p), INFO_REFS) },
    {
      method: 'POST',
      url: `${prefix}/${UPLOAD_PACK}`,
      handler: (req, res, p) => serveRepo(req, res, find(p), UPLOAD_PACK),
    },
    {
      method: 'POST',
      url: `${prefix}/${RECEIVE_PACK}`,
      handler: (req, res) => serveRepo(req, res, undefined, RECEIVE_PACK),
    },
  ];

  /** grokmirror's manifest of these inboxes' repositories, gzipped, with Last-Modified and 304. */
  const manifest = async (req: IncomingMessage, res: ServerResponse, only?: string): Promise<void> => {
    const all: Record<string, ManifestEntry> = {};
    let changed = 0;
    for (const ib of opts.inboxes()) {
      if (only !== undefined && ib.name !== only) continue;
      for (const repo of publishedRepos(opts.dataDir, ib.name)) {
        const entry = await entries.entry(repo, ib.description);
        if (!entry) continue;
        all[repo.key] = entry;
        changed = Math.max(changed, refsChanged(repo.gitDir));
      }
    }
    // the whole site's also lists the writer's state repository: replicas (mirror --watch) learn
    // from this one cheap answer whether anything changed, mail or state, without running git
    const admin = only === undefined ? adminRepo() : undefined;
    const adminEntry = admin && (await entries.entry({ key: `/_/${ADMIN_REPO}`, gitDir: admin }, 'lorekeeper state'));
    if (admin && adminEntry) {
      all[`/_/${ADMIN_REPO}`] = adminEntry;
      changed = Math.max(changed, refsChanged(admin));
    }
    // an inbox with nothing to clone has no manifest, as a server without one says (404)
    if (only !== undefined && !Object.keys(all).length) return notFound(res);
    const lastModified = new Date(changed * 1000).toUTCString();
    const since = Date.parse(String(req.headers['if-modified-since'] ?? ''));
    if (!Number.isNaN(since) && changed * 1000 <= since) {
      res.writeHead(304, { 'Last-Modified': lastModified, ...SECURITY_HEADERS });
      res.end();
      return;
    }
    const body = gzipSync(JSON.stringify(all));
    res.writeHead(200, {
      'Content-Type': 'application/gzip',
      'Content-Length': String(body.length),
      'Last-Modified': lastModified,
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return [
    { method: 'GET', url: '/manifest.js.gz', handler: (req, res) => manifest(req, res) },
    {
      method: 'GET',
      url: '/:inbox/manifest.js.gz',
      handler: (req, res, p) =>
        opts.inboxes().some((ib) => ib.name === p.inbox) ? manifest(req, res, p.inbox) : notFound(res),
    },
    ...repoRoutes('/:inbox/:epoch', epochRepo),
    ...repoRoutes('/:inbox/git/:epoch', epochRepo),
    ...repoRoutes('/:inbox', v1Repo),
    ...repoRoutes(`/_/${ADMIN_REPO}`, adminRepo),
  ];
}

// A real browser on our pages: Debian's chromium driven by playwright-core, with every request the
// page makes and every sign of script execution recorded, so tests can say "nothing ran, nothing
// left the server" about what a reader's browser would really do.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type JSHandle,
  type Page,
  type Response,
} from 'playwright-core';

/** Debian's chromium, the full browser (package chromium). */
const FULL_CHROMIUM = '/usr/bin/chromium';
/**
 * Debian's chromium headless shell (package chromium-headless-shell): the same Blink and V8 without
 * the browser's window, tabs and toolbar, what `chromium --headless` was until chromium 132 moved it
 * to its own binary, and what playwright itself runs headless tests with. It renders the same pages
 * for about half the CPU: 52 ms per navigation of a fixture page against 92 ms (the browser process
 * 19 ms against 41, the renderer 25 against 39). LK_CHROMIUM names another (`.ci/run` runs the long
 * browser suites with the full browser); without the shell, the full browser.
 */
const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';
export const CHROMIUM = process.env.LK_CHROMIUM || (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : FULL_CHROMIUM);
/** What installs the browsers, for the messages of a run without one. */
const INSTALL = 'apt-get install chromium chromium-headless-shell';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // One renderer process for every page, not a new one per tab and navigation: the suites' chromium
  // CPU 61-66 s -> 50-54 s (the two features) -> 45-46 s (the limit). Each page is still a document
  // and a script realm of its own, so nothing a page shows or runs changes. Chromium heeds only the
  // last --disable-features, and playwright passes its own first, so this one repeats playwright's
  // list (checkDisabledFeatures fails the run when playwright's list grows).
  '--renderer-process-limit=1',
  `--disable-features=${[
    ...['AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades'],
    ...['HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding'],
    ...['ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin'],
    ...['OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch'],
    ...['msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion'],
    ...['RenderDocument', 'ProactivelySwapBrowsingInstance'],
  ].join(',')}`,
];

/**
 * Throws unless the last --disable-features on a chromium's command line (ours) holds every feature an
 * earlier one (playwright's) disables: otherwise ours would switch some of those back on.
 */
function checkDisabledFeatures(pid: number): void {
  const lists = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a.startsWith('--disable-features='))
    .map((a) => a.slice('--disable-features='.length).split(','));
  const last = new Set(lists.at(-1));
  const lost = lists.slice(0, -1).flatMap((l) => l.filter((f) => !last.has(f)));
  if (lost.length) throw new Error(`CHROMIUM_ARGS' --disable-features drops ${lost.join(', ')}: add them to it`);
}

/** The name of the tripwire function exposed to pages: no page of ours may ever call it. */
export const TRIPWIRE = '__lkPwned';

/** Whether chromium is there; the browser tests skip without it, saying so. */
export function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.warn(`skipped: no chromium at ${CHROMIUM} (${INSTALL})`);
  return false;
}

/** The fields of a process's /proc stat after its command name (ppid is the 2nd), if it still runs. */
function statOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
}

/** `pid` and every process under it, parents before their children. */
function processTree(pid: number): { tree: number[]; parents: Map<number, number> } {
  const parents = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    const ppid = /^\d+$/.test(d) ? statOf(Number(d))?.[1] : undefined;
    if (ppid !== undefined) parents.set(Number(d), Number(ppid));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parents) if (pp === tree[i]) tree.push(p);
  return { tree, parents };
}

/**
 * The CPU seconds a process and everything under it used (user and system, the children it reaped
 * included): what a test file's chromium cost, which its timing leaves out.
 */
function processTreeCpuSeconds(pid: number): number {
  let ticks = 0;
  // utime, stime, cutime, cstime: the 12th..15th fields after the command name
  for (const f of processTree(pid).tree.map(statOf))
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return ticks / 100;
}

/**
 * The browser processes under this one: those whose command line carries playwright's
 * --remote-debugging-pipe and no --type= (chromium's renderers, zygotes and utilities have one). By
 * the command line, not the program's path: /usr/bin/chromium is a shell script that execs the real
 * program under the same pid, and a wrapper that does not exec leaves it a grandchild.
 */
function browserProcesses(): number[] {
  const { tree, parents } = processTree(process.pid);
  const found = tree.slice(1).filter((pid) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
      return args.includes('--remote-debugging-pipe') && !args.some((a) => a.startsWith('--type='));
    } catch {
      return false; // gone meanwhile
    }
  });
  // a wrapper that starts chromium passes it the same arguments: the browser is the innermost
  const innermost = new Set(found);
  for (const pid of found)
    for (let p = parents.get(pid); p && p !== process.pid; p = parents.get(p)) innermost.delete(p);
  return [...innermost];
}

/** The chromium process of each browser launchBrowser launched, for closeBrowser's report. */
const processes = new WeakMap<Browser, number>();

/**
 * A chromium of this test file's own. Each browser test file launches its own rather than connecting
 * to one the run shares: playwright then drives it from this process, without relaying every call
 * through a browser server's WebSocket (the three browser files, four alternate pairs: 55-65 s of CPU
 * against 62-72 s with a shared server, chromium included).
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`browser tests need Debian's chromium at ${CHROMIUM} (${INSTALL})`);
  const before = new Set(browserProcesses());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 60_000,
  });
  const started = browserProcesses().filter((pid) => !before.has(pid));
  try {
    if (started.length !== 1) throw new Error(`launched ${started.length} chromium processes, not one`);
    checkDisabledFeatures(started[0]);
  } catch (e) {
    await browser.close();
    throw e;
  }
  processes.set(browser, started[0]);
  return browser;
}

/** Ends a chromium launchBrowser launched, saying what it cost (vitest's durations leave it out). */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  if (!browser) return;
  const pid = processes.get(browser);
  if (pid !== undefined) console.log(`chromium used ${processTreeCpuSeconds(pid).toFixed(1)} s of CPU`);
  await browser.close();
}

/** What the page did since the last navigation (or reset). */
export interface Activity {
  /** Every request the page made, as `METHOD url`. */
  requests: string[];
  /** The ones to any origin other than the server's (sent to a proxy that is not there). */
  foreignRequests: string[];
  /** Every response, as `STATUS url`. */
  responses: string[];
  /** alert/confirm/prompt/beforeunload dialogs: a script ran. */
  dialogs: string[];
  /** Calls of the tripwire binding: a script ran. */
  tripwireCalls: string[];
  /** Console messages of any kind (scripts, CSP violations, failed loads). */
  console: string[];
  /** Uncaught exceptions thrown by page scripts: a script ran. */
  pageErrors: string[];
  /** Scripts V8 compiled for the page itself (inline scripts, event handlers, javascript: URLs), from the debugger. */
  scripts: string[];
  /** Frames other than the main one (iframes, objects, embeds). */
  extraFrames: string[];
}

export interface Visit {
  /** The URL asked for. */
  url: string;
  /** Where the main frame ended up. */
  finalUrl: string;
  status: number;
  contentType: string;
  /** The Content-Security-Policy response header of the document, if any. */
  csp: string | undefined;
  response: Response;
}

export interface RecordedPageOptions {
  /**
   * Ignore the page's Content-Security-Policy, so that markup which would run a script (an injected
   * <script>, an onerror= attribute) really does: the HTML itself must be safe, not only the header.
   */
  bypassCSP?: boolean;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  isMobile?: boolean;
  hasTouch?: boolean;
}

/** Options for the browser context the pages live in. */
export type RecordingContextOptions = RecordedPageOptions;

/**
 * One browser context (JavaScript enabled, so an injected script would really execute) whose pages
 * record everything that could betray script execution or a remote fetch. Requests to any origin
 * but the server's are recorded by the page and sent to a proxy that is not there.
 */
export class RecordingContext {
  private readonly pages = new Map<Page, RecordedPage>();

  private constructor(
    readonly context: BrowserContext,
    /** `http://127.0.0.1:PORT`: the only origin a page may talk to. */
    readonly origin: string,
  ) {}

  static async open(
    browser: Browser,
    serverUrl: string,
    opts: RecordingContextOptions = {},
  ): Promise<RecordingContext> {
    const origin = new URL(serverUrl).origin;
    const ctxOpts: BrowserContextOptions = {
      javaScriptEnabled: true,
      bypassCSP: opts.bypassCSP ?? false,
      serviceWorkers: 'block',
      acceptDownloads: false,
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      colorScheme: opts.colorScheme ?? 'light',
      isMobile: opts.isMobile,
      hasTouch: opts.hasTouch,
      // Nothing may leave the machine: every origin but loopback goes through a proxy that is not
      // there (the discard port), so a foreign request is recorded by the page and then fails.
      // (A proxy rather than request routing: routing pauses every request, ours too, and costs.)
      proxy: { server: 'http://127.0.0.1:9', bypass: '127.0.0.1,localhost,[::1]' },
    };
    const context = await browser.newContext(ctxOpts);
    const rc = new RecordingContext(context, origin);
    await context.exposeBinding(TRIPWIRE, (source, ...args: unknown[]) => {
      const line = `${source.frame.url()}: ${JSON.stringify(args)}`;
      const rp = rc.pages.get(source.page);
      if (rp) rp.record('tripwireCalls', line);
      else throw new Error(`${TRIPWIRE} called from an unrecorded page: ${line}`);
    });
    return rc;
  }

  async newPage(): Promise<RecordedPage> {
    const page = await this.context.newPage();
    const rp = await RecordedPage.attach(page, this.origin);
    this.pages.set(page, rp);
    return rp;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/** A page of a RecordingContext (see there), recording what it does between navigations. */
export class RecordedPage {
  private act: Activity = RecordedPage.empty();
  /** Set when this page owns its context (RecordedPage.open). */
  private owner?: RecordingContext;

  private constructor(
    readonly page: Page,
    /** `http://127.0.0.1:PORT`: the only origin a page may talk to. */
    readonly origin: string,
  ) {}

  private static empty(): Activity {
    return {
      requests: [],
      foreignRequests: [],
      responses: [],
      dialogs: [],
      tripwireCalls: [],
      console: [],
      pageErrors: [],
      scripts: [],
      extraFrames: [],
    };
  }

  /** A context of its own with one recorded page in it. */
  static async open(browser: Browser, serverUrl: string, opts: RecordedPageOptions = {}): Promise<RecordedPage> {
    const rc = await RecordingContext.open(browser, serverUrl, opts);
    const rp = await rc.newPage();
    rp.owner = rc;
    return rp;
  }

  static async attach(page: Page, origin: string): Promise<RecordedPage> {
    const rp = new RecordedPage(page, origin);
    page.on('request', (req) => {
      const line = `${req.method()} ${req.url()}`;
      rp.act.requests.push(line);
      if (!rp.sameOrigin(req.url())) rp.act.foreignRequests.push(line);
    });
    page.on('response', (r) => rp.act.responses.push(`${r.status()} ${r.url()}`));
    page.on('requestfailed', (r) => rp.act.responses.push(`failed (${r.failure()?.errorText}) ${r.url()}`));
    page.on('dialog', (d) => {
      rp.act.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
    page.on('console', (m) => {
      const at = m.location().url;
      // the browser asks for /favicon.ico once per origin, on its own; the archive has none (a
      // same-origin 404, as with public-inbox) and the browser logs that to the first page's console
      if (/^Failed to load resource/.test(m.text()) && rp.sameOrigin(at) && new URL(at).pathname === '/favicon.ico')
        return;
      rp.act.console.push(`${m.type()}: ${m.text()} @ ${at}`);
    });
    page.on('pageerror', (e) => rp.act.pageErrors.push(String(e)));
    page.on('frameattached', (f) => rp.act.extraFrames.push(f.url() || '(about:blank)'));
    page.on('popup', (p) => rp.act.extraFrames.push(`popup ${p.url()}`));
    // Every script V8 compiles for the page is reported by the debugger: inline <script>s,
    // event handler attributes when they fire, javascript: URLs. Page scripts carry the
    // document's URL; playwright's own helpers (bindings, evaluate) have none.
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Debugger.scriptParsed', (e) => {
      if (!e.url || e.url.startsWith('__playwright')) return;
      rp.act.scripts.push(
        `${e.url} (lines ${e.startLine}-${e.endLine}, ${e.length} chars${e.isModule ? ', module' : ''})`,
      );
    });
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.setSkipAllPauses', { skip: true });
    return rp;
  }

  get context(): BrowserContext {
    return this.page.context();
  }

  /** Note something seen from outside the page (the context's binding). */
  record(kind: 'tripwireCalls' | 'extraFrames', line: string): void {
    this.act[kind].push(line);
  }

  sameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  /** Absolute URL of a path on the server. */
  urlOf(path: string): string {
    return path.startsWith('http') ? path : this.origin + (path.startsWith('/') ? '' : '/') + path;
  }

  /** Forget what was recorded so far. */
  reset(): void {
    this.act = RecordedPage.empty();
  }

  /** Navigate (recording afresh) and wait for the page and everything it loads. */
  async goto(path: string): Promise<Visit> {
    this.reset();
    const url = this.urlOf(path);
    const response = await this.page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    if (!response) throw new Error(`no response for ${url}`);
    return this.visitOf(url, response);
  }

  /** Click something that navigates; the visit is the navigation it caused. */
  async clickAndWait(selector: string): Promise<Visit> {
    this.reset();
    const [response] = await Promise.all([
      this.page.waitForNavigation({ waitUntil: 'load', timeout: 30_000 }),
      this.page.click(selector, { timeout: 10_000 }),
    ]);
    if (!response) throw new Error(`clicking ${selector} on ${this.page.url()} gave no response`);
    return this.visitOf(response.url(), response);
  }

  private async visitOf(url: string, response: Response): Promise<Visit> {
    const headers = await response.allHeaders();
    return {
      url,
      finalUrl: this.page.url(),
      status: response.status(),
      contentType: headers['content-type'] ?? '',
      csp: headers['content-security-policy'],
      response,
    };
  }

  /** What happened since the last navigation, including the page scripts V8 compiled. */
  async activity(): Promise<Activity> {
    // A round trip through the page's own event loop, so what it had already queued (error events,
    // a javascript: navigation after a click, the binding calls these make) is reported first.
    // The page may be navigating away meanwhile; then there is nothing of it left to wait for.
    await this.page.evaluate(() => new Promise<void>((resolve) => setTimeout(resolve, 0))).catch(() => undefined);
    return { ...this.act, requests: [...this.act.requests], responses: [...this.act.responses] };
  }

  /**
   * Throw, with everything recorded, if a script ran or a request went anywhere but our server.
   * `label` names the page in the message.
   */
  async assertQuiet(label: string, opts: { allowConsole?: boolean } = {}): Promise<Activity> {
    const a = await this.activity();
    const problems: string[] = [];
    if (a.dialogs.length) problems.push(`script ran: dialogs ${JSON.stringify(a.dialogs)}`);
    if (a.tripwireCalls.length) problems.push(`script ran: ${TRIPWIRE} called ${JSON.stringify(a.tripwireCalls)}`);
    if (a.pageErrors.length) problems.push(`script ran: uncaught errors ${JSON.stringify(a.pageErrors)}`);
    if (a.scripts.length) problems.push(`script ran: V8 compiled page scripts ${JSON.stringify(a.scripts)}`);
    if (a.foreignRequests.length) problems.push(`requests left ${this.origin}: ${JSON.stringify(a.foreignRequests)}`);
    if (a.extraFrames.length) problems.push(`extra frames or popups: ${JSON.stringify(a.extraFrames)}`);
    if (!opts.allowConsole && a.console.length) problems.push(`console messages: ${JSON.stringify(a.console)}`);
    if (problems.length)
      throw new Error(`${label}:\n  ${problems.join('\n  ')}\n  responses: ${JSON.stringify(a.responses)}`);
    return a;
  }

  /** Close the page, and its context when it has one of its own. */
  async close(): Promise<void> {
    if (this.owner) await this.owner.close();
    else await this.page.close();
  }
}

/**
 * The policy every response must carry: scripts, plugins, frames and remote loads all refused.
 * Returns a list of what is wrong with it (empty when fine).
 */
export function cspProblems(csp: string | undefined): string[] {
  if (csp === undefined) return ['no Content-Security-Policy header'];
  const out: string[] = [];
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name.toLowerCase(), values] as const;
      }),
  );
  if (directives.get('default-src')?.join(' ') !== "'none'")
    out.push(`default-src is not 'none' in ${JSON.stringify(csp)}`);
  for (const d of [
    'script-src',
    'script-src-elem',
    'script-src-attr',
    'object-src',
    'frame-src',
    'child-src',
    'connect-src',
  ]) {
    const v = directives.get(d);
    if (v && v.join(' ') !== "'none'") out.push(`${d} widened to ${v.join(' ')} in ${JSON.stringify(csp)}`);
  }
  if (/unsafe-(?:inline|eval|hashes)/.test(csp)) out.push(`unsafe-* source in ${JSON.stringify(csp)}`);
  return out;
}

/** A response read over HTTP as a browser would get it, for pages checked without opening them. */
export interface Served {
  status: number;
  contentType: string;
  body: string;
  /** What is wrong with it for an answer of ours of this content type: status, type, CSP, nosniff. */
  problems(type: string, statuses?: number[]): string[];
}

/** GET `url` over HTTP (headers of any size, as browsers take them: a subject can make a long filename). */
export async function fetchServed(url: string): Promise<Served> {
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    get(url, { maxHeaderSize: 1 << 20 }, resolve).on('error', reject),
  );
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const status = res.statusCode ?? 0;
  const contentType = res.headers['content-type'] ?? '';
  const csp = res.headers['content-security-policy'] as string | undefined;
  return {
    status,
    contentType,
    body: Buffer.concat(chunks).toString('utf8'),
    problems: (type, statuses = [200]) => [
      ...(statuses.includes(status) ? [] : [`HTTP ${status}`]),
      ...(contentType.startsWith(type) ? [] : [`content type ${contentType}`]),
      ...cspProblems(csp),
      ...(res.headers['x-content-type-options'] === 'nosniff' ? [] : ['no X-Content-Type-Options: nosniff']),
    ],
  };
}

/** What a page's markup holds that could run script, load something, or break out of the layout. */
export interface Structure {
  forms: { action: string; method: string }[];
  /** Elements that must never appear: script, iframe, object, embed, style, base, img, svg, ... */
  forbiddenElements: string[];
  /** Elements with an on* attribute, as `tag[attr=value]`. */
  eventHandlers: string[];
  /** Elements with a style attribute. */
  styleAttributes: string[];
  /** <link> elements: `rel href`, href resolved. */
  links: string[];
  /** href/action values whose scheme is not http(s), mailto or nntp/news (javascript:, data:, ...). */
  badUrls: string[];
  /** Attributes that load something (src, srcset, poster, data, background, formaction, ping). */
  loadingAttributes: string[];
  /** <meta> with http-equiv (refresh, CSP overrides, cookies). */
  metaHttpEquiv: string[];
}

/** A page read as served rather than opened: the document the browser's own HTML parser makes of it. */
export interface ServedDocument {
  url: string;
  doc: JSHandle<Document>;
}

/** Each page's last ServedDocument, let go when the next is made (a page that never navigates keeps one). */
const lastServed = new WeakMap<Page, JSHandle<Document>>();

/**
 * The HTML `url` served (`html`, as the test read it), parsed in `page` by the browser's own parser
 * without running it (DOMParser: inert, nothing in it runs or loads). Handing the page the HTML the
 * test has already read costs less than the page fetching it again: for a 20 KB search page, 6 ms
 * of chromium's CPU and 9 ms of node's against 14 ms and 13 ms.
 */
export async function servedDocument(page: Page, url: string, html: string): Promise<ServedDocument> {
  const doc = await page.evaluateHandle((html) => new DOMParser().parseFromString(html, 'text/html'), html);
  await lastServed.get(page)?.dispose();
  lastServed.set(page, doc);
  return { url, doc };
}

/**
 * Inspect a document's markup (see Structure): the page's own document, or a served one, its URLs
 * resolved against the URL it was served from.
 */
export async function structureOf(page: Page, served?: ServedDocument): Promise<Structure> {
  return page.evaluate(
    ([served, url]) => {
      const FORBIDDEN = [
        'script',
        'noscript',
        'iframe',
        'frame',
        'frameset',
        'object',
        'embed',
        'applet',
        'style',
        'base',
        'img',
        'picture',
        'source',
        'video',
        'audio',
        'track',
        'svg',
        'math',
        'canvas',
        'portal',
        'template',
        'dialog',
        'textarea',
        'select',
        'button',
        'fencedframe',
      ];
      const LOADING = [
        'src',
        'srcset',
        'poster',
        'data',
        'background',
        'formaction',
        'ping',
        'xlink:href',
        'lowsrc',
        'dynsrc',
        'longdesc',
      ];
      const doc = served ?? document;
      const base = url ?? document.baseURI;
      const resolve = (v: string) => {
        try {
          return new URL(v, base);
        } catch {
          return undefined; // an unparsable URL goes nowhere
        }
      };
      const describe = (el: Element) =>
        `<${el.tagName.toLowerCase()}${[...el.attributes].map((a) => ` ${a.name}=${JSON.stringify(a.value.slice(0, 80))}`).join('')}>`;
      const out = {
        forms: [...doc.querySelectorAll('form')].map((f) => ({
          action: resolve(f.getAttribute('action') ?? '')?.href ?? '',
          method: (f as HTMLFormElement).method,
        })),
        forbiddenElements: [...doc.querySelectorAll(FORBIDDEN.join(','))].map(describe),
        eventHandlers: [] as string[],
        styleAttributes: [...doc.querySelectorAll('[style]')].map(describe),
        links: [...doc.querySelectorAll('link')].map((l) => `${l.rel} ${resolve(l.getAttribute('href') ?? '')?.href}`),
        badUrls: [] as string[],
        loadingAttributes: [] as string[],
        metaHttpEquiv: [...doc.querySelectorAll('meta[http-equiv]')].map(describe),
      };
      // one pass over the elements with attributes, reading only their names until one is suspect
      for (const el of doc.querySelectorAll('*')) {
        if (!el.hasAttributes()) continue;
        const names = el.getAttributeNames();
        if (names.some((n) => /^on/i.test(n))) out.eventHandlers.push(describe(el));
        if (names.some((n) => LOADING.includes(n.toLowerCase()))) out.loadingAttributes.push(describe(el));
        for (const name of ['href', 'action']) {
          const v = el.getAttribute(name);
          if (v === null) continue;
          const url = resolve(v);
          if (url && !['http:', 'https:', 'mailto:', 'nntp:', 'news:'].includes(url.protocol))
            out.badUrls.push(describe(el));
        }
      }
      return out;
    },
    [served?.doc, served?.url] as const,
  );
}

/**
 * Problems with a lorekeeper HTML page's structure: exactly one form (the search form, back to
 * us), no forbidden elements, no inline handlers or styles, only our own stylesheet.
 */
export function structureProblems(s: Structure, origin: string): string[] {
  const out: string[] = [];
  if (s.forms.length !== 1)
    out.push(`expected exactly one <form> (search), found ${s.forms.length}: ${JSON.stringify(s.forms)}`);
  for (const f of s.forms) {
    if (new URL(f.action).origin !== origin || f.method !== 'get')
      out.push(`form posts elsewhere: ${JSON.stringify(f)}`);
  }
  if (s.forbiddenElements.length) out.push(`forbidden elements: ${s.forbiddenElements.join(' ')}`);
  if (s.eventHandlers.length) out.push(`inline event handlers: ${s.eventHandlers.join(' ')}`);
  if (s.styleAttributes.length) out.push(`style attributes: ${s.styleAttributes.join(' ')}`);
  if (s.loadingAttributes.length) out.push(`attributes that load resources: ${s.loadingAttributes.join(' ')}`);
  if (s.metaHttpEquiv.length) out.push(`meta http-equiv: ${s.metaHttpEquiv.join(' ')}`);
  if (s.badUrls.length) out.push(`links with scripting or data schemes: ${s.badUrls.join(' ')}`);
  const sheets = s.links.filter((l) => /^stylesheet\b/i.test(l) || /\bstylesheet\b/i.test(l.split(' ')[0]));
  const ours = sheets.filter((l) => {
    const href = l.split(' ').pop()!;
    const u = new URL(href);
    return u.origin === origin && u.pathname.endsWith('/_/lorekeeper.css');
  });
  if (sheets.length !== 1 || ours.length !== 1)
    out.push(`stylesheets other than our own _/lorekeeper.css: ${JSON.stringify(sheets)}`);
  const others = s.links.filter((l) => !/^(?:stylesheet|alternate) /i.test(l));
  if (others.length) out.push(`unexpected <link> elements: ${JSON.stringify(others)}`);
  return out;
}

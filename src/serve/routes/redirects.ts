// Redirects and fallbacks, registered last: /MID -> /MID/, /t -> /t/#u, /R -> #R, legacy /m/ /t/ /f/
// URLs, Message-IDs with an unescaped '/', and a bare /MID/ (no inbox) to the inbox holding it.
import { route, INBOX, MID, type Matcher, type RequestContext } from '../router.js';
import { plain, redirect, type Page } from '../response.js';
import { rawPage, showMessage } from './message.js';
import { showThread, threadMbox, threadAtom } from './thread.js';
import { midEscape, midUnescape } from '../../mail/message-id.js';

/**
 * 301 to a Message-ID's URL in an inbox (WWW::r301): the id keeps its escapes except %40,
 * which becomes '@' again, and the query string follows. Locations are absolute, as b4 needs
 * them (it cuts the inbox's URL out of one); their origin is the configured base URL, or the Host
 * asked under, which then keys the cache, so one client's Host never reaches another.
 */
function r301(ctx: RequestContext, inbox: string, midRaw: string | undefined, suffix = ''): Page | undefined {
  if (!ctx.site.inbox(inbox)) return undefined;
  let url = `${ctx.origin}/${inbox}/`;
  if (midRaw !== undefined) url += `${midRaw.replace(/%40/g, '@')}/${suffix}`;
  return redirect(301, url, ctx.rawQuery);
}

/** Pages for a Message-ID path whatever form it took: END is '', raw, t/, T/, t.mbox(.gz) or t.atom. */
function byEnd(ctx: RequestContext, inbox: string, midRaw: string, end: string): Page | undefined {
  switch (end) {
    case '':
      return showMessage(ctx, inbox, midRaw);
    case 'raw':
      return rawPage(ctx, inbox, midRaw);
    case 't/':
    case 'T/':
      return showThread(ctx, inbox, midRaw, end === 'T/');
    case 't.atom':
      return threadAtom(ctx, inbox, midRaw);
    default:
      return threadMbox(ctx, inbox, midRaw);
  }
}

/** What may follow a Message-ID's path, shortest first (a longer id wins, as a greedy regex would). */
const ENDS = ['', 'raw', 'T/', 't/', 't.atom', 't.mbox', 't.mbox.gz'];
const INBOX_NAME = /^[\w-][\w.-]*$/;

/**
 * `/NAME/ID/END` where ID holds a '/' (a client that did not escape it), END one of `ends`:
 * [path, NAME, ID, END] like a RegExp match. Matched by hand: a regex with two `\S+` around a
 * '/' backtracks quadratically over a run of slashes.
 */
function slashedMid(ends: readonly string[]): Matcher {
  return {
    exec(path) {
      const slash = path.indexOf('/', 1);
      if (path[0] !== '/' || slash < 0) return null;
      const inbox = path.slice(1, slash);
      const rest = path.slice(slash + 1);
      if (!INBOX_NAME.test(inbox) || /\s/.test(rest)) return null;
      for (const end of ends) {
        if (!rest.endsWith(`/${end}`)) continue;
        const mid = rest.slice(0, rest.length - end.length - 1);
        if (mid.length >= 3 && mid.slice(1, -1).includes('/')) {
          return Object.assign([path, inbox, mid, end], { index: 0, input: path }) as RegExpExecArray;
        }
      }
      return null;
    },
  };
}

route(new RegExp(`^/${INBOX}/${MID}/([tT])$`), (ctx, m) => r301(ctx, m[1], m[2], `${m[3]}/#u`));
route(new RegExp(`^/${INBOX}/${MID}/R/?$`), (ctx, m) => r301(ctx, m[1], m[2], '#R'));
route(new RegExp(`^/${INBOX}/${MID}/f$`), (ctx, m) => r301(ctx, m[1], m[2]));
// any other single segment of two or more characters is taken as a Message-ID
route(new RegExp(`^/${INBOX}/([^/]{2,})$`), (ctx, m) => r301(ctx, m[1], m[2]));

// legacy URL forms of public-inbox before 1.0, each with the suffix it redirects to
const LEGACY: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^\/([\w-][\w.-]*)\/m\/(\S+)\/$/, () => ''],
  [/^\/([\w-][\w.-]*)\/m\/(\S+)\/raw$/, () => 'raw'],
  [/^\/([\w-][\w.-]*)\/f\/(\S+)\/$/, () => ''],
  [/^\/([\w-][\w.-]*)\/t\/(\S+)\/$/, () => 't/#u'],
  [/^\/([\w-][\w.-]*)\/t\/(\S+)\/mbox(\.gz)?$/, (m) => `t.mbox${m[3] ?? ''}`],
  [/^\/([\w-][\w.-]*)\/m\/(\S+)\.html$/, () => ''],
  [/^\/([\w-][\w.-]*)\/t\/(\S+)\.html$/, () => 't/#u'],
  [/^\/([\w-][\w.-]*)\/f\/(\S+)\.html$/, () => ''],
  [/^\/([\w-][\w.-]*)\/(?:m|f)\/(\S+)\.txt$/, () => 'raw'],
  [/^\/([\w-][\w.-]*)\/t\/(\S+)(\.mbox(?:\.gz)?)$/, (m) => `t${m[3]}`],
  [/^\/([\w-][\w.-]*)\/m\/(\S+)$/, () => ''],
  [/^\/([\w-][\w.-]*)\/t\/(\S+)$/, () => 't/#u'],
  [/^\/([\w-][\w.-]*)\/f\/(\S+)$/, () => ''],
];
for (const [re, suffix] of LEGACY) route(re, (ctx, m) => r301(ctx, m[1], m[2], suffix(m)));

// a Message-ID with an unescaped '/' still works for its pages
route(slashedMid(ENDS), (ctx, m) => byEnd(ctx, m[1], m[2], m[3]));
route(slashedMid(['t', 'T']), (ctx, m) => r301(ctx, m[1], m[2], `${m[3]}/#u`));

/** b4's linkmask (/r/MID) and a bare /MID/ go to the inbox holding the message (NewsWWW). */
function toOwningInbox(ctx: RequestContext, midRaw: string): Page | undefined {
  const mid = midUnescape(midRaw);
  const [inbox] = ctx.site.inboxesWithMid(mid);
  if (!inbox) return plain(404, 'Not Found');
  return redirect(302, `${ctx.origin}/${inbox}/${midEscape(mid).replace(/%40/g, '@')}/`);
}

route(/^\/r\/([^/]+)\/?$/, (ctx, m) => toOwningInbox(ctx, m[1]));
route(/^\/([^/]+)\/?$/, (ctx, m) => (ctx.site.inbox(m[1]) ? undefined : toOwningInbox(ctx, m[1])));

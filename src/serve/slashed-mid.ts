// Paths whose Message-ID holds an unescaped '/' (a client that did not escape it), matched by hand.
import type { Matcher } from './router.js';

/** What may follow a Message-ID's path, shortest first (a longer id wins, as a greedy regex would). */
export const MID_ENDS = ['', 'raw', 'T/', 't/', 't.atom', 't.mbox', 't.mbox.gz'];
const INBOX_NAME = /^[\w-][\w.-]*$/;

/**
 * `/NAME/ID/END` where ID holds a '/', END one of `ends`: [path, NAME, ID, END] like a RegExp
 * match. Matched by hand: a regex with two `\S+` around a '/' backtracks quadratically over a run
 * of slashes.
 */
export function slashedMid(ends: readonly string[]): Matcher {
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

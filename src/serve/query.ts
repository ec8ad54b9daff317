// Query strings read as public-inbox reads them (WWW.pm): split on & and ;, + is a space, values
// percent-decoded once, the last value wins, a key without '=' is present with ''.
import { midUnescape } from '../mail/message-id.js';

export type Query = Map<string, string>;

export function parseQuery(qs: string): Query {
  const q: Query = new Map();
  for (const pair of qs.split(/[&;]+/)) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ');
    const value = eq < 0 ? '' : midUnescape(pair.slice(eq + 1).replace(/\+/g, ' '));
    q.set(key, value);
  }
  return q;
}

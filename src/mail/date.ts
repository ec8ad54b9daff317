// Date and Received-time parsing as public-inbox does it (MsgTime.pm), so dates and sort order match.
import type { HeaderBlock } from './headers.js';

const MONTHS: Record<string, number> = {};
[
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
].forEach((m, i) => {
  MONTHS[m] = i;
  MONTHS[m.slice(0, 3)] = i;
});

/** RFC 2822 section 4.3 obsolete zones. */
const OBSOLETE_TZ: Record<string, string> = {
  EST: '-0500',
  EDT: '-0400',
  CST: '-0600',
  CDT: '-0500',
  MST: '-0700',
  MDT: '-0600',
  PST: '-0800',
  PDT: '-0700',
  UT: '+0000',
  GMT: '+0000',
  Z: '+0000',
};

const RFC822ISH = new RegExp(
  String.raw`(?:[A-Za-z]+,?\s+)?([0-9]+),?\s+([A-Za-z]+)\s+([0-9]{2,4})\s+([0-9]+)[:.]((?:[0-9]{2})|(?:\s?[0-9]))` +
    String.raw`(?:[:.]((?:[0-9]{2})|(?:\s?[0-9])))?\s+([+-])?[+-]*([0-9]+|${Object.keys(OBSOLETE_TZ).join('|')})(?:\s|$)`,
);

/** Seconds since the epoch (UTC) for a Date-like string, or undefined when it cannot be read. */
export function parseDate(value: string): number | undefined {
  const m = RFC822ISH.exec(value);
  if (m) {
    const [, dd, mon, yyyyRaw, hh, mm, ss, signRaw, tzRaw] = m;
    const month = MONTHS[mon.toLowerCase()];
    if (month === undefined) return undefined;
    let yyyy = Number(yyyyRaw);
    if (yyyyRaw.length <= 3) {
      yyyy += 1900;
      if (yyyy < 1950) yyyy += 100;
    }
    let ts = Date.UTC(yyyy, month, Number(dd), Number(hh), Number(mm.trim()), Number((ss ?? '0').trim())) / 1000;
    // timegm rejects out-of-range fields; Date.UTC rolls them over, so check the round trip
    const check = new Date(ts * 1000);
    if (!Number.isFinite(ts) || check.getUTCDate() !== Number(dd) || check.getUTCMonth() !== month) return undefined;
    if (ts < 0) return undefined;
    let sign = signRaw ?? '+';
    let tz = tzRaw;
    const obsolete = OBSOLETE_TZ[tz];
    if (obsolete) {
      sign = obsolete[0];
      tz = obsolete.slice(1);
    }
    let tzH: number;
    let tzM: number;
    if (tz.length === 1) [tzH, tzM] = [Number(tz), 0];
    else if (tz.length === 2) [tzH, tzM] = [0, Number(tz)];
    else [tzH, tzM] = [Number(tz.slice(0, -2)), Number(tz.slice(-2))];
    while (tzM >= 60) {
      tzM -= 60;
      tzH += 1;
    }
    const off = tzM * 60 + tzH * 3600;
    // public-inbox ignores offsets of 14 hours or more (bogus TZ) and assumes +0000 for the zone only
    ts -= sign === '-' ? -off : off;
    return ts;
  }
  // Date::Parse fallback for non-RFC 822 dates (ISO 8601 and friends)
  const t = Date.parse(value);
  if (Number.isNaN(t) || t < 0) return undefined;
  return Math.floor(t / 1000);
}

const RECEIVED_DATE = /\s*([0-9]+\s+[a-zA-Z]+\s+[0-9]{2,4}\s+[0-9]+[^0-9][0-9]+(?:[^0-9][0-9]+)\s+([+-][0-9]+))/;

/** The first Received: header whose date can be read. */
function receivedAt(h: HeaderBlock): number | undefined {
  for (const r of h.all('received')) {
    const m = RECEIVED_DATE.exec(r);
    if (!m) continue;
    const ts = parseDate(m[1]);
    if (ts !== undefined) return ts;
  }
  return undefined;
}

function dateOnly(h: HeaderBlock): number | undefined {
  for (const d of h.all('date')) {
    const ts = parseDate(d);
    if (ts !== undefined) return ts;
  }
  return undefined;
}

/**
 * `ds` (when it was sent: Date, else Received) and `ts` (when it arrived: Received, else Date).
 * Without either we use 0, not the clock, so re-ingesting gives the same store.
 */
export function messageTimes(h: HeaderBlock): { ds: number; ts: number } {
  const date = dateOnly(h);
  const recv = receivedAt(h);
  return { ds: date ?? recv ?? 0, ts: recv ?? date ?? 0 };
}

// The dates people type after d:, dt: and rt: (git's "approxidate", which public-inbox hands them
// to): absolute dates and times, and relative ones such as 2.weeks.ago, last.month or yesterday.

const UNIT_SECONDS: Record<string, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 7 * 86400,
  fortnight: 14 * 86400,
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const NUMBERS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  last: 1,
};

/** Step back n months or years from `now`, keeping the day where the calendar allows. */
function monthsAgo(now: number, months: number): number {
  const d = new Date(now * 1000);
  d.setUTCMonth(d.getUTCMonth() - months);
  return Math.floor(d.getTime() / 1000);
}

function relative(words: string[], now: number): number | undefined {
  // "<n> <unit>[s] [ago]", "last <unit>", "yesterday", "today", "now"
  if (words.length === 1) {
    if (words[0] === 'now' || words[0] === 'today') return now;
    if (words[0] === 'yesterday') return now - 86400;
  }
  const list = words[words.length - 1] === 'ago' ? words.slice(0, -1) : words;
  if (list.length !== 2) return undefined;
  const n = /^\d+$/.test(list[0]) ? Number(list[0]) : NUMBERS[list[0]];
  const unit = list[1].replace(/s$/, '');
  if (n === undefined) return undefined;
  if (unit in UNIT_SECONDS) return now - n * UNIT_SECONDS[unit];
  if (unit === 'month') return monthsAgo(now, n);
  if (unit === 'year') return monthsAgo(now, 12 * n);
  return undefined;
}

function absolute(s: string): number | undefined {
  const m =
    /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T.]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?(?:\s*(?:z|utc|gmt|\+0000))?$/i.exec(s);
  if (m) {
    const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    return Number.isNaN(t) ? undefined : t / 1000;
  }
  // "jan 5 2020", "5 january 2020", "january 2020"
  const words = s
    .toLowerCase()
    .split(/[\s.,/-]+/)
    .filter(Boolean);
  let month: number | undefined;
  let day: number | undefined;
  let year: number | undefined;
  for (const w of words) {
    const mi = MONTHS.indexOf(w.slice(0, 3));
    if (mi >= 0 && /^[a-z]+$/.test(w)) month = mi;
    else if (/^\d{4}$/.test(w)) year = Number(w);
    else if (/^\d{1,2}$/.test(w)) day = Number(w);
    else return undefined;
  }
  if (year === undefined || (month === undefined && day !== undefined)) return undefined;
  return Date.UTC(year, month ?? 0, day ?? 1) / 1000;
}

/** Unix seconds for a date as git's approxidate would read it, or undefined when unreadable. */
export function approxidate(input: string, now: number): number | undefined {
  const s = input.trim();
  if (s === '') return undefined;
  const abs = absolute(s);
  if (abs !== undefined) return abs;
  return relative(
    s
      .toLowerCase()
      .split(/[\s._]+/)
      .filter(Boolean),
    now,
  );
}

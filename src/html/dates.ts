// Dates as public-inbox prints them, always UTC.

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2021-03-03  9:44`: strftime('%Y-%m-%d %k:%M'), the hour padded with a space. */
export function fmtTs(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${String(d.getUTCHours()).padStart(2, ' ')}:${pad(d.getUTCMinutes())}`;
}

/** `20210303094400`: the ?t= form. */
export function ts2str(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** `YYYYMMDD[hhmmss]` back to seconds; undefined when it is not a real date. */
export function str2ts(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', se = '0'] = m.slice(1);
  const t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +se);
  const back = new Date(t);
  if (back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d || +h > 23 || +mi > 59 || +se > 60) return undefined;
  return t / 1000;
}

/** `2021-03-03T09:44:00Z` for Atom. */
export function isoTs(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Address lists: the only door to nodemailer's addressparser (the one mailparser uses).
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { decodeWords } from './codec.js';

export interface Address {
  /** Display name, possibly empty. */
  name: string;
  /** The bare address as written (a quoted local part keeps its quotes). */
  address: string;
}

/**
 * Lists parsed lately: the messages of a thread page mostly share their To and Cc lines, and
 * parsing them is a tenth of such a page's work. Cleared when full, which keeps it bounded.
 */
const parsed = new Map<string, readonly Address[]>();
const PARSED_MAX = 4096;

/** Every mailbox of a header value, with groups flattened and entries without an address dropped. */
export function addressList(value: string): readonly Address[] {
  if (!value) return [];
  let list = parsed.get(value);
  if (list) return list;
  try {
    // an "address" without '@' is a parse of broken syntax (`<img src=x>`), which public-inbox's
    // parser rejects rather than guesses at
    list = addressparser(value, { flatten: true })
      .filter((a) => a.address && a.address.includes('@'))
      .map((a) => Object.freeze({ name: a.name ?? '', address: a.address }));
  } catch {
    list = [];
  }
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(value, Object.freeze(list));
  return list;
}

/**
 * An address header with its RFC 2047 display names decoded (Eml::header_str). Names are decoded
 * after the list is parsed, so a decoded name can never add addresses of its own.
 */
export function decodeAddressHeader(raw: string): string {
  if (!raw.includes('=?')) return raw;
  const list = addressList(raw);
  if (!list.length) return decodeWords(raw);
  return list
    .map(({ name, address }) => {
      const n = decodeWords(name);
      if (!n) return address;
      return /[()<>@,;:\\".[\]]/.test(n) ? `"${n.replace(/(["\\])/g, '\\$1')}" <${address}>` : `${n} <${address}>`;
    })
    .join(', ');
}

/** Bare addresses, in order. */
export function emails(value: string): string[] {
  return addressList(value).map((a) => a.address);
}

/** What public-inbox shows for a person: the display name, else the local part of the address. */
export function names(value: string): string[] {
  return addressList(value).map((a) => a.name || localPart(a.address));
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(0, at) : address;
}

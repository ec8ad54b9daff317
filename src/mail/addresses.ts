// Address lists: the only door to nodemailer's addressparser (the one mailparser uses).
import addressparser from 'nodemailer/lib/addressparser/index.js';

export interface Address {
  /** Display name, possibly empty. */
  name: string;
  /** The bare address as written (a quoted local part keeps its quotes). */
  address: string;
}

/** Every mailbox of a header value, with groups flattened and entries without an address dropped. */
export function addressList(value: string): Address[] {
  if (!value) return [];
  try {
    return addressparser(value, { flatten: true })
      .filter((a) => a.address)
      .map((a) => ({ name: a.name ?? '', address: a.address }));
  } catch {
    return [];
  }
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

// Who may write through the Patchwork API: `Authorization: Token KEY` of a working token whose role
// does what is asked (maintainer: patch states; ci: checks) in the patch's inbox. Anything else is
// refused with 401 (no usable token) or 403 (a token that may not do this), a JSON reason, and
// nothing written. The token is only hashed and looked up: never kept, logged or echoed.
import type { ApiTokens, Holder, TokenRole } from '../../store/api-tokens.js';
import type { Page } from '../response.js';
import { apiError } from './paging.js';

const WHAT: Record<TokenRole, string> = {
  maintainer: "changing a patch's state needs a maintainer token",
  ci: 'posting a check needs a ci token',
};

function unauthorized(detail: string): Page {
  const page = apiError(401, detail);
  return { ...page, headers: { ...page.headers, 'WWW-Authenticate': 'Token' } };
}

/** The holder of the request's token if it may act as `role` on inbox `inbox`; else the refusal. */
export function authorize(
  tokens: ApiTokens,
  authorization: string | undefined,
  role: TokenRole,
  inbox: { id: number; name: string },
): Holder | Page {
  if (!authorization) return unauthorized('Authentication credentials were not provided.');
  const m = /^Token\s+(\S+)\s*$/i.exec(authorization);
  if (!m) return unauthorized('Only token authentication is accepted: send the header "Authorization: Token KEY".');
  const holder = tokens.holder(m[1]);
  if (holder === undefined) return unauthorized('Invalid token.');
  if (holder === 'revoked') return unauthorized('This token was revoked.');
  if (holder.role !== role) return apiError(403, `This is a ${holder.role} token: ${WHAT[role]}.`);
  if (!holder.inboxIds.has(inbox.id))
    return apiError(403, `This token may not write to project ${JSON.stringify(inbox.name)}.`);
  return holder;
}

export const isRefusal = (x: Holder | Page): x is Page => 'status' in x;

// The Patchwork API's writes, on the writer only: PATCH (or PUT) /patches/{id}/ sets a patch's state
// (JSON, or form-encoded as b4 and git-pw send it) with a maintainer token, POST
// /patches/{id}/checks/ stores a check with a ci token. Each is checked whole before anything is
// written, and written in one transaction with the change log, so servers drop the pages showing it.
import type { Db } from '../../store/open-database.js';
import type { ApiTokens, TokenRole } from '../../store/api-tokens.js';
import { PATCH_STATES, isPatchState, patchStates, setPatchState } from '../../store/patch-states.js';
import { addCheck, checkById, isCheckState, recordStateChange, CHECK_STATES } from '../../store/patch-checks.js';
import type { Page } from '../response.js';
import { apiError, jsonPage } from './paging.js';
import { authorize, isRefusal } from './auth.js';
import { patch as readPatch } from './reads.js';
import { Shapes, type ApiContext } from './shapes.js';

export interface WriteRequest {
  c: ApiContext;
  /** The writer's connection (reads go through c.db, which sees the write once it is committed). */
  db: Db;
  tokens: ApiTokens;
  params: Record<string, string>;
  contentType: string;
  body: string;
  authorization: string | undefined;
  /** Absolute URL of the resource written to. */
  self: string;
  /** Unix seconds. */
  now: number;
}

export type Write = (w: WriteRequest) => Page;

type Fields = Record<string, unknown>;

/** The request's fields: a JSON object, or a form (application/x-www-form-urlencoded). */
function fieldsOf(w: WriteRequest): { fields: Fields } | { refused: Page } {
  const type = w.contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/json') {
    try {
      const v: unknown = JSON.parse(w.body || '{}');
      if (v && typeof v === 'object' && !Array.isArray(v)) return { fields: v as Fields };
      return { refused: apiError(400, { non_field_errors: ['Invalid data. Expected a dictionary.'] }) };
    } catch {
      return { refused: apiError(400, 'JSON parse error: the body is not JSON.') };
    }
  }
  if (type === 'application/x-www-form-urlencoded' || (type === '' && !w.body)) {
    return { fields: Object.fromEntries(new URLSearchParams(w.body)) };
  }
  return { refused: apiError(415, `Unsupported media type ${JSON.stringify(type)} in request: send JSON or a form.`) };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * What every write checks first, in this order: the patch it names (404), the token (401, 403),
 * then the body (400, 415). The patch, the token's holder and the body's fields; or the refusal.
 */
function accepted(w: WriteRequest, param: string, role: TokenRole) {
  const num = /^[0-9]{1,15}$/.test(w.params[param] ?? '') ? Number(w.params[param]) : NaN;
  const m = w.c.api.patch(num);
  const inbox = m && new Shapes(w.c).inbox(m.inboxId);
  if (!m || !inbox) return { refused: apiError(404, 'Not found.') };
  const holder = authorize(w.tokens, w.authorization, role, inbox);
  if (isRefusal(holder)) return { refused: holder };
  const body = fieldsOf(w);
  return 'refused' in body ? body : { m, holder, f: body.fields };
}

/** Fields Patchwork lets a maintainer write that have no meaning here. */
const UNSUPPORTED = ['commit_ref', 'pull_url', 'delegate', 'related'];

export const updatePatch: Write = (w) => {
  const a = accepted(w, 'id', 'maintainer');
  if ('refused' in a) return a.refused;
  const { m, holder, f } = a;
  const errors: Record<string, string[]> = {};
  for (const k of UNSUPPORTED) {
    if (f[k] !== undefined && f[k] !== null && f[k] !== '')
      errors[k] = [`lorekeeper does not set ${k}: the commit a patch landed as is found by lorekeeper applied.`];
  }
  if (f.archived !== undefined && f.archived !== false && f.archived !== 'false' && f.archived !== 'False')
    errors.archived = ['Nothing is archived here: only archived=false is accepted.'];
  const state = f.state === undefined ? undefined : text(f.state)?.trim().toLowerCase().replace(/\s+/g, '-');
  if (f.state !== undefined && (state === undefined || !isPatchState(state)))
    errors.state = [`Invalid state ${JSON.stringify(f.state)}. Expected one of: ${PATCH_STATES.join(', ')}.`];
  if (Object.keys(errors).length) return apiError(400, errors);
  if (state !== undefined && isPatchState(state)) {
    w.db.transaction(() => {
      const previous = patchStates(w.db, [m.num]).get(m.num)?.state ?? 'new';
      setPatchState(w.db, m.num, state, holder.user, w.now);
      recordStateChange(w.db, { num: m.num, previous, current: state, userId: holder.userId, date: w.now });
    })();
  }
  return { ...readPatch({ c: w.c, params: { id: String(m.num) }, query: new Map(), self: w.self }), cache: false };
};

const CONTEXT = /^[-a-zA-Z0-9_]{1,255}$/;
/** Patchwork's URLField length; only http(s), since pages link to it. */
const MAX_URL = 200;

export const createCheck: Write = (w) => {
  const a = accepted(w, 'patch_id', 'ci');
  if ('refused' in a) return a.refused;
  const { m, holder, f } = a;
  const errors: Record<string, string[]> = {};
  const state = text(f.state);
  if (!state) errors.state = ['A check must have a state.'];
  else if (!isCheckState(state)) errors.state = [`"${state}" is not a valid choice: ${CHECK_STATES.join(', ')}.`];
  const context = f.context === undefined ? 'default' : text(f.context);
  if (context === undefined || !CONTEXT.test(context))
    errors.context = ['Enter a valid "context": 1 to 255 letters, digits, underscores or hyphens.'];
  const targetUrl =
    f.target_url === undefined || f.target_url === null || f.target_url === '' ? null : text(f.target_url);
  if (targetUrl !== null && (targetUrl === undefined || targetUrl.length > MAX_URL || !isWebUrl(targetUrl)))
    errors.target_url = [`Enter a valid http or https URL of at most ${MAX_URL} characters.`];
  const description = f.description === undefined || f.description === null ? null : text(f.description);
  if (description === undefined) errors.description = ['Not a valid string.'];
  if (Object.keys(errors).length) return apiError(400, errors);
  const id = addCheck(w.db, {
    num: m.num,
    userId: holder.userId,
    state: state as (typeof CHECK_STATES)[number],
    context: context!,
    targetUrl: targetUrl ?? null,
    description: description ?? null,
    date: w.now,
  });
  return { ...jsonPage(201, new Shapes(w.c).check(checkById(w.db, id)!)), cache: false };
};

function isWebUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !/[\s<>"]/.test(s);
  } catch {
    return false;
  }
}

// CI checks as pages show them (views/partials/checks.hbs): a patch's combined state, then the
// latest result of each check, its description, and a link to its results when it is an http(s) URL.
import { CHECK_STATES, combinedCheck, latestChecks, type CheckRow } from '../../store/patch-checks.js';

export interface ChecksView {
  combined: string;
  checks: { context: string; state: string; user: string; description: string; href?: string }[];
}

/** What a page shows of a patch's checks; undefined when none were posted. */
export function checksView(rows: CheckRow[] | undefined): ChecksView | undefined {
  if (!rows?.length) return undefined;
  return {
    combined: combinedCheck(rows),
    checks: latestChecks(rows).map((c) => ({
      context: c.context,
      state: c.state,
      user: c.user,
      description: c.description ?? '',
      // the API took only http(s) URLs; a store written otherwise still gets no other scheme linked
      href: c.targetUrl && /^https?:\/\//i.test(c.targetUrl) ? c.targetUrl : undefined,
    })),
  };
}

/** A series' checks in a few words: the worst, then how many of its patches' latest checks are in each state. */
export function checksSummary(byPatch: Iterable<CheckRow[]>): string | undefined {
  const counts = new Map<string, number>();
  for (const rows of byPatch) for (const c of latestChecks(rows)) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const worst = CHECK_STATES.find((s) => counts.has(s));
  if (!worst) return undefined;
  return `checks: ${worst} (${CHECK_STATES.filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ')})`;
}

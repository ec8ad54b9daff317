// Patchwork REST API 1.2's JSON shapes (patchwork/api/*.py serializers, field for field) built from
// the store: projects are inboxes, patches are a series' own patches (id = article number),
// series are lorekeeper's (id = their first own patch's number), people are senders (id = their
// first message's number). Links point at lorekeeper's own pages and am-ready mboxes.
import type { Db } from '../../store/open-database.js';
import type { ApiMessageRow, ApiReader, ApiSeriesRow, EventRow, PersonRow } from '../../store/api-reader.js';
import { patchStates } from '../../store/patch-states.js';
import { checksOf, combinedCheck, type CheckRow, type StateChangeRow } from '../../store/patch-checks.js';
import { cleanSubject } from '../../mail/patchwork-subject.js';
import { midHref } from '../../html/mid-path.js';
import type { InboxRow } from '../../store/reader.js';
import type { Site } from '../site.js';

export const API_VERSION = '1.2';

export type Json = Record<string, unknown>;

/** Patchwork's dates: ISO 8601 in UTC without a zone (Django's naive datetimes). */
export const pwDate = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/(\.\d{3})?Z$/, '');

/** A message's address on this site, under its inbox: `ORIGIN/NAME/MID/`. */
export const messageUrl = (origin: string, inbox: string, mid: string) => `${origin}/${inbox}/${midHref(mid)}/`;

export interface ApiContext {
  db: Db;
  site: Site;
  api: ApiReader;
  /** `scheme://host` every URL starts with. */
  origin: string;
}

/** Builds the shapes of one request, reading each inbox, person and state once. */
export class Shapes {
  readonly base: string;
  private readonly inboxes: Map<number, InboxRow>;
  private readonly people = new Map<string, PersonRow>();

  constructor(private readonly c: ApiContext) {
    this.base = `${c.origin}/api/${API_VERSION}`;
    this.inboxes = new Map(c.site.reader.inboxes().map((i) => [i.id, i]));
  }

  inbox(id: number): InboxRow | undefined {
    return this.inboxes.get(id);
  }

  allInboxes(): InboxRow[] {
    return [...this.inboxes.values()].sort((a, b) => a.id - b.id);
  }

  private inboxName(id: number): string {
    return this.inboxes.get(id)?.name ?? '';
  }

  /** Read the people of these addresses in one query before shaping their messages. */
  knowPeople(addresses: string[]): void {
    const unknown = addresses.filter((a) => !this.people.has(a));
    for (const [addr, p] of this.c.api.people(unknown)) this.people.set(addr, p);
  }

  /** ProjectSerializer (embedded and whole): an inbox. */
  project(i: InboxRow, whole = false): Json {
    const url = `${this.c.origin}/${i.name}/`;
    const embedded = {
      id: i.id,
      url: `${this.base}/projects/${i.id}/`,
      name: i.name,
      link_name: i.name,
      // the List-Id convention: list@host is list.host
      list_id: (i.address ?? i.name).replace('@', '.'),
      list_email: i.address ?? '',
      web_url: url,
      scm_url: '',
      webscm_url: '',
      list_archive_url: url,
      list_archive_url_format: `${url}{}/`,
      commit_url_format: '',
    };
    if (!whole) return embedded;
    // maintainers hold tokens, which stay on the writer: replicas could not list them alike
    return { ...embedded, maintainers: [], subject_match: '' };
  }

  private projectOf(inboxId: number): Json {
    const i = this.inboxes.get(inboxId);
    return i ? this.project(i) : {};
  }

  person(p: PersonRow, whole = false): Json {
    const shape = { id: p.id, url: `${this.base}/people/${p.id}/`, name: p.name, email: p.email };
    return whole ? { ...shape, user: null } : shape;
  }

  private submitter(addr: string, names: string): Json {
    this.knowPeople([addr]);
    return this.person(this.people.get(addr) ?? { id: 0, email: addr, name: names });
  }

  /** UserSerializer: a token's user (names only: replicas know them too). */
  user(id: number, name: string): Json {
    return { id, url: `${this.base}/users/${id}/`, username: name, first_name: '', last_name: '', email: '' };
  }

  /** SeriesSerializer (embedded). */
  seriesEmbedded(s: ApiSeriesRow): Json {
    return {
      id: s.id,
      url: `${this.base}/series/${s.id}/`,
      web_url: `${messageUrl(this.c.origin, this.inboxName(s.inboxId), s.mid)}series/`,
      name: s.title,
      date: pwDate(s.ds),
      version: Math.trunc(s.version),
      mbox: `${messageUrl(this.c.origin, this.inboxName(s.inboxId), s.mid)}series.mbox`,
    };
  }

  /** PatchSerializer / CoverSerializer (embedded): a message of a series. */
  private messageEmbedded(m: ApiMessageRow, kind: 'patches' | 'covers'): Json {
    const page = messageUrl(this.c.origin, this.inboxName(m.inboxId), m.mid);
    return {
      id: m.num,
      url: `${this.base}/${kind}/${m.num}/`,
      web_url: page,
      msgid: `<${m.mid}>`,
      list_archive_url: page,
      date: pwDate(m.ds),
      name: cleanSubject(m.subject).name,
      mbox: kind === 'patches' ? `${page}patch.mbox` : `${page}raw`,
    };
  }

  patchEmbedded(m: ApiMessageRow): Json {
    return this.messageEmbedded(m, 'patches');
  }

  coverEmbedded(m: ApiMessageRow): Json {
    return this.messageEmbedded(m, 'covers');
  }

  /** SeriesSerializer (whole). */
  series(s: ApiSeriesRow): Json {
    this.knowPeople([s.authorAddr]);
    const cover = s.coverNum === null ? undefined : this.c.api.cover(s.coverNum);
    return {
      id: s.id,
      url: `${this.base}/series/${s.id}/`,
      web_url: this.seriesEmbedded(s).web_url,
      project: this.projectOf(s.inboxId),
      name: s.title,
      date: pwDate(s.ds),
      submitter: this.submitter(s.authorAddr, ''),
      version: Math.trunc(s.version),
      total: s.total,
      received_total: s.present,
      received_all: s.complete,
      mbox: this.seriesEmbedded(s).mbox,
      cover_letter: cover ? this.coverEmbedded(cover) : null,
      patches: this.c.api.seriesPatches(s.id).map((p) => this.patchEmbedded(p)),
    };
  }

  /** PatchListSerializer for these patches, in order (states and checks read at once). */
  patches(rows: ApiMessageRow[]): Json[] {
    const nums = rows.map((r) => r.num);
    const states = patchStates(this.c.db, nums);
    const checks = checksOf(this.c.db, nums);
    this.knowPeople(rows.map((r) => r.fromAddr));
    const series = new Map<number, ApiSeriesRow | undefined>();
    return rows.map((m) => {
      if (!series.has(m.seriesId)) series.set(m.seriesId, this.c.api.series(m.seriesId));
      const s = series.get(m.seriesId);
      const state = states.get(m.num);
      return {
        id: m.num,
        url: `${this.base}/patches/${m.num}/`,
        web_url: messageUrl(this.c.origin, this.inboxName(m.inboxId), m.mid),
        project: this.projectOf(m.inboxId),
        msgid: `<${m.mid}>`,
        list_archive_url: messageUrl(this.c.origin, this.inboxName(m.inboxId), m.mid),
        date: pwDate(m.ds),
        name: cleanSubject(m.subject).name,
        commit_ref: state?.commit ?? null,
        pull_url: null,
        state: state?.state ?? 'new',
        archived: false,
        hash: m.patchId,
        submitter: this.submitter(m.fromAddr, m.fromNames),
        delegate: null,
        mbox: `${messageUrl(this.c.origin, this.inboxName(m.inboxId), m.mid)}patch.mbox`,
        series: s ? [this.seriesEmbedded(s)] : [],
        comments: `${this.base}/patches/${m.num}/comments/`,
        check: combinedCheck(checks.get(m.num) ?? []),
        checks: `${this.base}/patches/${m.num}/checks/`,
        tags: {},
        related: [],
      };
    });
  }

  /** CoverList shapes. */
  covers(rows: ApiMessageRow[]): Json[] {
    this.knowPeople(rows.map((r) => r.fromAddr));
    return rows.map((m) => {
      const s = this.c.api.series(m.seriesId);
      return {
        ...this.coverEmbedded(m),
        project: this.projectOf(m.inboxId),
        submitter: this.submitter(m.fromAddr, m.fromNames),
        series: s ? [this.seriesEmbedded(s)] : [],
        comments: `${this.base}/covers/${m.num}/comments/`,
      };
    });
  }

  checkEmbedded(c: CheckRow): Json {
    return {
      id: c.id,
      url: `${this.base}/patches/${c.num}/checks/${c.id}/`,
      date: pwDate(c.date),
      state: c.state,
      target_url: c.targetUrl,
      context: c.context,
    };
  }

  /** CheckSerializer. */
  check(c: CheckRow): Json {
    return {
      id: c.id,
      url: `${this.base}/patches/${c.num}/checks/${c.id}/`,
      user: this.user(c.userId, c.user),
      date: pwDate(c.date),
      state: c.state,
      target_url: c.targetUrl,
      context: c.context,
      description: c.description,
    };
  }

  /** EventSerializer: category, project, date, actor and the payload of its category. */
  event(e: EventRow, refs: { check?: CheckRow; change?: StateChangeRow }): Json {
    const payload: Json = {};
    const patch = e.patch === null ? undefined : this.c.api.patch(e.patch);
    const series = e.series === null ? undefined : this.c.api.series(e.series);
    const cover = e.cover === null ? undefined : this.c.api.cover(e.cover);
    if (patch) payload.patch = this.patchEmbedded(patch);
    if (series && (e.category === 'series-created' || e.category === 'series-completed'))
      payload.series = this.seriesEmbedded(series);
    if (cover) payload.cover = this.coverEmbedded(cover);
    let actor: Json | null = null;
    if (refs.check) {
      payload.check = this.checkEmbedded(refs.check);
      actor = this.user(refs.check.userId, refs.check.user);
    }
    if (refs.change) {
      payload.previous_state = refs.change.previous;
      payload.current_state = refs.change.current;
      actor = this.user(refs.change.userId, refs.change.user);
    }
    return { id: e.id, category: e.category, project: this.projectOf(e.inboxId), date: pwDate(e.date), actor, payload };
  }
}

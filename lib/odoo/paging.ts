import { badInput, classifyError, IntegrationError } from '../errors';
import type { Context, Domain, OdooClient, OdooRecord } from './client';

/**
 * Where a paged read stands after the pages already handed out: the next
 * read starts after `lastId` (default order) or at `offset` (custom order),
 * `records` were delivered in `page` pages. A failed read carries it in
 * `msg.error.details.resume`; given back as `msg.odoo.resume` it continues there.
 */
export interface ResumePoint {
  lastId?: number;
  offset?: number;
  records: number;
  page: number;
}

export interface Page {
  records: OdooRecord[];
  /** 0-based number of this page. */
  page: number;
  /** Index of its first record among all records of the read. */
  first: number;
  /** No page follows: known when the page arrives, nothing is held back to find out. */
  last: boolean;
  /** Where a read that fails after this page continues. */
  next: ResumePoint;
}

export interface PageRequest {
  domain?: Domain;
  fields?: string[];
  limit?: number;
  offset?: number;
  order?: string;
  context?: Context;
  pageSize?: number;
  resume?: ResumePoint;
}

/**
 * search_read one server-side page at a time. With the default order it pages
 * by id (`id > last`), which stays correct when records are added during the
 * read; with a custom order it pages by offset. Each page asks one record more
 * than it hands out, so whether it is the last one is known when it arrives.
 */
export async function* searchReadPages(client: OdooClient, model: string, o: PageRequest): AsyncGenerator<Page> {
  const pageSize = o.pageSize ?? 500;
  const domain = o.domain ?? [];
  const byId = !o.order || /^\s*id(\s+asc)?\s*$/i.test(o.order);
  const fields = o.fields && o.fields.length && byId && !o.fields.includes('id') ? [...o.fields, 'id'] : o.fields;
  if (o.resume && !byId && o.resume.offset === undefined) throw badInput(`msg.odoo.resume: this read pages by offset (order "${o.order}"), the resume point has only a lastId; it belongs to another read`);
  let at: ResumePoint = o.resume ?? { records: 0, page: 0, ...(byId ? { lastId: 0 } : {}), offset: o.offset ?? 0 };
  let remaining = (o.limit ?? Infinity) - at.records;
  while (remaining > 0) {
    const want = Math.min(pageSize, remaining);
    // one record past the page tells whether another page follows (not needed when the limit ends here)
    const ask = want < remaining ? want + 1 : want;
    const lastId = at.lastId ?? 0;
    let got: OdooRecord[];
    try {
      got = byId
        ? await client.searchRead(model, { fields, domain: lastId ? ['&', ['id', '>', lastId], ...andAll(domain)] : domain, order: 'id asc', limit: ask, offset: lastId ? 0 : (at.offset ?? 0), ...(o.context ? { context: o.context } : {}) })
        : await client.searchRead(model, { fields, domain, order: o.order, limit: ask, offset: at.offset ?? 0, ...(o.context ? { context: o.context } : {}) });
    } catch (err) {
      throw withResume(err, at);
    }
    const records = got.slice(0, want);
    const last = got.length <= want || records.length === remaining;
    if (records.length === 0) return;
    const next: ResumePoint = byId
      ? { lastId: Number(records[records.length - 1]?.id ?? 0), records: at.records + records.length, page: at.page + 1 }
      : { offset: (at.offset ?? 0) + records.length, records: at.records + records.length, page: at.page + 1 };
    yield { records, page: at.page, first: at.records, last, next };
    if (last) return;
    at = next;
    remaining -= records.length;
  }
}

/** `read` of many ids, one page of ids at a time; resumes at an offset into the ids. */
export async function* readPagesOfIds(client: OdooClient, model: string, ids: number[], o: { fields?: string[]; context?: Context; pageSize?: number; resume?: ResumePoint }): AsyncGenerator<Page> {
  const pageSize = o.pageSize ?? 500;
  if (o.resume && o.resume.offset === undefined) throw badInput('msg.odoo.resume: a read of ids resumes at an offset into them; this resume point has only a lastId and belongs to another read');
  let at: ResumePoint = o.resume ?? { offset: 0, records: 0, page: 0 };
  for (let i = at.offset ?? 0; i < ids.length; i += pageSize) {
    let records: OdooRecord[];
    try {
      records = await client.read(model, ids.slice(i, i + pageSize), o.fields, o.context);
    } catch (err) {
      throw withResume(err, at);
    }
    const next: ResumePoint = { offset: i + pageSize, records: at.records + records.length, page: at.page + 1 };
    yield { records, page: at.page, first: at.records, last: i + pageSize >= ids.length, next };
    at = next;
  }
}

/** The error of a failed page, saying where to continue: `details.resume`. */
function withResume(err: unknown, at: ResumePoint): IntegrationError {
  const e = classifyError(err);
  const { source: _source, ...fields } = e.toMsgError();
  return new IntegrationError({ ...fields, details: { ...(e.details ?? {}), resume: at } });
}

/** `msg.odoo.resume` as a failed read left it in `msg.error.details.resume`. */
export function resumePointFrom(value: unknown): ResumePoint | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const count = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  const ok = typeof value === 'object' && count(v.records) && count(v.page) && (v.lastId === undefined || count(v.lastId)) && (v.offset === undefined || count(v.offset)) && (v.lastId !== undefined || v.offset !== undefined);
  if (!ok) throw badInput(`msg.odoo.resume must be a resume point as a failed read gives it in msg.error.details.resume ({lastId | offset, records, page}), got ${JSON.stringify(value)}`);
  return { records: v.records as number, page: v.page as number, ...(v.lastId !== undefined ? { lastId: v.lastId as number } : {}), ...(v.offset !== undefined ? { offset: v.offset as number } : {}) };
}

/** A domain's leaves implicitly AND together; prefix one explicit `&` per missing operator so it composes. */
export function andAll(domain: Domain): Domain {
  if (domain.length === 0) return [[1, '=', 1]];
  let terms = 0;
  let operators = 0;
  for (const t of domain) {
    if (t === '&' || t === '|') operators++;
    else if (t !== '!') terms++;
  }
  const missing = Math.max(0, terms - 1 - operators);
  return [...Array<string>(missing).fill('&'), ...domain];
}

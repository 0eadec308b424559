import { badInput, classifyError, IntegrationError } from '../errors';
import type { Context, Domain, OdooClient, OdooRecord } from './client';
import type { ReadNodeOptions } from './options';
import { readPagesOfIds, searchReadPages, type Page, type ResumePoint } from './paging';

export interface ReadRequest extends Omit<ReadNodeOptions, 'model' | 'context'> {
  model: string;
  domain: Domain;
  context?: Context;
  /** msg.payload: ids for `read`, the search text for `name_search`. */
  input?: unknown;
  /** Continue a failed paged read (`msg.odoo.resume`). */
  resume?: ResumePoint;
}

/**
 * `search_read` and `read` page by page (output modes `page` and `record`):
 * each page is handed out as soon as it arrives and says whether it is the
 * last; a failed page throws an error with `details.resume`.
 */
export function readPages(client: OdooClient, r: ReadRequest): AsyncGenerator<Page> {
  const resume = r.resume ? { resume: r.resume } : {};
  if (r.operation === 'read') return readPagesOfIds(client, r.model, idsFrom(r.input), { fields: r.fields, pageSize: r.pageSize, ...(r.context ? { context: r.context } : {}), ...resume });
  return searchReadPages(client, r.model, {
    domain: r.domain,
    fields: r.fields,
    pageSize: r.pageSize,
    ...(r.limit !== undefined ? { limit: r.limit } : {}),
    ...(r.offset !== undefined ? { offset: r.offset } : {}),
    ...(r.order ? { order: r.order } : {}),
    ...(r.context ? { context: r.context } : {}),
    ...resume,
  });
}

/** A read's output in chunks: one chunk for single-answer operations, one per page for search_read. */
export async function* readChunks(client: OdooClient, r: ReadRequest): AsyncGenerator<unknown> {
  const context = r.context ? { context: r.context } : {};
  switch (r.operation) {
    case 'search_read':
    case 'read':
      for await (const page of readPages(client, r)) yield page.records;
      return;
    case 'search':
      yield await client.search(r.model, { domain: r.domain, ...(r.limit !== undefined ? { limit: r.limit } : {}), ...(r.offset !== undefined ? { offset: r.offset } : {}), ...(r.order ? { order: r.order } : {}), ...context });
      return;
    case 'search_count':
      yield await client.searchCount(r.model, r.domain, r.context);
      return;
    case 'read_group':
      if (r.groupby.length === 0) throw badInput('read_group needs at least one group-by field');
      yield await client.readGroup(r.model, { domain: r.domain, groupby: r.groupby, aggregates: r.aggregates.length ? r.aggregates : ['__count'], ...(r.limit !== undefined ? { limit: r.limit } : {}), ...(r.offset !== undefined ? { offset: r.offset } : {}), ...(r.order ? { order: r.order } : {}), ...context });
      return;
    case 'name_search':
      yield await client.nameSearch(r.model, { name: typeof r.input === 'string' ? r.input : '', domain: r.domain, ...(r.limit !== undefined ? { limit: r.limit } : {}), ...(r.offset !== undefined ? { offset: r.offset } : {}), ...context });
      return;
    case 'fields_get':
      yield await client.fieldsGet(r.model, undefined, r.context);
      return;
  }
}

/** Everything at once (output mode "all"): pages are concatenated; other answers pass through. */
export async function readAll(client: OdooClient, r: ReadRequest): Promise<unknown> {
  if (r.operation !== 'search_read' && r.operation !== 'read') {
    for await (const chunk of readChunks(client, r)) return chunk;
  }
  const records: OdooRecord[] = [];
  try {
    for await (const page of readChunks(client, r)) records.push(...(page as OdooRecord[]));
  } catch (err) {
    // nothing was sent: a resume point past the pages fetched so far would skip them
    const e = classifyError(err);
    if (!e.details?.resume) throw e;
    const { resume: _resume, ...details } = e.details;
    const { source: _source, details: _details, ...fields } = e.toMsgError();
    throw new IntegrationError({ ...fields, ...(Object.keys(details).length ? { details } : {}) });
  }
  return records;
}

export function idsFrom(input: unknown): number[] {
  const list = Array.isArray(input) ? input : [input];
  const ids = list.map((x) => (typeof x === 'object' && x !== null && 'id' in x ? (x as { id: unknown }).id : x));
  const bad = ids.find((x) => !Number.isInteger(x) || (x as number) <= 0);
  if (ids.length === 0 || bad !== undefined) throw badInput(`read needs msg.payload to be a record id or a list of ids, got ${JSON.stringify(bad ?? input)}`);
  return ids as number[];
}

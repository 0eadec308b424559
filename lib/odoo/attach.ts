/**
 * Audit trail: the supplier's original file, attached to the Odoo document it
 * became (a vendor bill, the purchase order an acknowledgement updated, the
 * receipt a shipment notice announced), once however often the message is
 * delivered.
 *
 * canonical-map keeps the file it read on `msg.original` ({name, data});
 * its Odoo plans mark the write that produces or notes the document
 * (`msg.odoo.attach`); odoo-write, with its "attach the original file"
 * option, then attaches it through the one writer of its Odoo connection
 * (`attach`: found by checksum on the record before it is created) and links
 * it to a chatter note that names the correlation id.
 */
import { createHash } from 'node:crypto';
import { extension, lookup } from 'mime-types';
import { classifyError, withEffect } from '../errors';
import type { OdooClient, OdooRecord } from './client';
import { executeWrite, type Executed, type MessageIdentity } from './execute';
import type { EffectiveWriteOptions } from './options';
import { recordsOf, type OdooWriter, type WriteResult } from './writer';

export interface OriginalFile {
  /** The supplier's file name (no directory). */
  name: string;
  data: Buffer;
}

/** A file name without any directory part or control characters; never used as a local path. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean && clean !== '.' && clean !== '..' ? clean.slice(0, 255) : 'supplier-file';
}

/** The MIME type Odoo would guess from the extension (Python's mimetypes and this table agree on the usual ones). */
export function mimetypeOf(name: string): string {
  return lookup(name) || 'application/octet-stream';
}

/**
 * The original file of a message whose payload is a whole file (supplier-sftp,
 * supplier-intake, file-in): named by `msg.file.name`, else after the upload
 * (supplier, document, time, and an extension from its content type or
 * the format it was read as).
 */
export function originalOfMessage(msg: { payload?: unknown; file?: unknown; filename?: unknown; intake?: unknown }, format?: string): OriginalFile | undefined {
  const p = msg.payload;
  const data = typeof p === 'string' ? Buffer.from(p, 'utf8') : p instanceof Uint8Array ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : undefined;
  if (!data || !data.length) return undefined;
  const fileName = (msg.file as { name?: unknown } | undefined)?.name ?? msg.filename;
  if (typeof fileName === 'string' && fileName.trim()) return { name: safeFileName(fileName), data };
  const intake = msg.intake as { supplier?: unknown; document?: unknown; receivedAt?: unknown; contentType?: unknown } | undefined;
  if (intake && typeof intake.supplier === 'string') {
    // the upload's content type, else the format the mapping read it as (csv, json, xlsx)
    const declared = typeof intake.contentType === 'string' ? extension(intake.contentType) : false;
    const ext = (declared && declared !== 'bin' ? declared : undefined) ?? format ?? 'bin';
    const at = typeof intake.receivedAt === 'string' ? `-${intake.receivedAt.replace(/[:.]/g, '').replace(/Z$/, '')}` : '';
    return { name: safeFileName(`${intake.supplier}-${String(intake.document ?? 'upload')}${at}.${ext}`), data };
  }
  return undefined;
}

/** msg.original as kept by canonical-map (a Buffer, restored from a journal as one too). */
export function originalFile(v: unknown): OriginalFile | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { name?: unknown; data?: unknown };
  const data = Buffer.isBuffer(o.data) ? o.data : o.data instanceof Uint8Array ? Buffer.from(o.data) : undefined;
  if (!data || !data.length) return undefined;
  return { name: safeFileName(typeof o.name === 'string' ? o.name : ''), data };
}

export function sha1Of(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

export interface Attached {
  /** The ir.attachment id. */
  id: number;
  res_model: string;
  res_id: number;
  action: 'attached' | 'unchanged';
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** The file on each record, once (see OdooWriter's `attach`). */
export async function attachFile(writer: OdooWriter, model: string, resIds: number[], file: OriginalFile): Promise<Attached[]> {
  const datas = file.data.toString('base64');
  const mimetype = mimetypeOf(file.name);
  const ids = [...new Set(resIds)];
  const results = await Promise.all(ids.map((res_id) => writer.submit({ operation: 'attach', model, record: { res_id, name: file.name, datas, mimetype } })));
  return results.map((r, n) => ({ id: r.id as number, res_model: model, res_id: ids[n] as number, action: r.action === 'attached' ? 'attached' : 'unchanged' }));
}

const chatters = new WeakMap<OdooClient, Map<string, Promise<boolean>>>();

/**
 * Whether records of `model` have a chatter (mail.thread's `message_ids`),
 * asked once per connection and model through fields_get: whoever may read the
 * model may ask, while ir.model (is_mail_thread) is closed to a user without
 * Access Rights (seen on a real Odoo 19 as the least-privilege integration user).
 */
export function hasChatter(client: OdooClient, model: string): Promise<boolean> {
  let known = chatters.get(client);
  if (!known) chatters.set(client, (known = new Map()));
  let answer = known.get(model);
  if (!answer) {
    answer = client.fieldsGet(model, ['type', 'relation']).then((f) => f.message_ids?.type === 'one2many' && f.message_ids?.relation === 'mail.message');
    answer.catch(() => known?.delete(model));
    known.set(model, answer);
  }
  return answer;
}

/** The ids of the documents a write produced or touched: a note's `res_id`, a write's `id`, a create's result. */
function documentIds(operation: string, records: OdooRecord[], ex: Executed): number[] {
  return ex.okRows.flatMap((row, k) => {
    const r = records[row] as OdooRecord;
    if (operation === 'note') return [r.res_id as number];
    const id = (ex.results[k] as WriteResult).id;
    return Array.isArray(id) ? id : [id];
  });
}

/**
 * One odoo-write message with its original file. A note (an acknowledgement,
 * a shipment notice) gets the file attached to its record first and carries
 * it in the chatter; any other write (a vendor bill) is written first, then
 * the file is attached to each document written and a note naming the file
 * and the correlation id links it. A failure after the write leaves the
 * message to be sent again: the write, the attachment and the note are each
 * done once.
 */
export async function executeWithOriginal(client: OdooClient, writer: OdooWriter, o: EffectiveWriteOptions, model: string, payload: unknown, identity: MessageIdentity, file: OriginalFile, correlationId?: string): Promise<Executed & { attachments: Attached[] }> {
  const records = recordsOf(payload);
  const effect = (err: unknown): never => {
    throw withEffect(classifyError(err), { applied: 'unknown', idempotent: true });
  };
  if (o.operation === 'note') {
    const attachments = await attachFile(writer, model, records.map((r) => r.res_id as number), file);
    const withFile = records.map((r) => ({ ...r, attachment_ids: attachments.filter((a) => a.res_id === r.res_id).map((a) => a.id) }));
    const ex = await executeWrite(client, writer, o, model, Array.isArray(payload) ? withFile : withFile[0], identity);
    return { ...ex, attachments };
  }
  const ex = await executeWrite(client, writer, o, model, payload, identity);
  const docs = [...new Set(documentIds(o.operation, records, ex))];
  if (!docs.length) return { ...ex, attachments: [] };
  const attachments = await attachFile(writer, model, docs, file).catch(effect);
  // a model without a chatter (no mail.thread) keeps the file; there is no note to link it from
  if (!(await hasChatter(client, model).catch(effect))) return { ...ex, attachments };
  const sum = sha1Of(file.data);
  const body = `<p>Original file <strong>${escapeHtml(file.name)}</strong> from the supplier attached (${file.data.length} bytes, SHA-1 ${sum.slice(0, 12)})${correlationId ? `; correlation id ${escapeHtml(correlationId)}` : ''}.</p>`;
  await Promise.all(
    attachments.map((a) =>
      // once per document and file, whatever message delivers it
      writer.submit({ operation: 'note', model, record: { res_id: a.res_id, body, attachment_ids: [a.id] }, idempotencyKey: `original:${model}:${a.res_id}:${sum}` }),
    ),
  ).catch(effect);
  return { ...ex, attachments };
}

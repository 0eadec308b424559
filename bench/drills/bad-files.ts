/**
 * The supplier part of the bad-input drill: ACME price lists that do not fit ACME's mapping
 * (mappings/acme-tools.price-list.json: semicolon CSV, UTF-8 or windows-1252), sent through
 * the committed flow flows/supplier-price-sync.json the two ways it takes them: HTTP upload
 * (POST /suppliers/acme-tools/price-list) and the supplier's SFTP folder (when the drill can
 * run the real sshd). Each must be refused at the intake (HTTP 4xx with a reason) or end in
 * the flow's dead-letter store ('parked: not planned') with a reason that names the problem
 * (checked against what each kind of file is), and no row of any of them in Odoo.
 */
import * as iconv from 'iconv-lite';
import fs from 'node:fs';
import path from 'node:path';
import type { Sshd } from '../../sandbox/sftp/sshd';
import { deadLetters, sleep, type DeadLetter, type DrillRuntime, type DrillSandbox } from './harness';
import { ACME_DIR, ACME_HEADER, ACME_TOKEN } from './supplier';

export interface BadFile {
  kind: string;
  data: Buffer;
  /** What the reason must say. */
  reason: RegExp;
}

/** Rows that would be valid vendor prices, if the file could be read: product codes <prefix>-<kind>-<n>. */
function rows(kind: string, prefix = 'BAD', qty = 7000): string {
  return [1, 2].map((j) => `${prefix}-${kind}-${j};Schraubendreher für Möbel ${j};FURN_100${j};12,5${j};EUR;${qty + j};Stk;5;01.01.2026;31.12.2026;`).join('\r\n');
}

export function badFiles(): BadFile[] {
  const csv = (kind: string) => `${ACME_HEADER}\r\n${rows(kind)}\r\n`;
  const iberia = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'mappings', 'iberia-packaging.price-list.sample.csv'));
  return [
    { kind: 'utf-16be', data: Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(csv('utf-16be'), 'utf16-be')]), reason: /UTF-16 big-endian/ },
    { kind: 'utf-16be-no-bom', data: iconv.encode(csv('utf-16be-no-bom'), 'utf16-be'), reason: /UTF-16 big-endian without a byte order mark/ },
    { kind: 'dos-code-page', data: iconv.encode(csv('dos-code-page'), 'cp850'), reason: /"Währung".*another encoding/ },
    { kind: 'xml', data: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Preisliste><Artikel nr="BAD-xml-1"><Preis>12,50</Preis></Artikel></Preisliste>\n`), reason: /looks like XML/ },
    { kind: 'empty', data: Buffer.alloc(0), reason: /empty/ },
    { kind: 'header-only', data: Buffer.from(`${ACME_HEADER}\r\n`), reason: /header but no data rows/ },
    { kind: 'comma-separated', data: Buffer.from(csv('comma-separated').split('\r\n').map((l) => l.split(';').map((c) => (c.includes(',') ? `"${c}"` : c)).join(',')).join('\r\n')), reason: /separated by ",", not ";"/ },
    { kind: 'xlsx-as-csv', data: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), Buffer.alloc(64, 0x20)]), reason: /ZIP archive/ },
    { kind: 'other-supplier-format', data: iberia, reason: /"Art\.-Nr\.".* not in the header.*"Código"/ },
  ];
}

interface Sent {
  kind: string;
  via: 'http' | 'sftp';
  name?: string;
  /** HTTP: the answer, and the upload's id when it was accepted. */
  status?: number;
  id?: string;
  statusUrl?: string;
  refusal?: string;
}

export interface BadFilesResult {
  sent: number;
  /** The good control files (one per way in) whose two rows are in Odoo. */
  controls: number;
  controls_applied: number;
  dead_lettered: number;
  refused_at_intake: number;
  missing: string[];
  twice: number;
  in_odoo: number;
  unreadable: number;
  wrong_reason: string[];
  /** HTTP uploads whose status URL does not say `failed` with the reason. */
  status_not_failed: string[];
  reasons: Record<string, string>;
  sftp: boolean;
}

/** Sends every bad file (HTTP, and SFTP when there is an sshd); call `settle` once the flow had its time. */
export async function sendBadFiles(rt: DrillRuntime, sshd: Sshd | undefined): Promise<{ files: BadFile[]; sent: Sent[] }> {
  const files = badFiles();
  const sent: Sent[] = [];
  // one good price list each way first: the routes work, so "nothing in Odoo" means something
  // (each its own minimum quantity: the vendor price key is supplier, product, quantity, start date)
  const good = (via: string) => Buffer.from(`${ACME_HEADER}\r\n${rows(via, 'OK', via === 'http' ? 8000 : 8100)}\r\n`, 'utf8');
  const res = await fetch(`${rt.httpUrl}/suppliers/acme-tools/price-list`, { method: 'POST', headers: { Authorization: `Bearer ${ACME_TOKEN}`, 'Content-Type': 'text/csv' }, body: new Uint8Array(good('http')) });
  if (res.status !== 202) throw new Error(`the good control upload was answered ${res.status}: ${await res.text()}`);
  if (sshd) sshd.put(`${sshd.home}/${ACME_DIR}/good-control.csv`, good('sftp'), new Date(Date.now() - 60_000));
  for (const f of files) {
    const res = await fetch(`${rt.httpUrl}/suppliers/acme-tools/price-list`, { method: 'POST', headers: { Authorization: `Bearer ${ACME_TOKEN}`, 'Content-Type': 'text/csv' }, body: new Uint8Array(f.data) });
    const body = (await res.json().catch(() => ({}))) as { id?: string; statusUrl?: string; error?: { message?: string } };
    sent.push({ kind: f.kind, via: 'http', status: res.status, ...(body.id ? { id: body.id } : {}), ...(body.statusUrl ? { statusUrl: body.statusUrl } : {}), ...(res.status >= 400 ? { refusal: String(body.error?.message ?? '') } : {}) });
    if (sshd) {
      const name = `bad-${f.kind}.csv`;
      sshd.put(`${sshd.home}/${ACME_DIR}/${name}`, f.data, new Date(Date.now() - 60_000));
      sent.push({ kind: f.kind, via: 'sftp', name });
    }
  }
  return { files, sent };
}

const readable = (m: string | undefined) => !!m && m.length >= 12 && !/[\u0000-\u0008\u000e-\u001f]/.test(m) && !/^(error|undefined|null|\[object Object\])$/i.test(m);

export async function settleBadFiles(rt: DrillRuntime, sandbox: DrillSandbox, files: BadFile[], sent: Sent[], ms: number): Promise<BadFilesResult> {
  const match = (dead: DeadLetter[], s: Sent) =>
    dead.filter((d) => {
      const m = d.msg as { intake?: { id?: string }; file?: { name?: string } };
      return s.via === 'http' ? m.intake?.id === s.id : m.file?.name === s.name;
    });
  const until = Date.now() + ms;
  let dead: DeadLetter[] = [];
  const load = async () => [...(await deadLetters(rt, 'sps-dead')), ...(await deadLetters(rt, 'sps-wdead'))];
  const vias = [...new Set(sent.map((s) => s.via))];
  const controlsIn = async () => {
    const ok = await sandbox.vendorPrices('ACME-TOOLS', 'OK-');
    return vias.filter((v) => [1, 2].every((j) => ok.some((p) => p.product_code === `OK-${v}-${j}`))).length;
  };
  for (;;) {
    dead = await load();
    if ((sent.every((s) => s.refusal !== undefined || match(dead, s).length > 0) && (await controlsIn()) === vias.length) || Date.now() > until) break;
    await sleep(250);
  }
  await sleep(1000);
  dead = await load();
  const result: BadFilesResult = { sent: sent.length, controls: vias.length, controls_applied: await controlsIn(), dead_lettered: 0, refused_at_intake: 0, missing: [], twice: 0, in_odoo: 0, unreadable: 0, wrong_reason: [], status_not_failed: [], reasons: {}, sftp: sent.some((s) => s.via === 'sftp') };
  for (const s of sent) {
    const f = files.find((x) => x.kind === s.kind) as BadFile;
    const label = `${s.via}:${s.kind}`;
    let reason: string | undefined;
    if (s.refusal !== undefined) {
      result.refused_at_intake++;
      reason = `HTTP ${s.status}: ${s.refusal}`;
    } else {
      const m = match(dead, s);
      if (!m.length) {
        result.missing.push(label);
        continue;
      }
      result.dead_lettered++;
      if (m.length > 1) result.twice++;
      reason = `${m[0]?.error.code ?? ''}: ${m[0]?.error.message ?? ''}`;
      if (s.statusUrl) {
        // what the supplier sees at its status URL
        const st = (await (await fetch(s.statusUrl, { headers: { Authorization: `Bearer ${ACME_TOKEN}` } })).json().catch(() => ({}))) as { state?: string; error?: { message?: string } };
        if (st.state !== 'failed' || st.error?.message !== m[0]?.error.message) result.status_not_failed.push(`${label} (${st.state})`);
      }
    }
    if (!readable(reason.replace(/^[A-Z_]*: /, '').replace(/^HTTP \d+: /, ''))) result.unreadable++;
    if (!f.reason.test(reason)) result.wrong_reason.push(label);
    result.reasons[label] = reason.length > 240 ? `${reason.slice(0, 120)} … ${reason.slice(-110)}` : reason;
  }
  result.in_odoo = (await sandbox.vendorPrices('ACME-TOOLS', 'BAD-')).length;
  return result;
}

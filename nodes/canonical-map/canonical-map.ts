import { classifyError, configError } from '../../lib/errors';
import { throttledStatus } from '../shared/status';
import { LookupCache } from '../../lib/odoo/lookup';
import { compileMapping } from '../../lib/canonical/mapping';
import { tryFile } from '../../lib/canonical/file';
import { listSchemas } from '../../lib/canonical/registry';
import { TO_ODOO_SCHEMAS } from '../../lib/canonical/to-odoo';
import { mapStreamToCanonical, mapToCanonical, mergeFailures, orderIdsOf, planCanonicalToOdoo, purchaseOrdersOutcome, supplierFilesOutcome, type Outcome } from '../../lib/canonical/flow';
import { isStreamPayload } from '../../lib/canonical/stream';
import { originalOfMessage } from '../../lib/odoo/attach';
import { canonicalMapConfig, schemaOf, type CanonicalMapConfig } from '../../lib/canonical/options';
import type { OdooConfigNode } from '../shared/odoo-server';
import { errorOutputWired, sendError } from '../shared/outputs';
import { meterOf } from '../shared/metrics';
import type { Done, Node, NodeDef, NodeMessage, RED, Request, Response } from '../shared/red';
import { migrations } from './migrations';
import { migratedOptions } from '../shared/migrate';

export = function (RED: RED) {
  function CanonicalMap(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    let config: CanonicalMapConfig | undefined;
    let problem: Error | undefined;
    try {
      config = canonicalMapConfig(def);
      node.status({ fill: 'grey', shape: 'dot', text: config.direction === 'to-canonical' ? config.mapping.schema.id : config.direction });
    } catch (err) {
      problem = classifyError(err);
      node.error(`canonical-map configuration is invalid: ${problem.message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('canonical-map.status.invalid') });
    }
    const server = def.server ? (RED.nodes.getNode(String(def.server)) as OdooConfigNode | null) : null;
    let lookups: LookupCache | undefined;

    const meter = meterOf(node);
    // per message, so at most every 250 ms
    const status = throttledStatus(node);
    node.on('close', () => status.stop());
    node.on('input', async (msg: NodeMessage, send: (m: unknown) => void, done: Done) => {
      meter.received++;
      try {
        if (!config) throw configError(`canonical-map is not configured correctly: ${problem?.message ?? 'see the deploy log'}`);
        let outcome: Outcome;
        let schemaId: string;
        let original: unknown;
        if (config.direction === 'to-canonical' && isStreamPayload(msg.payload)) {
          // a large file as a stream: one message per chunk of rows, as each is ready
          const id = config.mapping.schema.id;
          const canonical = { schema: id.split('@')[0], version: Number(id.split('@')[1]), id };
          const source = { id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) };
          const r = await mapStreamToCanonical(config.mapping, msg.payload, config.perRow, (o, chunk) => {
            for (const ok of o.ok) send([{ ...msg, payload: ok.payload, canonical: { ...canonical, chunk, rows: ok.rows ?? [] } }, null]);
            for (const f of o.failed) send([null, { ...msg, payload: f.payload, canonical: { ...canonical, chunk }, error: f.error.toMsgError(source) }]);
          });
          node.status({ fill: 'green', shape: 'dot', text: RED._('canonical-map.status.chunks', { chunks: r.chunks, rows: r.rows }) });
          meter.ok++;
          done();
          return;
        }
        if (config.direction === 'from-odoo') {
          if (!server) throw configError('from Odoo needs an Odoo server to read the purchase orders');
          schemaId = 'purchase-order@1';
          outcome = await purchaseOrdersOutcome(server.client(), orderIdsOf(msg.payload, msg.odoo), config.perRow);
        } else if (config.direction === 'to-supplier') {
          schemaId = config.outbound.spec.schema;
          outcome = await supplierFilesOutcome(config.outbound, msg.payload, { revision: msg.revision, correlationId: msg.correlationId, sentAt: new Date().toISOString() });
        } else if (config.direction === 'to-canonical') {
          schemaId = config.mapping.schema.id;
          outcome = await mapToCanonical(config.mapping, msg.payload, config.perRow);
          // the file as the supplier sent it travels on (no copy), for odoo-write to attach to what it becomes;
          // on one message only: per-row output would put a copy in every journal entry a row may end in
          if (outcome.ok.length === 1) original = msg.original ?? originalOfMessage(msg, outcome.file?.format);
        } else {
          if (!server) throw configError('to Odoo needs an Odoo server to look up ids');
          lookups ??= new LookupCache(server.client(), config.cacheTtlMs);
          schemaId = schemaOf(config.schema, msg.canonical);
          const rows = (msg.canonical as { rows?: unknown } | undefined)?.rows;
          outcome = await planCanonicalToOdoo(schemaId, msg.payload, lookups, Array.isArray(rows) ? (rows as number[]) : undefined, typeof msg.correlationId === 'string' ? { correlationId: msg.correlationId } : {});
        }
        const [name, version] = schemaId.split('@');
        // how the file was read travels on to the Odoo plan: an upload's outcome counts its lines by it
        const upstream = (config.direction === 'to-odoo' ? msg.canonical : undefined) as { file?: unknown; skipped?: unknown } | undefined;
        const skipped = outcome.skipped ?? upstream?.skipped;
        const file = outcome.file ?? upstream?.file;
        const canonical = { schema: name, version: Number(version), id: schemaId, ...(skipped ? { skipped } : {}), ...(file ? { file } : {}) };
        // how many of these writes carry each row: a row is applied once all of them are (an upload's outcome counts them)
        const carried = new Map<number, number>();
        for (const ok of outcome.ok) for (const r of ok.rows ?? []) carried.set(r, (carried.get(r) ?? 0) + 1);
        outcome.ok.forEach((ok, k) => {
          const plan = config?.direction === 'to-odoo' && ok.rows ? { plan: { write: k + 1, of: outcome.ok.length, needs: Object.fromEntries(ok.rows.map((r) => [r, carried.get(r)])) } } : {};
          const out: NodeMessage = { ...msg, payload: ok.payload, canonical: { ...canonical, ...(ok.rows ? { rows: ok.rows } : {}), ...plan }, ...(ok.odoo ? { odoo: ok.odoo } : {}), ...(ok.extra ?? {}), ...(original ? { original } : {}) };
          // a planned write that is not the document the file became does not carry the file's bytes on
          if (config?.direction === 'to-odoo' && !ok.odoo?.attach) delete out.original;
          send([out, null]);
        });
        const good = outcome.ok.length;
        if (good) meter.ok++;
        const bad = outcome.failed.length;
        status.set(() => ({ fill: bad ? 'yellow' : 'green', shape: 'dot', text: RED._('canonical-map.status.result', { good, bad }) }));
        if (!bad) {
          done();
          return;
        }
        if (!errorOutputWired(def)) {
          // one done(err) per message: Catch gets every failed row and every problem at once
          const all = mergeFailures(outcome.failed);
          sendError(node, def, msg, all.error, send, done, { payload: all.payload, canonical });
          return;
        }
        // every failed group but the last goes out here; the last one completes the message
        outcome.failed.slice(0, -1).forEach((f) => send([null, { ...msg, payload: f.payload, canonical, error: f.error.toMsgError({ id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) }) }]));
        const last = outcome.failed[bad - 1] as Outcome['failed'][number];
        sendError(node, def, msg, last.error, send, done, { payload: last.payload, canonical });
      } catch (err) {
        // a consumed stream is no payload to keep: the file stays on the server, msg.file says which
        sendError(node, def, msg, err, send, done, isStreamPayload(msg.payload) ? { payload: null } : {});
      }
    });
  }
  RED.nodes.registerType('canonical-map', CanonicalMap);

  /** Editor: the canonical objects and the fields a mapping can target. */
  RED.httpAdmin.get('/canonical-map/schemas', RED.auth.needsPermission('canonical-map.read'), (_req: Request, res: Response) => {
    res.json(
      listSchemas().map((s) => ({
        id: s.id,
        name: s.name,
        version: s.version,
        description: s.description,
        targetFields: s.targetFields,
        toOdoo: (TO_ODOO_SCHEMAS as readonly string[]).includes(s.id),
        fields: s.targetFields.flatMap((p) => {
          const f = s.fieldByPath.get(p);
          return f ? [{ path: p, kind: f.kind, required: f.required, expected: f.expected, ...(f.description ? { description: f.description } : {}), ...(f.values ? { values: f.values } : {}) }] : [];
        }),
      })),
    );
  });

  /** Editor "Try it": a sample supplier payload through the mapping being edited, nothing deployed. */
  RED.httpAdmin.post('/canonical-map/try', RED.auth.needsPermission('canonical-map.write'), (req: Request, res: Response) => {
    const body = req.body ?? {};
    Promise.resolve()
      .then(async () => {
        let spec: unknown = body.mapping;
        if (typeof spec === 'string') spec = JSON.parse(spec);
        const mapping = compileMapping(spec);
        // a pasted file is read exactly as at runtime, so the row numbers are the same file lines
        if (typeof body.sampleText === 'string') {
          const read = await tryFile(body.sampleText, mapping.spec);
          if ('fileError' in read) return res.json({ ok: true, schema: mapping.schema.id, fileError: read.fileError, valid: [], invalid: [], skippedBlank: [], skippedDuplicate: [] });
          const many = await mapping.mapMany(read.rows, read.rowNumbers);
          return res.json({ ok: true, schema: mapping.schema.id, file: { format: read.format, rows: read.rows.length }, valid: many.valid, invalid: many.invalid.map(({ row, problems }) => ({ row, problems })), skippedBlank: many.skippedBlank, skippedDuplicate: many.skippedDuplicate });
        }
        let sample: unknown = body.sample;
        if (typeof sample === 'string') sample = JSON.parse(sample);
        const rows = Array.isArray(sample) ? sample : [sample];
        const many = await mapping.mapMany(rows);
        res.json({ ok: true, schema: mapping.schema.id, valid: many.valid, invalid: many.invalid.map(({ row, problems }) => ({ row, problems })), skippedBlank: many.skippedBlank, skippedDuplicate: many.skippedDuplicate });
      })
      .catch((err: unknown) => {
        const e = err as { issues?: unknown; message?: string };
        res.status(400).json({ ok: false, error: { message: e.message ?? String(err), issues: e.issues } });
      });
  });
};

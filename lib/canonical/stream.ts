/**
 * A large CSV file read as a stream and mapped row chunk by row chunk, so a
 * 200 MB file never sits whole in memory: the same encoding rules, header
 * check, file lines and duplicate detection (across chunks) as a whole file.
 *
 * What cannot be known before the end: a file that stops being valid UTF-8
 * far down fails there (the rows before it were already sent), and "no data
 * rows" is known at the end. The encoding is decided on the first megabyte.
 */
import { IntegrationError } from '../errors';
import { CsvReader } from './csv';
import { checkColumns, csvDialect, decodeCp1252, csvFailure, csvOptions, CsvRows, decodeFile, fileError, invalidUtf8At, mappedColumns, sniffFormat } from './file';
import type { CompiledMapping, MapManyResult } from './mapping';
import type { MappingSpec } from './spec';

export interface RowChunk {
  rows: Record<string, unknown>[];
  rowNumbers: number[];
  /** 0-based chunk number. */
  index: number;
  last: boolean;
  columns: string[];
  encoding: string;
}

const HEAD_BYTES = 1 << 20;

function streamingDecoder(encoding: string): { decode(b: Uint8Array, o?: { stream: boolean }): string } {
  // single-byte encodings decode byte by byte: no state between chunks
  if (encoding === 'iso-8859-1') return { decode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1') };
  if (encoding === 'windows-1252') return { decode: (b) => decodeCp1252(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) };
  return new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
}

/** Reads a CSV byte stream in chunks of `chunkRows` rows; throws the same file-level errors as a whole file. */
export async function* readSupplierStream(source: AsyncIterable<Uint8Array>, spec: Pick<MappingSpec, 'fields' | 'input'>, chunkRows: number): AsyncGenerator<RowChunk> {
  const input = spec.input;
  const it = source[Symbol.asyncIterator]();
  // the head decides encoding and format, as for a whole file
  const headParts: Uint8Array[] = [];
  let headSize = 0;
  let ended = false;
  while (headSize < HEAD_BYTES) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    headParts.push(r.value);
    headSize += r.value.length;
  }
  const head = Buffer.concat(headParts);
  if (input?.format && input.format !== 'csv') throw fileError('format', `only CSV files can be read in row chunks (this mapping reads ${input.format.toUpperCase()}): raise the size limit to read it whole`);
  const sniffed = sniffFormat(head, undefined);
  if (head.length === 0 || head.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)) {
    if (input?.emptyFile === 'ok' && ended) return;
    throw fileError('empty', head.length === 0 ? 'the file is empty (0 bytes)' : 'the file is empty (only whitespace)', { size: head.length });
  }
  if (sniffed !== 'csv') throw fileError('format', `the file looks like ${sniffed === 'zip' ? 'an XLSX workbook' : sniffed.toUpperCase()}, but this mapping reads CSV`, { detected: sniffed, expected: 'csv' });
  // decide the encoding on the head; a multi-byte character cut at its end is not an error
  let probe = head;
  if (!ended) {
    const at = invalidUtf8At(head);
    if (at >= 0 && at >= head.length - 3) probe = head.subarray(0, at);
  }
  const decided = decodeFile(probe, input);
  const encoding = decided.encoding;
  const decoder = streamingDecoder(encoding);
  const skipBom = decided.bom ? (encoding === 'utf-8' ? 3 : 2) : 0;
  const mapped = mappedColumns(spec);
  const dialect = csvDialect(input, decided.text, mapped);
  const reader = new CsvReader(csvOptions(dialect));
  const rowsOf = new CsvRows();
  let rows: Record<string, unknown>[] = [];
  let rowNumbers: number[] = [];
  let index = 0;
  let checked = false;
  let dataRows = 0;
  let bytesIn = 0;
  const feed = (bytes: Uint8Array, final: boolean) => {
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: !final });
    } catch {
      throw fileError('encoding', `the file stops being valid UTF-8 after byte ${bytesIn} (rows before it were already read): it is probably windows-1252; set input.encoding`, { encoding, offset: bytesIn });
    }
    bytesIn += bytes.length;
    try {
      reader.push(text, final, (cells, line) => rowsOf.add(cells, line, rows, rowNumbers));
    } catch (err) {
      throw csvFailure(err, dialect);
    }
    if (!checked && rowsOf.columns !== undefined) {
      checked = true;
      checkColumns(rowsOf.columns, mapped, input, { format: 'csv', encoding, where: `header (line ${rowsOf.headerLine})`, csv: { dialect, text: decided.text, bytes: head, separatorGiven: input?.csv?.separator !== undefined && input.csv.separator !== 'auto', encodingGiven: input?.encoding !== undefined && input.encoding !== 'auto' } });
    }
  };
  const take = function* (final: boolean): Generator<RowChunk> {
    while (rows.length >= chunkRows || (final && rows.length)) {
      const n = Math.min(chunkRows, rows.length);
      const chunk: RowChunk = { rows: rows.slice(0, n), rowNumbers: rowNumbers.slice(0, n), index: index++, last: false, columns: rowsOf.columns ?? [], encoding };
      rows = rows.slice(n);
      rowNumbers = rowNumbers.slice(n);
      dataRows += n;
      if (final && !rows.length) chunk.last = true;
      yield chunk;
    }
  };
  feed(skipBom ? head.subarray(skipBom) : head, ended);
  yield* take(ended);
  while (!ended) {
    const r = await it.next();
    if (r.done) break;
    feed(r.value, false);
    yield* take(false);
  }
  if (!ended) {
    feed(new Uint8Array(0), true);
    yield* take(true);
  }
  if (rowsOf.columns === undefined) throw fileError('empty', 'the file has no header line');
  if (dataRows === 0) {
    if (input?.emptyFile === 'ok') {
      yield { rows: [], rowNumbers: [], index, last: true, columns: rowsOf.columns, encoding };
      return;
    }
    throw fileError('no-data-rows', `the file (header on line ${rowsOf.headerLine}) has a header but no data rows`, { columns: rowsOf.columns });
  }
}

export interface MappedChunk extends MapManyResult {
  index: number;
  last: boolean;
  encoding: string;
}

/** Maps a CSV stream chunk by chunk; duplicates are found across the whole file. `onChunk` may wait (backpressure). */
export async function mapSupplierStream(mapping: CompiledMapping, source: AsyncIterable<Uint8Array>, chunkRows: number, onChunk: (chunk: MappedChunk) => unknown): Promise<{ chunks: number; rows: number }> {
  const session = mapping.session();
  let chunks = 0;
  let rows = 0;
  for await (const c of readSupplierStream(source, mapping.spec, chunkRows)) {
    const result = await session.mapMany(c.rows, c.rowNumbers);
    chunks++;
    rows += c.rows.length;
    await onChunk({ ...result, index: c.index, last: c.last, encoding: c.encoding });
  }
  return { chunks, rows };
}

export function isStreamPayload(payload: unknown): payload is AsyncIterable<Uint8Array> {
  return typeof payload === 'object' && payload !== null && typeof (payload as { pipe?: unknown }).pipe === 'function' && typeof (payload as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

export { IntegrationError };

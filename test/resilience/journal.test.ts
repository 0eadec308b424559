import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileIo, Journal, JournalIo } from '../../lib/resilience/journal';

const dirs: string[] = [];
function tmpFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
  dirs.push(dir);
  return path.join(dir, 'sub', 'j.log');
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('Journal', () => {
  it('keeps what it accepted across a reopen, in order, with deletes applied; files are 0600', async () => {
    const file = tmpFile();
    const j = await Journal.open<{ n: number }>(file);
    await Promise.all([j.put('a', { n: 1 }), j.put('b', { n: 2 }), j.put('c', { n: 3 })]);
    await j.delete('b');
    await j.put('a', { n: 10 });
    await j.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const k = await Journal.open<{ n: number }>(file);
    expect([...k.entries()]).toEqual([
      ['c', { n: 3 }],
      ['a', { n: 10 }],
    ]);
    await k.close();
  });

  it('groups concurrent writes into few fsyncs', async () => {
    const j = await Journal.open(tmpFile());
    await Promise.all(Array.from({ length: 5000 }, (_, i) => j.put(`k${i}`, { i })));
    expect(j.count).toBe(5000);
    // one for the first write, then a handful for everything that queued meanwhile
    expect(j.fsyncs).toBeLessThan(20);
    await j.close();
  });

  it('cuts off a torn last record after a crash and keeps every whole one', async () => {
    const file = tmpFile();
    const j = await Journal.open(file);
    for (let i = 0; i < 10; i++) await j.put(`k${i}`, { i, text: 'x'.repeat(50) });
    await j.close();
    const whole = fs.statSync(file).size;
    // a crash half way through the 11th record: its head and part of its body reached the disk
    const k = await Journal.open(file);
    await k.put('k10', { i: 10, text: 'y'.repeat(50) });
    await k.close();
    fs.truncateSync(file, whole + 20);
    const r = await Journal.open(file);
    expect(r.count).toBe(10);
    expect(r.recovery).toEqual({ records: 10, live: 10, tornBytes: 20 });
    expect(fs.statSync(file).size).toBe(whole);
    // appends after recovery start on a record boundary
    await r.put('k11', { i: 11 });
    await r.close();
    const again = await Journal.open(file);
    expect(again.get('k11')).toEqual({ i: 11 });
    expect(again.count).toBe(11);
    await again.close();
  });

  it('stops at a corrupt record (bad checksum) and keeps what came before', async () => {
    const file = tmpFile();
    const j = await Journal.open(file);
    await j.put('a', { v: 'first' });
    await j.put('b', { v: 'second' });
    await j.close();
    const buf = fs.readFileSync(file);
    buf[buf.length - 3] = (buf[buf.length - 3] as number) ^ 0xff;
    fs.writeFileSync(file, buf);
    const r = await Journal.open(file);
    expect([...r.entries()].map(([k]) => k)).toEqual(['a']);
    expect(r.recovery.tornBytes).toBeGreaterThan(0);
    await r.close();
  });

  it('compacts superseded records away and keeps the live ones', async () => {
    const file = tmpFile();
    const j = await Journal.open(file, { compactMinRecords: 100, compactRatio: 2 });
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 50 }, (_, i) => j.put(`k${i}`, { round })));
    for (let i = 0; i < 40; i++) await j.delete(`k${i}`);
    expect(j.compactions).toBeGreaterThan(0);
    await j.close();
    const r = await Journal.open<{ round: number }>(file);
    expect(r.count).toBe(10);
    expect(r.recovery.records).toBeLessThan(100);
    expect(r.get('k45')).toEqual({ round: 4 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await r.close();
  });

  it('on a write error (full disk) rejects the whole group, keeps nothing of it, and goes on after', async () => {
    const file = tmpFile();
    let full = false;
    const io: JournalIo = {
      async write(fh, buf) {
        if (full) {
          // half the bytes reach the file, then the disk is full
          await fileIo.write(fh, buf.subarray(0, buf.length >> 1));
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        }
        await fileIo.write(fh, buf);
      },
      sync: fileIo.sync,
    };
    const j = await Journal.open(file, { io });
    await j.put('kept', { ok: true });
    full = true;
    await expect(j.put('lost', { ok: false })).rejects.toThrow(/journal write failed \(ENOSPC\): nothing of it was accepted/);
    expect(j.has('lost')).toBe(false);
    full = false;
    await j.put('after', { ok: true });
    await j.close();
    const r = await Journal.open(file);
    expect([...r.entries()].map(([k]) => k)).toEqual(['kept', 'after']);
    expect(r.recovery.tornBytes).toBe(0);
    await r.close();
  });

  it('refuses a value JSON cannot hold (circular) on its own, and the other writes of the group go through', async () => {
    const j = await Journal.open(tmpFile());
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const results = await Promise.allSettled([j.put('ok1', { n: 1 }), j.put('bad', circular), j.put('ok2', { n: 2 })]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/cannot write this value to the journal: .*circular/i);
    expect([...j.entries()].map(([k]) => k)).toEqual(['ok1', 'ok2']);
    await j.close();
  });

  it('refuses writes after close', async () => {
    const j = await Journal.open(tmpFile());
    await j.close();
    await expect(j.put('a', 1)).rejects.toThrow(/closed/);
  });
});

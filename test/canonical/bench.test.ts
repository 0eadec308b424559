/** The benchmark's baseline must compute what canonical-map computes, or the ratio means nothing. */
import { run, buildBaseline, makeRows } from '../../bench/canonical-map';

describe('bench/canonical-map', () => {
  it('runs small and returns the agreed keys, printing nothing in json mode (the runner prints)', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const out = await run({ json: true, rows: 1500, baselineRows: 300, repeats: 1 });
      expect(Object.keys(out)).toEqual(['rows', 'seconds', 'rows_per_s', 'baseline_rows_per_s', 'ratio', 'file_rows_per_s', 'file_target_rows_per_s', 'file_target_met', 'file_vs_rows', 'file_note']);
      expect(out.file_rows_per_s).toBeGreaterThan(0);
      expect(out.file_note).toMatch(/target ≥ 100000: (met|NOT met)/);
      expect(out.rows).toBe(1500);
      expect(out.rows_per_s).toBeGreaterThan(0);
      expect(out.ratio).toBeCloseTo(out.rows_per_s / out.baseline_rows_per_s, 1);
      expect(log).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  it('the baseline function node rejects what the schema rejects', async () => {
    const baseline = buildBaseline();
    const [row] = makeRows(1);
    const ok = await baseline.process({ _msgid: '1', payload: row });
    expect(ok?.[0]).toBeTruthy();
    const bad = await baseline.process({ _msgid: '2', payload: { ...row, 'Art.-Nr.': 'A-2', Währung: 'EURO', 'Lieferzeit (Tage)': '2,5' } });
    expect(bad?.[0]).toBeNull();
    expect((bad?.[1] as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual(['currency', 'leadTimeDays']);
  });
});

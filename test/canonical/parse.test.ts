import { compileDate, compileNumberParser, scale, UnitTable, unitRatio, ZoneConverter, DateFailure } from '../../lib/canonical/parse';

describe('numbers', () => {
  const de = compileNumberParser({ decimal: ',', thousands: '.' });
  const plainComma = compileNumberParser({ decimal: ',' });
  const us = compileNumberParser({ decimal: '.', thousands: ',' });
  const se = compileNumberParser({ decimal: ',', thousands: ' ' });
  const ch = compileNumberParser({ decimal: '.', thousands: "'" });

  it.each([
    ['12,50', 12.5],
    ['1.234,50', 1234.5],
    ['1.234.567,891', 1234567.891],
    ['1234,5', 1234.5], // grouping is optional
    ['-0,75', -0.75],
    ['+3', 3],
    [',5', 0.5],
    ['0', 0],
  ])('decimal comma with thousands: %s → %d', (text, value) => {
    expect(de(text)).toBe(value);
  });

  it.each(['1.23,5', '12,', '1,2,3', '12.5', 'abc', '', '-', '1 234,5', '12,5x', '1..234', '.123,4', '1.2345'])(
    'rejects %p with decimal comma and "." thousands',
    (text) => {
      expect(de(text)).toBeUndefined();
    },
  );

  it('without a thousands separator a dot is an error, not a silent 1.234 → 1', () => {
    expect(plainComma('1.234,5')).toBeUndefined();
    expect(plainComma('1234,5')).toBe(1234.5);
  });

  it('reads US, Swedish (incl. no-break spaces) and Swiss formats', () => {
    expect(us('1,234,567.25')).toBe(1234567.25);
    expect(us('1.234,5')).toBeUndefined();
    expect(se('1 250,5')).toBe(1250.5);
    expect(se('1\u00a0250,5')).toBe(1250.5);
    expect(se('12\u202f345')).toBe(12345);
    expect(ch("1'250.75")).toBe(1250.75);
  });

  it('passes JSON numbers through and refuses other types', () => {
    expect(de(12.5)).toBe(12.5);
    expect(de(Number.NaN)).toBeUndefined();
    expect(de(Infinity)).toBeUndefined();
    expect(de(true)).toBeUndefined();
    expect(de(null)).toBeUndefined();
    expect(de({})).toBeUndefined();
  });

  it('gives exactly what Number() gives for the normalised text', () => {
    for (let i = 0; i < 5000; i++) {
      const int = Math.floor(Math.random() * 10 ** (1 + (i % 9)));
      const frac = String(Math.floor(Math.random() * 10 ** (i % 7))).padStart(i % 7, '0');
      const text = frac ? `${int},${frac}` : `${int}`;
      expect(plainComma(text)).toBe(Number(text.replace(',', '.')));
    }
    expect(plainComma('12345678901234567,89')).toBe(12345678901234567.89); // > 15 digits: the text path
  });

  it('rejects equal decimal and thousands separators at compile time', () => {
    expect(() => compileNumberParser({ decimal: ',', thousands: ',' })).toThrow(/both ","/);
  });
});

describe('dates', () => {
  const de = compileDate({ format: 'DD.MM.YYYY', tz: 'Europe/Berlin' }, 'date');
  const berlinTime = compileDate({ format: 'DD.MM.YYYY HH:mm', tz: 'Europe/Berlin' }, 'datetime');

  it('keeps the calendar date of date fields', () => {
    expect(de.convert('31.03.2026')).toBe('2026-03-31');
    expect(de.convert('01.01.2026')).toBe('2026-01-01');
    expect(compileDate({ format: 'MM/DD/YYYY' }, 'date').convert('12/31/2026')).toBe('2026-12-31');
    expect(compileDate({ format: 'D.M.YYYY' }, 'date').convert('1.4.2026')).toBe('2026-04-01');
    expect(compileDate({ format: 'YYYYMMDD' }, 'date').convert('20260229')).toBeInstanceOf(DateFailure);
    expect(compileDate({ format: 'YYYYMMDD' }, 'date').convert('20280229')).toBe('2028-02-29');
  });

  it('rejects impossible dates and other formats', () => {
    for (const bad of ['31.02.2026', '32.01.2026', '00.01.2026', '01.13.2026', '2026-03-31', '1.3.2026', '31.03.26', '', 'abc']) {
      expect(de.convert(bad)).toBeInstanceOf(DateFailure);
    }
    expect((de.convert('31.02.2026') as DateFailure).reason).toMatch(/no such calendar date/);
    expect(berlinTime.convert('31.03.2026 24:00')).toBeInstanceOf(DateFailure);
    expect(de.convert(20260331)).toBeInstanceOf(DateFailure);
  });

  it('converts local times to UTC around the Berlin DST changes (Intl, no library)', () => {
    expect(berlinTime.convert('31.03.2026 02:30')).toBe('2026-03-31T00:30:00Z'); // CEST, +02:00
    expect(berlinTime.convert('28.03.2026 02:30')).toBe('2026-03-28T01:30:00Z'); // CET, +01:00
    expect(berlinTime.convert('29.03.2026 01:59')).toBe('2026-03-29T00:59:00Z'); // last minute of CET
    expect(berlinTime.convert('29.03.2026 03:00')).toBe('2026-03-29T01:00:00Z'); // first minute of CEST
    expect(berlinTime.convert('29.03.2026 02:30')).toBe('2026-03-29T01:30:00Z'); // gap: moved forward to 03:30 CEST
    expect(berlinTime.convert('25.10.2026 02:30')).toBe('2026-10-25T00:30:00Z'); // fold: the earlier (CEST) instant
    expect(berlinTime.convert('25.10.2026 03:30')).toBe('2026-10-25T02:30:00Z'); // CET again
  });

  it('follows the disambiguation setting in gaps and folds', () => {
    const earlier = compileDate({ format: 'DD.MM.YYYY HH:mm', tz: 'Europe/Berlin', disambiguation: 'earlier' }, 'datetime');
    const later = compileDate({ format: 'DD.MM.YYYY HH:mm', tz: 'Europe/Berlin', disambiguation: 'later' }, 'datetime');
    const reject = compileDate({ format: 'DD.MM.YYYY HH:mm', tz: 'Europe/Berlin', disambiguation: 'reject' }, 'datetime');
    expect(earlier.convert('29.03.2026 02:30')).toBe('2026-03-29T00:30:00Z');
    expect(later.convert('29.03.2026 02:30')).toBe('2026-03-29T01:30:00Z');
    expect(earlier.convert('25.10.2026 02:30')).toBe('2026-10-25T00:30:00Z');
    expect(later.convert('25.10.2026 02:30')).toBe('2026-10-25T01:30:00Z');
    expect(reject.convert('29.03.2026 02:30')).toBeInstanceOf(DateFailure);
    expect((reject.convert('25.10.2026 02:30') as DateFailure).reason).toMatch(/DST/);
    expect(reject.convert('31.03.2026 02:30')).toBe('2026-03-31T00:30:00Z');
  });

  it('handles zones on other continents and half-hour offsets', () => {
    const ny = compileDate({ format: 'MM/DD/YYYY HH:mm', tz: 'America/New_York' }, 'datetime');
    expect(ny.convert('03/08/2026 01:30')).toBe('2026-03-08T06:30:00Z'); // EST
    expect(ny.convert('03/08/2026 03:30')).toBe('2026-03-08T07:30:00Z'); // EDT
    expect(ny.convert('03/08/2026 02:30')).toBe('2026-03-08T07:30:00Z'); // gap → 03:30 EDT
    const kolkata = compileDate({ format: 'YYYY-MM-DD HH:mm:ss', tz: 'Asia/Kolkata' }, 'datetime');
    expect(kolkata.convert('2026-03-31 09:00:00')).toBe('2026-03-31T03:30:00Z');
    const sydney = compileDate({ format: 'DD/MM/YYYY HH:mm', tz: 'Australia/Sydney' }, 'datetime');
    expect(sydney.convert('05/04/2026 02:30')).toBe('2026-04-04T15:30:00Z'); // fold, earlier = AEDT (+11)
    const withMs = compileDate({ format: 'YYYY-MM-DDTHH:mm:ss.SSS', tz: 'UTC' }, 'datetime');
    expect(withMs.convert('2026-03-31T10:00:00.250')).toBe('2026-03-31T10:00:00.250Z');
  });

  it('reads ISO 8601 with and without offset', () => {
    const iso = compileDate({ format: 'ISO', tz: 'Europe/Stockholm' }, 'datetime');
    expect(iso.convert('2026-03-31T09:15:00+02:00')).toBe('2026-03-31T07:15:00Z');
    expect(iso.convert('2026-03-31T09:15:00Z')).toBe('2026-03-31T09:15:00Z');
    expect(iso.convert('2026-03-31 09:15')).toBe('2026-03-31T07:15:00Z');
    expect(iso.convert('2026-01-15T09:15:00.5-0500')).toBe('2026-01-15T14:15:00.500Z');
    const noZone = compileDate({ format: 'ISO' }, 'datetime');
    expect((noZone.convert('2026-03-31T09:15:00') as DateFailure).reason).toMatch(/no UTC offset/);
  });

  it('takes the calendar date in dateTz when the source is a point in time', () => {
    const odoo = compileDate({ format: 'YYYY-MM-DD HH:mm:ss', tz: 'UTC', dateTz: 'Europe/Berlin' }, 'date');
    expect(odoo.convert('2026-03-31 22:30:00')).toBe('2026-04-01');
    expect(odoo.convert('2026-03-31 21:30:00')).toBe('2026-03-31');
    const iso = compileDate({ format: 'ISO', tz: 'Europe/Madrid' }, 'date');
    expect(iso.convert('2026-03-31T23:30:00Z')).toBe('2026-04-01');
    expect(iso.convert('2026-03-31')).toBe('2026-03-31');
    expect(compileDate({ format: 'ISO' }, 'date').convert('2026-03-31T23:30:00Z')).toBe('2026-03-31');
    expect(odoo.convert(new Date('2026-03-31T22:30:00Z'))).toBe('2026-04-01');
  });

  it('refuses bad formats and zones when compiling', () => {
    expect(() => compileDate({ format: 'dd.mm.yyyy' }, 'date')).toThrow(/unknown token "dd".*did you mean DD/);
    expect(() => compileDate({ format: 'DD.MM.YY' }, 'date')).toThrow(/four-digit/);
    expect(() => compileDate({ format: 'DD.MM.YYYY hh:mm', tz: 'UTC' }, 'datetime')).toThrow(/24-hour/);
    expect(() => compileDate({ format: 'MM.YYYY' }, 'date')).toThrow(/needs a year.*day/);
    expect(() => compileDate({ format: 'DD.MM.YYYY', tz: 'Europe/Berlni' }, 'date')).toThrow(/unknown time zone "Europe\/Berlni"/);
    expect(() => compileDate({ format: 'DD.MM.YYYY HH:mm' }, 'datetime')).toThrow(/needs "tz"/);
    expect(() => compileDate({ format: 'DD.MM.YYYY', tz: 'UTC', dateTz: 'Europe/Berlin' }, 'date')).toThrow(/time of day/);
  });

  it('caches zone offsets per quarter hour without changing answers', () => {
    const z = new ZoneConverter('Europe/Berlin');
    const wall = Date.UTC(2026, 2, 29, 3, 0);
    expect(z.toUtc(wall)).toBe(Date.UTC(2026, 2, 29, 1, 0));
    expect(z.toUtc(wall + 60_000)).toBe(Date.UTC(2026, 2, 29, 1, 1)); // same slot, from the cache
    expect(z.toUtc(Date.UTC(2026, 2, 29, 1, 59))).toBe(Date.UTC(2026, 2, 29, 0, 59));
  });
});

describe('units', () => {
  const table = new UnitTable({ Box50: { unit: 'Units', factor: 50 }, Pallet: { unit: 'Box50', factor: 40 } });

  it('finds built-in and custom units, case-insensitively', () => {
    expect(table.get('kg')?.factor).toBe(1000);
    expect(table.get('KG')?.name).toBe('kg');
    expect(table.get('l')?.name).toBe('L');
    expect(table.get('Pallet')).toEqual({ name: 'Pallet', category: 'count', factor: 2000 });
    expect(table.get('Kiste')).toBeUndefined();
    expect(() => new UnitTable({ Crate: { unit: 'Kisten', factor: 2 } })).toThrow(/unknown unit "Kisten"/);
  });

  it('converts quantities and per-unit prices without binary noise', () => {
    const u = (n: string) => table.get(n)!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
    const r = (from: string, to: string, perUnit = false) => unitRatio(u(from), u(to), perUnit);
    expect(scale(1.1, r('kg', 'g').mul, r('kg', 'g').div)).toBe(1100);
    expect(scale(2.5, r('Dozens', 'Units').mul, r('Dozens', 'Units').div)).toBe(30);
    expect(scale(1234.5, r('Dozens', 'Units', true).mul, r('Dozens', 'Units', true).div)).toBe(102.875);
    expect(scale(39.9, r('Box50', 'Units', true).mul, r('Box50', 'Units', true).div)).toBe(0.798);
    expect(scale(1500.5, r('g', 'kg').mul, r('g', 'kg').div)).toBe(1.5005);
    expect(scale(0.3, r('t', 'kg').mul, r('t', 'kg').div)).toBe(300);
    expect(scale(750, r('ml', 'L').mul, r('ml', 'L').div)).toBe(0.75);
  });

  it('rounds to 15 significant digits like Number(x.toPrecision(15)), at most one unit off in the last digit on ties', () => {
    for (let i = 0; i < 20_000; i++) {
      const v = Math.random() * 10 ** ((i % 12) - 4);
      const mul = [1, 12, 1000, 50, 1][i % 5];
      const div = [12, 1, 7, 1000, 3][i % 5];
      const expected = Number(((v * mul) / div).toPrecision(15));
      const got = scale(v, mul, div);
      expect(Math.abs(got - expected)).toBeLessThanOrEqual(Math.abs(expected) * 2e-14); // one unit in the 15th digit, plus an ulp
    }
  });
});

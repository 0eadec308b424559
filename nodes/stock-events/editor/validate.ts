/** Editor-side checks of stock-events' numbers: the same bounds as lib/inventory/options.ts (zod), in words from the catalog. */
export function intRule(t: (key: string) => string, min: number, max: number) {
  // two parameters: Node-RED then shows the returned message instead of a bare red border
  return function (value: unknown, _options?: unknown): boolean | string {
    if (value === '' || value === undefined || value === null) return true;
    const n = Number(value);
    return Number.isInteger(n) && n >= min && n <= max ? true : t('stock-events.validation.range').replace('__min__', String(min)).replace('__max__', String(max));
  };
}

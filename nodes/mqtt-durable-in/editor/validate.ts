/** Editor-side checks of mqtt-durable-in's options: the same rules as lib/mqtt-durable-in (zod), in words from the catalog. */
type Rule = (value: unknown, _options?: unknown) => boolean | string;

/** A broker URL, or an ${ENV} reference resolved at deploy. Two parameters: Node-RED then shows the returned message. */
export function urlRule(t: (key: string) => string): Rule {
  return (value, _options) => {
    const v = String(value ?? '').trim();
    return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(v) || /^(mqtts?|wss?|tcp|tls):\/\/./.test(v) ? true : t('mqtt-durable-in.validation.url');
  };
}

export function requiredRule(t: (key: string) => string): Rule {
  return (value, _options) => (String(value ?? '').trim() ? true : t('mqtt-durable-in.validation.required'));
}

export function sessionsRule(t: (key: string) => string): Rule {
  return (value, _options) => {
    const n = Number(value);
    return String(value ?? '') === '' || (Number.isInteger(n) && n >= 1 && n <= 64) ? true : t('mqtt-durable-in.validation.sessions');
  };
}

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

/** Empty (no limit), or a whole number of bytes from 1 to 256 MiB. */
export function maxBytesRule(t: (key: string) => string): Rule {
  return (value, _options) => {
    const v = String(value ?? '').trim();
    const n = Number(v);
    return v === '' || (Number.isInteger(n) && n >= 1 && n <= 256 * 1024 * 1024) ? true : t('mqtt-durable-in.validation.maxBytes');
  };
}

/** Empty, or a payload property path such as eventId or header.id. */
export function propertyRule(t: (key: string) => string): Rule {
  return (value, _options) => {
    const v = String(value ?? '').trim();
    return v === '' || /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(v) ? true : t('mqtt-durable-in.validation.property');
  };
}

import type { Migration } from '../../lib/migrations';

/**
 * mqtt-durable-in option versions; the newest step's `to` is what the node saves now.
 * When the options change shape, add a step `{ to: 2, change: '...', up: (o) => ... }`
 * and a test that loads a flow saved with version 1.
 */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'first version',
    up: (o) => o,
  },
  {
    to: 2,
    change: 'maxBytes (largest payload read) and correlationFrom (payload property → msg.correlationId); a flow saved before keeps no limit and sets no correlation id',
    up: (o) => ({ ...o, maxBytes: o.maxBytes ?? '', correlationFrom: o.correlationFrom ?? '' }),
  },
];

/**
 * Acknowledgement tokens: an input that must not let go of a message before
 * the flow holds it durably (mqtt-durable-in) puts a token on the message
 * (msg._ack, a string, so it survives message clones); the node that stores it
 * (stock-events, retry-gate, dead-letter) calls acknowledge(msg). In-process only.
 */
export const ACK_PROPERTY = '_ack';

const waiting = new Map<string, () => void>();

/** Registers what acknowledging `token` does. */
export function awaitAck(token: string, ack: () => void): void {
  waiting.set(token, ack);
}

/** Forgets `token` without acknowledging it; true when it was waiting. */
export function forgetAck(token: string): boolean {
  return waiting.delete(token);
}

/** Called by a node once it holds `msg` durably. A message without a token, or one acknowledged already, is a no-op. */
export function acknowledge(msg: unknown): void {
  const token = msg && typeof msg === 'object' ? (msg as Record<string, unknown>)[ACK_PROPERTY] : undefined;
  if (typeof token !== 'string') return;
  const ack = waiting.get(token);
  if (ack) {
    waiting.delete(token);
    ack();
  }
}

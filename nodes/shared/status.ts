import type { Node, NodeStatus } from './red';

type Status = NodeStatus;

/**
 * A node's status at most every `ms` (the last one wins, sent at the end of
 * the interval): a node that handles thousands of messages a second must not
 * send thousands of status events to the editor, nor translate as many texts.
 * `text` is called only when the status is sent.
 */
export function throttledStatus(node: Node, ms = 250): { set(status: () => Status): void; stop(): void } {
  let latest: (() => Status) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    if (!latest) return;
    last = Date.now();
    node.status(latest());
    latest = undefined;
  };
  return {
    set(status) {
      latest = status;
      if (timer) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      latest = undefined;
    },
  };
}

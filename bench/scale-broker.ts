/**
 * The embedded broker of the scale benchmark in a process of its own, so that its CPU
 * time is measured apart from the simulator's (the parent): it sends its url and pid over
 * IPC and closes on the parent's word.
 */
import { startEmbeddedBroker } from '../sandbox/plant/broker';

async function main(): Promise<void> {
  const broker = await startEmbeddedBroker();
  process.on('message', (m: { op: string }) => {
    if (m.op === 'close') void broker.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void broker.close().then(() => process.exit(0)));
  process.send?.({ ready: true, url: broker.url, pid: process.pid });
}

void main();

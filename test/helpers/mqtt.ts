/**
 * The MQTT broker of flow tests: MQTT_URL, else Mosquitto on 127.0.0.1:1883.
 * Probed synchronously so a test can be skipped, with its reason in its name,
 * where no broker answers.
 */
import { spawnSync } from 'node:child_process';

export const MQTT_URL = process.env.MQTT_URL || 'mqtt://127.0.0.1:1883';

function reachable(url: string): boolean {
  const { hostname, port } = new URL(url);
  const probe = `const s=require('net').connect(${Number(port) || 1883},${JSON.stringify(hostname)});s.setTimeout(1500);s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

export const mqttUp = reachable(MQTT_URL);
/** `it` where a broker answers; otherwise a skipped test that says why. */
export const itWithBroker = (name: string, fn: () => Promise<void>, timeout?: number) =>
  mqttUp ? it(name, fn, timeout) : it.skip(`${name} [skipped: no MQTT broker at ${MQTT_URL}; start Mosquitto or set MQTT_URL]`, fn, timeout);

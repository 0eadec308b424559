/** Editor definition of sftp-server; the dialog markup is in ../sftp-server.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode, type Validator } from '../../shared/editor/red';
import { migrations } from '../migrations';

const FINGERPRINT = /^(SHA256:)?[A-Za-z0-9+/]{43}=?$/;
const whole = (min: number, max: number): Validator => (v) => v === '' || v === undefined || (Number.isInteger(Number(v)) && Number(v) >= min && Number(v) <= max);

const fingerprints: Validator = function (v) {
  const mode = ($('#node-config-input-hostKeyCheck').val() as string | undefined) || this.hostKeyCheck;
  if (mode !== 'fingerprint') return true;
  const fps = String(v || '').split(/[\s,]+/).filter(Boolean);
  return fps.length > 0 && fps.every((f) => FINGERPRINT.test(f));
};

const envName: Validator = (v) => !v || /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(v));

red().nodes.registerType<EditorNode>('sftp-server', {
  category: 'config',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    host: { value: '', required: true },
    port: { value: 22, required: true, validate: whole(1, 65535) },
    username: { value: '', required: true },
    hostKeyCheck: { value: 'fingerprint' },
    fingerprint: { value: '', validate: fingerprints },
    knownHosts: { value: '' },
    algorithms: { value: '' },
    keepalive: { value: 30, validate: whole(0, 3600) },
    timeout: { value: 20, validate: whole(1, 600) },
    passwordEnv: { value: '', validate: envName },
    privateKeyEnv: { value: '', validate: envName },
    passphraseEnv: { value: '', validate: envName },
    privateKeyFile: { value: '' },
  },
  credentials: {
    password: { type: 'password' },
    privateKey: { type: 'password' },
    passphrase: { type: 'password' },
  },
  label() {
    if (this.name) return this.name;
    return (this.username ? `${this.username}@` : '') + (this.host || 'sftp') + (this.port && Number(this.port) !== 22 ? `:${this.port}` : '');
  },
  oneditprepare() {
    const toggle = () => {
      const mode = $('#node-config-input-hostKeyCheck').val();
      $('.sftp-fp-row').toggle(mode === 'fingerprint');
      $('.sftp-kh-row').toggle(mode === 'known_hosts');
      $('.sftp-any-warning').toggle(mode === 'accept-any');
    };
    $('#node-config-input-hostKeyCheck').on('change', toggle);
    toggle();
  },
});

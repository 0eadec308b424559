import { majorVersion, OdooClient } from '../../lib/odoo/client';
import { clientOptionsFromConfig, parseNodeOptions, readNodeSchema, testConnectionOptions, writeNodeSchema } from '../../lib/odoo/options';

describe('node configuration', () => {
  it('expands ${ENV} references in config values, never in the secret', () => {
    const env = { ODOO_URL: 'https://erp.example.com', ODOO_DB: 'prod', ODOO_KEY: 'k-123', ss: 'XX' };
    const o = clientOptionsFromConfig({ url: '${ODOO_URL}', database: '${ODOO_DB}', login: 'bot', protocol: 'auto', timeout: '10' }, 'k-typed', env);
    expect(o).toMatchObject({ url: 'https://erp.example.com', database: 'prod', login: 'bot', secret: 'k-typed', timeoutMs: 10_000, protocol: 'auto' });
    // answers are capped, generously by default
    expect(o.maxResponseBytes).toBe(256 * 1024 * 1024);
    expect(clientOptionsFromConfig({ url: 'http://x', maxResponseMb: '16' }, 'k').maxResponseBytes).toBe(16 * 1024 * 1024);
    // a password is what the user typed, `${` included; a secret from the environment is chosen with secretEnv
    expect(clientOptionsFromConfig({ url: 'http://x' }, 'pa${ss}word', env).secret).toBe('pa${ss}word');
    expect(clientOptionsFromConfig({ url: 'http://x' }, '${ODOO_KEY}', env).secret).toBe('${ODOO_KEY}');
  });

  it('never quotes a URL read from the environment: it may carry a user and password', () => {
    const env = { ODOO_URL: 'https://bot:s3cr3t-pw@[erp.example.com' };
    let message = '';
    try {
      new OdooClient(clientOptionsFromConfig({ url: '${ODOO_URL}', login: 'bot' }, 'k', env));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/not a valid URL/);
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('erp.example.com');
  });

  it('reads the major version of Odoo Online versions (saas~19.1) and others', () => {
    expect(['19.0', 'saas~19.1', 'saas~19.1+e', '19.0+e', '17.0', '18.0-20250101', 'x'].map(majorVersion)).toEqual([19, 19, 19, 19, 17, 18, 0]);
  });

  it('takes the secret from the variable named by secretEnv when no credential is stored', () => {
    const env = { ODOO_API_KEY: 'from-env' };
    expect(clientOptionsFromConfig({ url: 'http://x', secretEnv: 'ODOO_API_KEY' }, undefined, env).secret).toBe('from-env');
    expect(clientOptionsFromConfig({ url: 'http://x', secretEnv: 'ODOO_API_KEY' }, 'typed', env).secret).toBe('typed');
    expect(() => clientOptionsFromConfig({ url: 'http://x', secretEnv: 'not a name' }, undefined, env)).toThrow(/secretEnv: must be an environment variable name/);
    // a value from the environment never appears in an error: it may be the key itself
    const leak = { ODOO_API_KEY: 'sekrit-0123456789' };
    for (const props of [{ url: 'http://x', secretEnv: '${ODOO_API_KEY}' }, { url: '${ODOO_API_KEY}' }]) {
      let message = '';
      try {
        clientOptionsFromConfig(props, undefined, leak);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/must be/);
      expect(message).not.toContain('sekrit');
    }
  });

  it('Test connection: the deployed secret only for the deployed URL, database and login; ${ENV} only as deployed', () => {
    const env = { ODOO_URL: 'https://erp.example.com', AWS_SECRET: 'aws-123', ODOO_API_KEY: 'env-key' };
    const deployed = { props: { url: '${ODOO_URL}', database: 'prod', login: 'bot', secretEnv: '' }, secret: 'stored-key' };
    // Node-RED has replaced a whole-value ${ODOO_URL} before the node saw it
    const replaced = { props: { url: 'https://erp.example.com', database: 'prod', login: 'bot' }, secret: 'stored-key' };
    expect(testConnectionOptions({ url: '${ODOO_URL}', database: 'prod', login: 'bot' }, replaced, env)).toMatchObject({ url: 'https://erp.example.com', secret: 'stored-key' });
    expect(() => testConnectionOptions({ url: '${AWS_SECRET}', database: 'prod', login: 'bot' }, replaced, env)).toThrow(/url: environment variables are read only/);
    expect(testConnectionOptions({ url: '${ODOO_URL}', database: 'prod', login: 'bot', secret: '__PWRD__' }, deployed, env)).toMatchObject({ url: 'https://erp.example.com', secret: 'stored-key' });
    expect(() => testConnectionOptions({ url: 'https://elsewhere.example', database: 'prod', login: 'bot' }, deployed, env)).toThrow(/stored secret is only sent to the URL, database and login it was saved with/);
    expect(() => testConnectionOptions({ url: '${ODOO_URL}', database: 'other', login: 'bot' }, deployed, env)).toThrow(/stored secret/);
    expect(() => testConnectionOptions({ url: '${ODOO_URL}', database: 'prod', login: 'bot', secretEnv: 'AWS_SECRET' }, deployed, env)).toThrow(/stored secret/);
    expect(() => testConnectionOptions({ url: 'https://x.example', database: 'prod', login: 'bot' }, undefined, env)).toThrow(/stored secret/);
    // a typed secret may go anywhere; environment references in the body are read only where they are as deployed
    expect(testConnectionOptions({ url: 'https://elsewhere.example', secret: 'typed' }, deployed, env)).toMatchObject({ url: 'https://elsewhere.example', secret: 'typed' });
    expect(() => testConnectionOptions({ url: 'https://x.example/${AWS_SECRET}', secret: 'typed' }, deployed, env)).toThrow(/url: environment variables are read only for the deployed configuration/);
    expect(() => testConnectionOptions({ url: '${ODOO_URL}', secret: 'typed' }, undefined, env)).toThrow(/deploy it first/);
    // a typed secret never falls back to the environment named in the body
    expect(testConnectionOptions({ url: 'https://x.example', secret: 'typed', secretEnv: 'AWS_SECRET' }, undefined, env).secret).toBe('typed');
  });

  it('names each bad property in plain words', () => {
    expect(() => clientOptionsFromConfig({ url: 'ftp://x', timeout: -1, concurrency: 0 }, 's')).toThrow(/url: must be an http:\/\/ or https:\/\/ URL.*timeout: .*concurrency: /);
    expect(() => clientOptionsFromConfig({ url: 'http://x', context: '{lang' }, 's')).toThrow(/context: context is not valid JSON/);
    expect(() => parseNodeOptions(readNodeSchema, { model: 'Product Product' })).toThrow(/model: must be a technical model name/);
    expect(() => parseNodeOptions(writeNodeSchema, { operation: 'upsert', model: 'product.product' })).toThrow(/keyFields: upsert needs at least one key field/);
    expect(() => parseNodeOptions(writeNodeSchema, { operation: 'call', model: 'purchase.order' })).toThrow(/method: call needs a method name/);
  });

  it('fills defaults', () => {
    expect(parseNodeOptions(writeNodeSchema, { model: 'res.partner', keyFields: 'ref, name' })).toMatchObject({ operation: 'create', batchSize: 200, batchWindow: 50, keyFields: ['ref', 'name'] });
    expect(parseNodeOptions(readNodeSchema, { model: 'res.partner', fields: 'name,ref' })).toMatchObject({ operation: 'search_read', pageSize: 500, output: 'all', fields: ['name', 'ref'] });
  });
});

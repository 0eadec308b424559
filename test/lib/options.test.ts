import { clientOptionsFromConfig, parseNodeOptions, readNodeSchema, writeNodeSchema } from '../../lib/odoo/options';

describe('node configuration', () => {
  it('expands ${ENV} references in config values and the secret', () => {
    const env = { ODOO_URL: 'https://erp.example.com', ODOO_DB: 'prod', ODOO_KEY: 'k-123' };
    const o = clientOptionsFromConfig({ url: '${ODOO_URL}', database: '${ODOO_DB}', login: 'bot', protocol: 'auto', timeout: '10' }, '${ODOO_KEY}', env);
    expect(o).toMatchObject({ url: 'https://erp.example.com', database: 'prod', login: 'bot', secret: 'k-123', timeoutMs: 10_000, protocol: 'auto' });
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

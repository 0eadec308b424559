/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 30000,
  // a real Odoo (ODOO_URL) is asked its version once, so the contract suite knows its routes
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
};

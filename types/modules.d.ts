// node-red-node-test-helper ships no types; tests and benchmarks use it loosely.
declare module 'node-red-node-test-helper';

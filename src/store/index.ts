// The state store's public API: openStore picks SQLite or PostgreSQL; everything else is the interface.
export { DEFAULT_STORE_FILE, openStore } from './open.ts';
export * from './types.ts';

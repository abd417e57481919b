export { createDatabase, type Database } from './client.ts';
export * from './messages.ts';
export * from './postgres-errors.ts';
export * from './rooms.ts';

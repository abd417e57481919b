export { createDatabase, type Database } from './client.ts';
export type { Message } from './generated/client.ts';
export * from './messages.ts';
export * from './postgres-errors.ts';
export * from './rooms.ts';

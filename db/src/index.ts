export { createDatabase, type Database } from './client.ts';
export type { Message } from './generated/client.ts';

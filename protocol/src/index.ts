export * from './error-mapping.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './ids.ts';
export * from './kafka-record.ts';
export * from './limits.ts';
export * from './payloads.ts';
export * from './rooms.ts';

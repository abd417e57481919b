import type { StackService } from '../service.ts';
import { gateways } from './gateway.ts';
import { kafka } from './kafka.ts';
import { loadBalancer } from './load-balancer.ts';
import { persister } from './persister.ts';
import { postgres } from './postgres.ts';
import { redis } from './redis.ts';

/** Every process of the local stack, in start order. Later services depend on earlier ones. */
export const services: StackService[] = [redis, postgres, kafka, ...gateways, loadBalancer, persister];

export function serviceByName(name: string): StackService {
  const service = services.find((s) => s.name === name);
  if (!service)
    throw new Error(`unknown stack service "${name}"; known: ${services.map((s) => s.name).join(', ')}`);
  return service;
}

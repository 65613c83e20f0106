// Strategy executors by type. Its own module so that executors can register (and be replaced in
// tests and the demo, e.g. with other analysis providers) without importing the engine that uses them.
import type { Strategy } from '../config/schema.ts';
import type { StrategyExecutor } from './types.ts';

export const STRATEGIES: Partial<Record<Strategy['type'], StrategyExecutor>> = {};

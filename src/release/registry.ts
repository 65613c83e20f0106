// The strategy executors by kind: a static map typed against the schema's strategy kinds, so a new
// kind does not compile until it has an executor, and nothing registers itself at import time.
// How analysis runs (providers, metrics URL) is not chosen here but per request (`analysis`).
import type { Strategy } from '../config/schema.ts';
import { rollingStrategy } from './rolling.ts';
import { blueGreenStrategy } from './strategies/blue-green.ts';
import { canaryStrategy } from './strategies/canary.ts';
import type { StrategyExecutor } from './types.ts';

export const STRATEGIES: Readonly<Record<Strategy['type'], StrategyExecutor>> = Object.freeze({
  rolling: rollingStrategy,
  canary: canaryStrategy,
  blueGreen: blueGreenStrategy,
});

export function executorFor(strategy: Pick<Strategy, 'type'>): StrategyExecutor {
  return STRATEGIES[strategy.type];
}

// The pipeline, service and settings pages (filled in below as they are built).
import type { Hono } from 'hono';
import type { ServerDeps } from '../deps.ts';
import type { DashboardContext } from './index.ts';
import type { DashboardVariables } from './session.ts';

export function extraRoutes(
  _app: Hono<{ Variables: DashboardVariables }>,
  _deps: ServerDeps,
  _o: { actor: (c: DashboardContext) => string },
): void {}

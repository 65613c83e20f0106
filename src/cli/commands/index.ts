// Every command registers itself here; the list is the order `slipway --help` shows.
import type { Command } from '@commander-js/extra-typings';
import { registerApply } from './apply.ts';
import { registerApprovals } from './approvals.ts';
import { registerAudit } from './audit.ts';
import { registerCapacity } from './capacity.ts';
import { registerCluster } from './cluster.ts';
import { registerDemo } from './demo.ts';
import { registerDeploy } from './deploy.ts';
import { registerDiff } from './diff.ts';
import { registerFlag } from './flag.ts';
import { registerFreeze } from './freeze.ts';
import { registerGates } from './gates.ts';
import { registerHistory } from './history.ts';
import { registerInit } from './init.ts';
import { registerLint } from './lint.ts';
import { registerLogin } from './login.ts';
import { registerPlan } from './plan.ts';
import { registerPromote } from './promote.ts';
import { registerReleaseNotes } from './release-notes.ts';
import { registerRender } from './render.ts';
import { registerResume } from './resume.ts';
import { registerRollback } from './rollback.ts';
import { registerRuns } from './runs.ts';
import { registerServe } from './serve.ts';
import { registerStatus } from './status.ts';
import { registerToken } from './token.ts';
import { registerValues } from './values.ts';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerValues,
  registerRender,
  registerLint,
  registerCapacity,
  registerDiff,
  registerDeploy,
  registerStatus,
  registerHistory,
  registerRollback,
  registerResume,
  registerPlan,
  registerApply,
  registerPromote,
  registerGates,
  registerApprovals,
  registerFreeze,
  registerFlag,
  registerAudit,
  registerReleaseNotes,
  registerServe,
  registerToken,
  registerLogin,
  registerRuns,
  registerCluster,
  registerDemo,
];

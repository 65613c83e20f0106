// The operations layer: the only entry point that changes what runs. The CLI and the HTTP server call
// these functions and nothing below them; each identifies the user (context.ts), passes the gates
// (guard.ts: roles, freezes, approvals, audit) and records the outcome.
export { type ApplyOptions, type ApplyResult, applyEnvironment } from './apply.ts';
export {
  actorDetail,
  type ClusterAccess,
  type Identity,
  type OperationContext,
  operationContext,
} from './context.ts';
export { declareFreezeAll, liftFreezesAll } from './emergency-stop.ts';
export {
  type FlagInput,
  flagOutcome,
  rollbackFlagOperation,
  type SetFlagInput,
  setFlagOperation,
} from './flags.ts';
export {
  type DeclaredFreeze,
  declareFreeze,
  type LiftedFreezes,
  liftFreezes,
  listDeclaredFreezes,
} from './freeze.ts';
export { type GateSpec, passGates } from './guard.ts';
export { releasesSeen } from './history-source.ts';
export {
  approvePromotion,
  type PromotionOutcome,
  promote,
  type RunOptions,
  rejectPromotion,
} from './promotion.ts';
export { type PromotionRunResult, runPromotion, type ServiceOutcome } from './promotion-run.ts';
export {
  type DeployInput,
  deployService,
  type GateKind,
  gateRelease,
  type ReleaseTarget,
  resumeRelease,
  rollbackService,
} from './release.ts';

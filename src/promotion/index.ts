// The promotion module's public API, for the CLI and the HTTP server. Every operation is a plain async
// function taking the store, the loaded platform, the user and `now`; permission checks and audit
// entries happen inside, never at the edges.
export {
  type AuditHead,
  type AuditVerification,
  appendAudit,
  auditHead,
  listAudit,
  verifyAudit,
} from './audit.ts';
export {
  commitDesiredState,
  type DesiredStateChange,
  desiredVersions,
  promoteDesiredState,
  promoteDesiredStateWithChanges,
} from './desired-state.ts';
export {
  type ActiveFreeze,
  activeFreeze,
  type DeclaredFreeze,
  freezeInForce,
  freezeUntil,
  parseCron,
} from './freeze.ts';
export { type CurrentUser, currentUser, describeUser, gitUser } from './identity.ts';
export {
  actorName,
  approve,
  expirePromotions,
  getPromotion,
  listPromotions,
  markPromotion,
  type OperationContext,
  type PromotionInputs,
  type PromotionRequest,
  type PromotionView,
  readAudit,
  reject,
  requestPromotion,
} from './operations.ts';
export { formatReleaseNotes, releaseNotes } from './release-notes.ts';
export { type Action, authorize, can, hasRole, personOf, type UserRef, whoMay } from './roles.ts';
export {
  approvalsNeeded,
  checkPromotion,
  eligibleApprovers,
  type PromotionCheck,
  type PromotionCheckInput,
  promotionSources,
  runningVersion,
} from './rules.ts';

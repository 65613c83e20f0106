// The release engine's public surface: what the CLI and the HTTP API call.

export { parseDuration } from '../shared/duration.ts';
export { type ChangeAction, diffManifests, type ObjectChange, summarizeChanges } from './diff.ts';
export { deploy, holderIsGone, resume, rollback, STRATEGIES, serviceTarget, versionText } from './engine.ts';
export { isReleaseFailure, ReleaseFailure } from './failure.ts';
export { RELEASE_STATUS, type ReleaseRecord, type ReleaseStep, releaseHistory } from './history.ts';
export { diffService, releaseStatus, type ServiceStatus } from './inspect.ts';
export { rollingStrategy } from './rolling.ts';
export type * from './types.ts';
export { silentEvents } from './types.ts';

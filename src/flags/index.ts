// Feature flags as releases (docs/flags.md): the model (model.ts), the history (history.ts) and the
// engine (engine.ts). Operations and the CLI import from here.
export {
  desiredFlagStates,
  type FlagStatus,
  flagStatus,
  liveFlagStates,
  type RollbackFlagRequest,
  rollbackFlag,
  type SetFlagRequest,
  setFlag,
} from './engine.ts';
export { type FlagRelease, flagHistory } from './history.ts';
export { describeState, type FlagState, flagdDocument, getFlag, planRollout } from './model.ts';

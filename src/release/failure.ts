// The one error a strategy step throws when the release must be rolled back: a `failed` SlipwayError
// whose reason and detail go into the release record.
import { SlipwayError } from '../shared/errors.ts';

export class ReleaseFailure extends SlipwayError {
  readonly reason: string;
  readonly detail: string | undefined;
  constructor(reason: string, detail?: string, type: 'failed' | 'timeout' = 'failed') {
    super(type, reason, detail ? { details: [detail] } : {});
    this.reason = reason;
    this.detail = detail;
  }
}

export function isReleaseFailure(e: unknown): e is ReleaseFailure {
  return e instanceof ReleaseFailure;
}

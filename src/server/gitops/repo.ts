// The working copy GitOps reads commits from: a clone of the configured repository under the platform's
// .slipway directory, fetched with the `git` CLI (so credentials, SSH keys and proxies are git's own
// business) and checked out detached at the commit being synced. Nothing here writes to the repository.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SlipwayError } from '../../shared/errors.ts';

const exec = promisify(execFile);

/** A URL git fetches as it is (scheme://… or scp-like user@host:path); anything else is a local path. */
export function repositoryUrl(repository: string, platformDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository) || /^[^/\\]+@[^/\\:]+:/.test(repository)) return repository;
  return isAbsolute(repository) ? repository : resolve(platformDir, repository);
}

export interface Commit {
  sha: string;
  subject: string;
}

export class WorkingCopy {
  constructor(
    /** Where the clone lives (created on first fetch). */
    readonly dir: string,
    readonly url: string,
    readonly branch: string,
  ) {}

  private async git(args: string[], cwd = this.dir): Promise<string> {
    try {
      const { stdout } = await exec('git', args, {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
        // Never wait for a password prompt: a server has nobody to answer it.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
      });
      return stdout.trim();
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new SlipwayError('unreachable', `git ${args[0]} of ${this.url} failed`, {
        details: [(err.stderr ?? err.message).trim()].filter(Boolean),
        hint: 'Check gitops.repository and gitops.branch in slipway.yaml, and that this server may fetch it.',
      });
    }
  }

  /** Clones on first use (or when the origin changed), fetches the branch; answers its newest commit. */
  async fetch(): Promise<Commit> {
    if (existsSync(resolve(this.dir, '.git'))) {
      const origin = await this.git(['remote', 'get-url', 'origin']).catch(() => '');
      if (origin !== this.url) rmSync(this.dir, { recursive: true, force: true });
    }
    if (!existsSync(resolve(this.dir, '.git'))) {
      rmSync(this.dir, { recursive: true, force: true });
      mkdirSync(dirname(this.dir), { recursive: true });
      await this.git(['clone', '--quiet', '--no-checkout', this.url, this.dir], dirname(this.dir));
    }
    const ref = `refs/remotes/origin/${this.branch}`;
    await this.git(['fetch', '--quiet', '--prune', 'origin', `+refs/heads/${this.branch}:${ref}`]);
    const line = await this.git(['log', '-1', '--format=%H%x00%s', ref]);
    const [sha = '', subject = ''] = line.split('\0');
    return { sha, subject };
  }

  /** The files of `sha` in the working copy (detached; local changes and stray files removed). */
  async checkout(sha: string): Promise<void> {
    await this.git(['checkout', '--quiet', '--force', '--detach', sha]);
    await this.git(['clean', '-fdqx']);
  }
}

// Writing a promotion into the target's desired state: environments/<B>.yaml gets the version and
// digest of the promoted service(s) from A — and the chart version they ran with there, when A pinned
// one: `services.<svc>.chart` in B, unless B's pin for the service (its own or the environment's
// `chart:`) is that version already — and everything else in B's file stays byte-for-byte —
// comments, order, quoting, blank lines. Edits are made in the text at the positions the yaml
// parser reports; only when a service or its map must be created (or is written in flow style) does
// the file go through the yaml Document API, which still keeps comments and order.
// commitDesiredState makes that change one git commit on the current branch.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { isMap, isScalar, type Pair, parseDocument, type Scalar, stringify, type YAMLMap } from 'yaml';
import { SlipwayError } from '../shared/errors.ts';
import type { ChartPinned, PromotedVersion } from '../store/types.ts';

const KEYS = ['version', 'digest'] as const;

export interface DesiredStateChange {
  service: string;
  key: 'version' | 'digest' | 'chart';
  from: string | undefined;
  to: string | undefined;
}

function parse(text: string, which: string) {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    throw new SlipwayError(
      'config',
      `the desired state of ${which} is not valid YAML: ${doc.errors[0]!.message}`,
      {
        hint: 'Fix the file, then promote again.',
      },
    );
  }
  return doc;
}

/** The versions of services in a desired-state text. */
export function desiredVersions(text: string, which = 'the source'): Record<string, PromotedVersion> {
  const js = parse(text, which).toJS() as {
    chart?: unknown;
    services?: Record<string, { version?: unknown; digest?: unknown; chart?: unknown }>;
  } | null;
  const out: Record<string, PromotedVersion> = {};
  for (const [name, svc] of Object.entries(js?.services ?? {})) {
    const v: PromotedVersion = {};
    if (svc && typeof svc.version === 'string') v.version = svc.version;
    if (svc && typeof svc.digest === 'string') v.digest = svc.digest;
    const chart = pinIn(svc?.chart) ?? pinIn(js?.chart);
    if (chart) v.chart = chart;
    out[name] = v;
  }
  return out;
}

function pinIn(v: unknown): ChartPinned | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const { version, path } = v as { version?: unknown; path?: unknown };
  if (typeof version !== 'string') return undefined;
  return typeof path === 'string' ? { version, path } : { version };
}

const samePin = (a: ChartPinned | undefined, b: ChartPinned | undefined) =>
  a?.version === b?.version && a?.path === b?.path;

/** `1.1.0`, or `1.1.0 from charts/x` when the pin names its source. */
export const pinText = (p: ChartPinned | undefined) =>
  p === undefined ? undefined : p.path === undefined ? p.version : `${p.version} from ${p.path}`;

/** The pin as one flow-style line's value: `{ version: 1.1.0, path: charts/x }`. */
const pinFlow = (p: ChartPinned) =>
  `{ version: ${scalarText(p.version, undefined)}${p.path === undefined ? '' : `, path: ${scalarText(p.path, undefined)}`} }`;

/** A scalar in the style the old one was written in (plain values that YAML would misread get quoted). */
function scalarText(value: string, old: Scalar | undefined): string {
  if (old?.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (old?.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

interface Edit {
  start: number;
  end: number;
  text: string;
  /** Insertions at one place land in the order they were made. */
  seq?: number;
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const i = text.indexOf('\n', at);
  return i < 0 ? text.length : i;
};

/**
 * B's new desired-state text with the version and digest of `service` (or of every service in A for
 * `all`) taken from A — or from `versions` when given (what a promotion approved). Returns the text
 * and the changes; unchanged text when B already has them.
 */
export function promoteDesiredStateWithChanges(
  fromFileText: string,
  toFileText: string,
  service: string,
  versions?: Record<string, PromotedVersion>,
): { text: string; changes: DesiredStateChange[] } {
  const source = versions ?? desiredVersions(fromFileText);
  const names = service === 'all' ? Object.keys(source).sort() : [service];
  for (const name of names) {
    const v = source[name];
    if (!v || (v.version === undefined && v.digest === undefined)) {
      throw new SlipwayError('notFound', `${name} has no version or digest in the source desired state`, {
        hint: 'Set services.<name>.version (and digest) in the source environment first.',
      });
    }
  }
  const doc = parse(toFileText, 'the target');
  const edits: Edit[] = [];
  const changes: DesiredStateChange[] = [];
  let structural = false;
  const text = toFileText;
  const js = (doc.toJS() ?? {}) as { chart?: unknown; services?: Record<string, { chart?: unknown } | null> };
  const pinned: Record<string, ChartPinned> = {};

  for (const name of names) {
    const want = source[name]!;
    const svcNode = doc.getIn(['services', name], true);
    const blockMap =
      isMap(svcNode) && !svcNode.flow && svcNode.range ? (svcNode as YAMLMap<Scalar, unknown>) : undefined;
    for (const key of KEYS) {
      const value = want[key];
      const pair = blockMap?.items.find((p) => isScalar(p.key) && p.key.value === key) as
        | Pair<Scalar, unknown>
        | undefined;
      const old = pair && isScalar(pair.value) ? (pair.value as Scalar) : undefined;
      const current = (doc.getIn(['services', name, key]) as unknown) ?? undefined;
      if ((current === undefined ? undefined : String(current)) === value) continue;
      changes.push({
        service: name,
        key,
        from: current === undefined ? undefined : String(current),
        to: value,
      });
      if (!blockMap) {
        structural = true;
        continue;
      }
      if (old?.range && value !== undefined) {
        edits.push({ start: old.range[0], end: old.range[1], text: scalarText(value, old) });
      } else if (pair && value === undefined && pair.key.range) {
        // Remove the key's line(s) when the source has no such key (a stale digest must not stay).
        const valueEnd = isScalar(pair.value) && pair.value.range ? pair.value.range[1] : pair.key.range[1];
        const start = lineStart(text, pair.key.range[0]);
        edits.push({ start, end: Math.min(lineEnd(text, valueEnd) + 1, text.length), text: '' });
      } else if (!pair && value !== undefined) {
        // Insert after the sibling key (or at the top of the map) with the map's indentation.
        const first = blockMap.items[0]?.key as Scalar | undefined;
        if (!first?.range) {
          structural = true;
          continue;
        }
        const indent = first.range[0] - lineStart(text, first.range[0]);
        const sibling = blockMap.items.find(
          (p) => isScalar(p.key) && KEYS.includes(p.key.value as 'version'),
        );
        const anchor = sibling ?? blockMap.items[0]!;
        const anchorStart = lineStart(text, (anchor.key as Scalar).range![0]);
        const line = `${' '.repeat(indent)}${key}: ${scalarText(value, undefined)}\n`;
        if (key === 'digest' && sibling) {
          const end = isScalar(sibling.value) && sibling.value.range ? sibling.value.range[1] : anchorStart;
          const at = Math.min(lineEnd(text, end) + 1, text.length);
          edits.push({
            start: at,
            end: at,
            text: at === text.length && !text.endsWith('\n') ? `\n${line}` : line,
          });
        } else {
          edits.push({ start: anchorStart, end: anchorStart, text: line });
        }
      } else {
        structural = true;
      }
    }
  }

  for (const name of names) {
    const want = source[name]!.chart;
    // A source that pinned no chart leaves the target's pin as it is.
    if (want === undefined) continue;
    const own = pinIn(js.services?.[name]?.chart);
    const current = own ?? pinIn(js.chart);
    if (samePin(current, want)) continue;
    changes.push({ service: name, key: 'chart', from: pinText(current), to: pinText(want) });
    pinned[name] = want;
    const svcNode = doc.getIn(['services', name], true);
    const blockMap =
      isMap(svcNode) && !svcNode.flow && svcNode.range ? (svcNode as YAMLMap<Scalar, unknown>) : undefined;
    const pair = blockMap?.items.find((p) => isScalar(p.key) && p.key.value === 'chart');
    const versionNode = isMap(pair?.value) ? pair.value.get('version', true) : undefined;
    if (pair && own && own.path === want.path && isScalar(versionNode) && versionNode.range) {
      edits.push({
        start: versionNode.range[0],
        end: versionNode.range[1],
        text: scalarText(want.version, versionNode),
      });
      continue;
    }
    const first = blockMap?.items[0]?.key as Scalar | undefined;
    if (!blockMap || pair || !first?.range) {
      structural = true;
      continue;
    }
    // A new `chart:` line after the service's version and digest (or at the top of its map).
    const indent = first.range[0] - lineStart(text, first.range[0]);
    const anchors = blockMap.items.filter(
      (p) => isScalar(p.key) && KEYS.includes(p.key.value as 'version') && isScalar(p.value),
    );
    const last = anchors.at(-1);
    const line = `${' '.repeat(indent)}chart: ${pinFlow(want)}\n`;
    const at = last
      ? Math.min(lineEnd(text, (last.value as Scalar).range![1]) + 1, text.length)
      : lineStart(text, first.range[0]);
    edits.push({
      start: at,
      end: at,
      text: at === text.length && !text.endsWith('\n') ? `\n${line}` : line,
      seq: edits.length,
    });
  }

  if (structural) {
    // A new service or a flow-style map: let the Document API write it (comments and order kept).
    // A missing or null `services:`/service becomes a map; an empty `{}` becomes a block map.
    const mapAt = (parent: YAMLMap, key: string): YAMLMap => {
      const node = parent.get(key, true);
      if (isMap(node)) {
        if (node.items.length === 0) node.flow = false;
        return node;
      }
      const created = doc.createNode({}) as YAMLMap;
      parent.set(key, created);
      return created;
    };
    if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
    const services = mapAt(doc.contents as unknown as YAMLMap, 'services');
    for (const c of changes) mapAt(services, c.service);
    for (const c of changes) {
      if (c.key === 'chart') doc.setIn(['services', c.service, 'chart'], pinned[c.service]);
      else if (c.to === undefined) doc.deleteIn(['services', c.service, c.key]);
      else doc.setIn(['services', c.service, c.key], c.to);
    }
    return { text: doc.toString(), changes };
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start || (b.seq ?? 0) - (a.seq ?? 0)))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: out, changes };
}

export function promoteDesiredState(
  fromFileText: string,
  toFileText: string,
  service: string,
  versions?: Record<string, PromotedVersion>,
): string {
  return promoteDesiredStateWithChanges(fromFileText, toFileText, service, versions).text;
}

function git(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd: dir, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr: stderr || (err && !stdout ? err.message : '') });
      },
    );
  });
}

async function gitOrThrow(dir: string, args: string[], what: string): Promise<string> {
  const r = await git(dir, args);
  if (r.code !== 0) {
    throw new SlipwayError('failed', `git ${what} failed: ${r.stderr.trim() || `exit ${r.code}`}`, {
      hint: 'Run the git command yourself to see what is wrong.',
    });
  }
  return r.stdout;
}

/**
 * Writes `newText` to `file` (relative to `dir` or absolute) and makes it one commit on the current
 * branch, committing only that file (other staged work stays staged). Refuses — `conflict` — when the
 * file has uncommitted changes other than `newText` itself, or HEAD is detached. Returns the new
 * commit's hash, or undefined when the file already had that content committed.
 */
export async function commitDesiredState(
  dir: string,
  file: string,
  message: string,
  newText?: string,
): Promise<string | undefined> {
  const top = (await git(dir, ['rev-parse', '--show-toplevel'])).stdout.trim();
  if (!top) {
    throw new SlipwayError('usage', `${dir} is not inside a git repository; cannot use --commit`, {
      hint: 'Run without --commit, or initialise the repository with git init.',
    });
  }
  const abs = isAbsolute(file) ? file : join(dir, file);
  const rel = relative(top, abs);
  const branch = await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (branch.code !== 0) {
    throw new SlipwayError('conflict', 'HEAD is detached; --commit commits on the current branch', {
      hint: 'Check out a branch first (git switch <branch>).',
    });
  }
  const committed = await git(top, ['show', `HEAD:${rel}`]);
  const headText = committed.code === 0 ? committed.stdout : undefined;
  let working: string | undefined;
  try {
    working = await readFile(abs, 'utf8');
  } catch {
    working = undefined;
  }
  const target = newText ?? working;
  if (target === undefined) throw new SlipwayError('notFound', `${rel} does not exist`);
  if (working !== undefined && working !== headText && working !== target) {
    throw new SlipwayError('conflict', `${rel} has uncommitted changes that are not this promotion`, {
      hint: `Commit or discard them first (git diff -- ${rel}), then promote again.`,
    });
  }
  const staged = await git(top, ['diff', '--cached', '--quiet', '--', rel]);
  if (staged.code !== 0) {
    const index = await git(top, ['show', `:${rel}`]);
    if (index.stdout !== target && index.stdout !== headText) {
      throw new SlipwayError('conflict', `${rel} has staged changes that are not this promotion`, {
        hint: `Commit or unstage them first (git restore --staged -- ${rel}).`,
      });
    }
  }
  if (target === headText) return undefined;
  if (working !== target) {
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, target);
  }
  if (headText === undefined) await gitOrThrow(top, ['add', '--', rel], 'add');
  await gitOrThrow(top, ['commit', '--quiet', '-m', message, '--', rel], 'commit');
  return (await gitOrThrow(top, ['rev-parse', 'HEAD'], 'rev-parse')).trim();
}

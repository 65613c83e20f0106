// `slipway audit [--env E] [--since 2d|ISO] [--service S]` prints the audit log (entries of the
// environments the user may view); `slipway audit verify` (or --verify) recomputes the hash chain and
// exits 1 naming each broken entry's seq and problem, checked against the store's head table and the
// anchors slipway keeps in each environment's cluster (a cut-off tail, a rebuilt chain, a deleted
// store); `--anchor seq:hash` adds one kept by hand. Every form only reads: a missing store is never
// created ("no store at …", exit 2; for verify a failed verification, exit 1).
import type { Command } from '@commander-js/extra-typings';
import Table from 'cli-table3';
import { type LoadedPlatform, loadPlatform } from '../../config/load.ts';
import { type AnchorsRead, readAnchors } from '../../promotion/audit-anchor.ts';
import { type AuditVerification, auditHead, readAudit, verifyAudit } from '../../promotion/index.ts';
import { isDuration, parseDuration } from '../../shared/duration.ts';
import { type SlipwayError, usageError } from '../../shared/errors.ts';
import { isNoStore } from '../../store/schema.ts';
import { AUDIT_ACTIONS, type AuditAction, type AuditRecord } from '../../store/types.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';
import { refuseOptions, remoteApi } from '../remote/modes.ts';
import { remoteAudit } from '../remote/reads.ts';
import { withSession } from '../session.ts';
import { connectEnvironment } from '../target.ts';

/** `2d`, `90m` (ago) or an ISO time → ISO time. */
export function parseSince(text: string, now: Date): string {
  if (isDuration(text)) return new Date(now.getTime() - parseDuration(text)).toISOString();
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw usageError(`--since "${text}" is neither a duration nor a time`, {
      hint: 'Write a duration back from now (2d, 12h, 30m) or an ISO time (2026-03-01 or 2026-03-01T12:00:00Z).',
    });
  return new Date(t).toISOString();
}

function parseAnchor(text: string): { seq: number; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m)
    throw usageError(`--anchor "${text}" is not <seq>:<sha256 hash>`, {
      hint: 'Take it from `slipway audit --head`.',
    });
  return { seq: Number(m[1]), hash: m[2]! };
}

/** The anchors in the clusters of the platform's environments; a read starts no local cluster. */
function clusterAnchors(platform: LoadedPlatform): Promise<AnchorsRead> {
  return readAnchors(platform, (env) => connectEnvironment(platform, env, { start: false }));
}

type Verified = AuditVerification & { unchecked: string[]; store: 'present' | 'missing' };

function printVerification(r: Verified, format: 'text' | 'json'): void {
  if (!r.ok) process.exitCode = 1;
  if (format === 'json') {
    printJson(r);
    return;
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if (r.store === 'missing') out(`${color.red('audit log missing')}: ${r.problems[0]?.problem ?? ''}`);
  else if (r.ok) out(`${color.green('audit log intact')}: ${r.entries} entries, hash chain verified`);
  else {
    out(`${color.red('audit log broken')}: ${r.problems.length} problem(s) in ${r.entries} entries`);
    for (const p of r.problems) out(`  seq ${p.seq}: ${p.problem}`);
  }
  for (const a of r.anchors) out(color.dim(`  checked against ${a.source}: entry ${a.seq}`));
  if (r.anchors.length === 0 && r.store === 'present')
    out(color.dim('  no anchor found: deleted newest entries would not show'));
  for (const u of r.unchecked) out(color.dim(`  anchor not checked: ${u}`));
}

/** `audit verify` without a store: a failed verification, with what the anchors say was there. */
async function verifyMissing(e: SlipwayError, dir: string, format: 'text' | 'json'): Promise<void> {
  const read = await clusterAnchors(await loadPlatform(dir));
  const newest = [...read.anchors].sort((a, b) => b.seq - a.seq)[0];
  const problem = `${e.message}${newest ? `, but ${newest.source} records ${newest.seq} entries: the store was deleted or the path is wrong` : ''}`;
  printVerification(
    {
      ok: false,
      entries: 0,
      problems: [{ seq: newest?.seq ?? 0, problem }],
      anchors: read.anchors.map((a) => ({ source: a.source, seq: a.seq })),
      unchecked: read.unchecked,
      store: 'missing',
    },
    format,
  );
  if (format === 'text' && e.hint) process.stdout.write(color.dim(`  ${e.hint}\n`));
}

function detailText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** The audit table (or JSON) of `slipway audit`, local or through a server. */
export function printAuditEntries(entries: AuditRecord[], format: string): void {
  if (format === 'json') {
    printJson(entries);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write('no audit entries\n');
    return;
  }
  const table = new Table({
    head: ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'ENV', 'SERVICE', 'DETAIL'],
    style: { head: [], border: [] },
  });
  for (const e of entries)
    table.push([
      e.seq,
      e.at.replace('T', ' ').slice(0, 19),
      e.actor,
      e.action,
      e.environment ?? '',
      e.service ?? '',
      detailText(e.detail),
    ]);
  process.stdout.write(`${table.toString()}\n`);
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      'the audit log of promotions, approvals, releases and refusals; `audit verify` checks its hash chain',
    )
    .argument('[verify]', '"verify": recompute the hash chain and report every broken entry')
    .option('--verify', 'same as `audit verify`', false)
    .option('--anchor <seq:hash>', 'with verify: a head recorded earlier, to detect a truncated log')
    .option('--head', 'print the newest entry as <seq>:<hash>, to record elsewhere as an anchor', false)
    .option('-e, --env <env>', 'only this environment')
    .option('-s, --service <service>', 'only this service')
    .option('--action <action>', `only this action (${AUDIT_ACTIONS.join(', ')})`)
    .option('--since <when>', 'only entries since a duration ago (2d, 12h) or an ISO time')
    .option(
      '--store <url>',
      'state store: a SQLite path or postgres:// URL (default SLIPWAY_STORE, else .slipway/state.db)',
    )
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (verifyWord, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      if (verifyWord !== undefined && verifyWord !== 'verify')
        throw usageError(`unknown audit subcommand "${verifyWord}"`, {
          hint: 'Run `slipway audit` or `slipway audit verify`.',
        });
      if (options.action !== undefined && !AUDIT_ACTIONS.includes(options.action as AuditAction))
        throw usageError(`--action must be one of ${AUDIT_ACTIONS.join(', ')}`);
      const verify = verifyWord === 'verify' || options.verify;
      const api = remoteApi(command);
      if (api) {
        refuseOptions('audit', {
          verify: verify,
          '--head': options.head,
          '--anchor': options.anchor !== undefined,
          '--store': options.store !== undefined,
        });
        const query = {
          ...(options.env ? { env: options.env } : {}),
          ...(options.service ? { service: options.service } : {}),
          ...(options.action ? { action: options.action } : {}),
          ...(options.since ? { since: parseSince(options.since, new Date()) } : {}),
        };
        printAuditEntries(await remoteAudit(api, query), format);
        return;
      }
      try {
        await withSession(command, { store: options.store, readOnly: true }, async ({ ctx }) => {
          if (options.head) {
            const head = await auditHead(ctx.store);
            if (format === 'json') printJson(head ?? null);
            else process.stdout.write(head ? `${head.seq}:${head.hash}\n` : 'the audit log is empty\n');
            return;
          }
          if (verify) {
            const read = await clusterAnchors(ctx.platform);
            const result = await verifyAudit(ctx.store, {
              ...(options.anchor ? { anchor: parseAnchor(options.anchor) } : {}),
              anchors: read.anchors,
            });
            const problems = [...result.problems, ...read.problems.map((problem) => ({ seq: 0, problem }))];
            printVerification(
              { ...result, ok: problems.length === 0, problems, unchecked: read.unchecked, store: 'present' },
              format,
            );
            return;
          }
          const entries = await readAudit(ctx, {
            ...(options.env ? { environment: options.env } : {}),
            ...(options.service ? { service: options.service } : {}),
            ...(options.action ? { action: options.action as AuditAction } : {}),
            ...(options.since ? { since: parseSince(options.since, ctx.now) } : {}),
          });
          printAuditEntries(entries, format);
        });
      } catch (e) {
        if (!(verify && isNoStore(e))) throw e;
        const dir = (command.optsWithGlobals() as { dir?: string }).dir ?? '.';
        await verifyMissing(e as SlipwayError, dir, format);
      }
    });
}

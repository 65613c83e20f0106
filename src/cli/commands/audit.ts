// `slipway audit [--env E] [--since 2d|ISO] [--service S]` prints the audit log (entries of the
// environments the user may view); `slipway audit verify` (or --verify) recomputes the hash chain and
// exits 1 naming each broken entry's seq and problem; `--anchor seq:hash` also detects a cut-off tail.
import type { Command } from '@commander-js/extra-typings';
import Table from 'cli-table3';
import { auditHead, readAudit, verifyAudit } from '../../promotion/index.ts';
import { isDuration, parseDuration } from '../../shared/duration.ts';
import { usageError } from '../../shared/errors.ts';
import { AUDIT_ACTIONS, type AuditAction } from '../../store/types.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';
import { withSession } from '../session.ts';

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

function detailText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
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
      const format = parseOutputFormat(options.output);
      if (verifyWord !== undefined && verifyWord !== 'verify')
        throw usageError(`unknown audit subcommand "${verifyWord}"`, {
          hint: 'Run `slipway audit` or `slipway audit verify`.',
        });
      if (options.action !== undefined && !AUDIT_ACTIONS.includes(options.action as AuditAction))
        throw usageError(`--action must be one of ${AUDIT_ACTIONS.join(', ')}`);
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        if (options.head) {
          const head = await auditHead(ctx.store);
          if (format === 'json') printJson(head ?? null);
          else process.stdout.write(head ? `${head.seq}:${head.hash}\n` : 'the audit log is empty\n');
          return;
        }
        if (verifyWord === 'verify' || options.verify) {
          const result = await verifyAudit(
            ctx.store,
            options.anchor ? { anchor: parseAnchor(options.anchor) } : {},
          );
          if (format === 'json') printJson(result);
          else if (result.ok)
            process.stdout.write(
              `${color.green('audit log intact')}: ${result.entries} entries, hash chain verified\n`,
            );
          else {
            process.stdout.write(
              `${color.red('audit log broken')}: ${result.problems.length} problem(s) in ${result.entries} entries\n`,
            );
            for (const p of result.problems) process.stdout.write(`  seq ${p.seq}: ${p.problem}\n`);
          }
          if (!result.ok) process.exitCode = 1;
          return;
        }
        const entries = await readAudit(ctx, {
          ...(options.env ? { environment: options.env } : {}),
          ...(options.service ? { service: options.service } : {}),
          ...(options.action ? { action: options.action as AuditAction } : {}),
          ...(options.since ? { since: parseSince(options.since, ctx.now) } : {}),
        });
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
      });
    });
}

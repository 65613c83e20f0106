#!/usr/bin/env node
// The bundled one-shot job: the stand-in for hook images (database backups, migrations, smoke-test
// jobs) on the embedded local cluster. It logs what it was asked to do, takes JOB_DURATION_MS
// (default 200), and exits with JOB_EXIT_CODE (default 0), so that a failing hook can be rehearsed
// (`JOB_EXIT_CODE=1`). No dependencies; writes nothing but one JSON line per event to stdout.

/**
 * @param {string} key
 * @param {number} fallback
 * @returns {number}
 */
function envInt(key, fallback) {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: `invalid ${key}=${JSON.stringify(raw)}` })}\n`,
    );
    process.exit(2);
  }
  return value;
}

const job = process.env.JOB_NAME || 'job';
const durationMs = envInt('JOB_DURATION_MS', 200);
const exitCode = envInt('JOB_EXIT_CODE', 0);
const args = process.argv.slice(2);

/**
 * @param {string} msg
 * @param {Record<string, unknown>} [fields]
 */
const log = (msg, fields = {}) =>
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: exitCode && msg !== 'started' ? 'error' : 'info', msg, job, pod: process.env.POD_NAME, ...fields })}\n`,
  );

log('started', { args, durationMs });
const timer = setTimeout(() => {
  log(exitCode === 0 ? 'succeeded' : 'failed', { exitCode });
  process.exit(exitCode);
}, durationMs);
process.on('SIGTERM', () => {
  clearTimeout(timer);
  log('terminated', { signal: 'SIGTERM' });
  process.exit(143);
});

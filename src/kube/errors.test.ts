import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../shared/errors.ts';
import { KubeHttpError, parseStatus, retryDecision, toKubeError } from './errors.ts';
import { backoffDelay, DEFAULT_RETRY, withRetry } from './retry.ts';

const op = {
  verb: 'apply',
  what: 'Deployment/shop/booking',
  server: 'https://k8s.example:6443',
  context: 'prod',
};
const status = (code: number, reason: string, message: string, causes?: unknown[]) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message,
    ...(causes ? { details: { causes } } : {}),
  });

test('connection refused → unreachable naming server, context and what to do', () => {
  const e = toKubeError(
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    op,
  );
  assert.equal(e.type, 'unreachable');
  assert.match(e.message, /https:\/\/k8s\.example:6443/);
  assert.match(e.message, /context "prod"/);
  assert.match(e.message, /connection refused/);
  assert.match(e.hint ?? '', /slipway cluster up/);
  assert.match(e.hint ?? '', /kubeconfig/);
});

test('ENOTFOUND and timeouts are unreachable too', () => {
  assert.equal(toKubeError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), op).type, 'unreachable');
  assert.equal(
    toKubeError(Object.assign(new Error('x'), { code: 'SLIPWAY_REQUEST_TIMEOUT' }), op).type,
    'unreachable',
  );
});

test('HTTP codes map to the error types', () => {
  const cases: Array<[number, string, string]> = [
    [401, 'Unauthorized', 'forbidden'],
    [403, 'Forbidden', 'forbidden'],
    [404, 'NotFound', 'notFound'],
    [409, 'Conflict', 'conflict'],
    [500, 'InternalError', 'api'],
    [429, 'TooManyRequests', 'api'],
  ];
  for (const [code, reason, type] of cases) {
    const e = toKubeError(new KubeHttpError(code, status(code, reason, `said ${code}`)), op);
    assert.equal(e.type, type, `${code}`);
    assert.match(e.message, new RegExp(`said ${code}`));
    assert.match(e.message, /Deployment\/shop\/booking/);
  }
});

test('a field-manager conflict keeps the Status message and hints at --force-conflicts', () => {
  const msg = 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas';
  const e = toKubeError(new KubeHttpError(409, status(409, 'Conflict', msg)), op);
  assert.equal(e.type, 'conflict');
  assert.match(e.message, /kubectl-edit/);
  assert.match(e.hint ?? '', /force/);
});

test('422 → manifest error listing the causes with field paths', () => {
  const body = status(422, 'Invalid', 'Deployment.apps "booking" is invalid', [
    {
      field: 'spec.template.spec.containers[0].image',
      message: 'Required value',
      reason: 'FieldValueRequired',
    },
  ]);
  const e = toKubeError(new KubeHttpError(422, body), op);
  assert.equal(e.type, 'manifest');
  assert.deepEqual(e.details, ['spec.template.spec.containers[0].image: Required value']);
  assert.deepEqual(e.data?.fields, ['spec.template.spec.containers[0].image']);
});

test('client-node ApiException shape (code + JSON string body) is understood', () => {
  const apiException = Object.assign(new Error('Unsuccessful HTTP Request'), {
    code: 404,
    body: status(404, 'NotFound', 'gone'),
  });
  assert.equal(toKubeError(apiException, op).type, 'notFound');
});

test('a non-JSON body still yields its text', () => {
  assert.equal(parseStatus(502, '<html>bad gateway</html>').message, '<html>bad gateway</html>');
});

test('SlipwayErrors pass through unchanged', () => {
  const e = new SlipwayError('usage', 'x');
  assert.equal(toKubeError(e, op), e);
});

test('retry decisions', () => {
  const http = (code: number, reason = 'X', message = 'm', headers: Record<string, string> = {}) =>
    new KubeHttpError(code, status(code, reason, message), headers);
  assert.equal(
    retryDecision(http(429, 'TooManyRequests', 'slow', { 'retry-after': '2' }), { conflictRetry: false })
      .afterMs,
    2000,
  );
  assert.equal(retryDecision(http(503), { conflictRetry: false }).retry, true);
  assert.equal(retryDecision(http(404), { conflictRetry: true }).retry, false);
  assert.equal(retryDecision(http(409, 'Conflict'), { conflictRetry: false }).retry, false);
  assert.equal(retryDecision(http(409, 'Conflict'), { conflictRetry: true }).retry, true);
  assert.equal(retryDecision(http(409, 'AlreadyExists'), { conflictRetry: true }).retry, false);
  assert.equal(
    retryDecision(http(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "x"'), {
      conflictRetry: true,
    }).retry,
    false,
  );
  assert.equal(
    retryDecision(Object.assign(new Error('x'), { code: 'ECONNRESET' }), { conflictRetry: false }).retry,
    true,
  );
  assert.equal(
    retryDecision(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), { conflictRetry: false }).retry,
    false,
  );
  // a create is never sent twice when it may have been carried out
  const reset = Object.assign(new Error('x'), { code: 'ECONNRESET' });
  assert.equal(retryDecision(reset, { conflictRetry: false, idempotent: false }).retry, false);
  assert.equal(retryDecision(http(500), { conflictRetry: false, idempotent: false }).retry, false);
  assert.equal(retryDecision(http(503), { conflictRetry: false, idempotent: false }).retry, true);
});

test('back-off doubles from 100 ms and honours Retry-After up to a cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((a) => backoffDelay(DEFAULT_RETRY, a)),
    [100, 200, 400, 800],
  );
  assert.equal(backoffDelay(DEFAULT_RETRY, 1, 3000), 3000);
  assert.equal(backoffDelay(DEFAULT_RETRY, 1, 600_000), DEFAULT_RETRY.maxRetryAfterMs);
});

test('withRetry tries 5 times, then gives up with the last error', async () => {
  const waits: number[] = [];
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new KubeHttpError(503, status(503, 'ServiceUnavailable', 'down'));
      },
      { conflictRetry: false, wait: async (ms) => void waits.push(ms) },
    ),
    KubeHttpError,
  );
  assert.equal(calls, 5);
  assert.deepEqual(waits, [100, 200, 400, 800]);
  let n = 0;
  const v = await withRetry(
    async () => {
      if (++n < 3) throw new KubeHttpError(429, status(429, 'TooManyRequests', 'slow'));
      return 'ok';
    },
    { conflictRetry: false, wait: async () => {} },
  );
  assert.equal(v, 'ok');
});

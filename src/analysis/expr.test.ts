import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSlipwayError } from '../shared/errors.ts';
import {
  type EvalEnv,
  EvaluationError,
  evaluateCondition,
  evaluateExpression,
  parseExpression,
} from './expr.ts';

const env = (result: EvalEnv['result'], extra: Partial<EvalEnv> = {}): EvalEnv => ({
  result,
  args: { service: 'booking', threshold: '0.99', name: 'x' },
  ...extra,
});

describe('expressions: values', () => {
  const cases: Array<[string, EvalEnv['result'], unknown]> = [
    ['result >= 0.99', 0.995, true],
    ['result >= 0.99', 0.98, false],
    ['result <= 800', 800, true],
    ['result < 1e3', 999, true],
    ['result > .5', 0.6, true],
    ['result[0] >= 0.99', [0.995, 0.1], true],
    ['result[1] < 0.5', [0.995, 0.1], true],
    ['result >= 0.99', [0.999], true],
    ['result[0] == 5', 5, true],
    ['len(result)', [1, 2, 3], 3],
    ['len(result) == 0', [], true],
    ['len(result)', 7, 1],
    ['isNaN(result)', Number.NaN, true],
    ['isNaN(result)', 1, false],
    ['isNaN(result)', [], true],
    ['default(result, 1) >= 0.99', Number.NaN, true],
    ['default(result, 0) >= 0.99', 0.995, true],
    ['default(result, 7)', undefined, 7],
    ['1 + 2 * 3', 0, 7],
    ['(1 + 2) * 3', 0, 9],
    ['10 - 4 - 3', 0, 3],
    ['8 / 2 / 2', 0, 2],
    ['-result + 1', 0.25, 0.75],
    ['result * 100 >= 99', 0.995, true],
    ['1 < 2 && 2 < 3', 0, true],
    ['1 > 2 || 2 < 3', 0, true],
    ['!(1 > 2)', 0, true],
    ['result > 0 and result < 1', 0.5, true],
    ['result > 1 or result < 0', 0.5, false],
    ['not result > 1', 0.5, true],
    ['not result > 1 and result > 0', 0.5, true],
    ['true', 0, true],
    ['false || true', 0, true],
    ['true == !false', 0, true],
    ['"a" == "a"', 0, true],
    ['\'a\' != "b"', 0, true],
    ['"a" + "b"', 0, 'ab'],
    ['"ab" < "b"', 0, true],
    ['args.service == "booking"', 0, true],
    ['result >= args.threshold', 0.995, true],
    ['args.threshold * 2', 0, 1.98],
    ['result != 1', 1, false],
    ['"it\\"s" == \'it"s\'', 0, true],
  ];
  for (const [src, result, want] of cases) {
    test(`${src} with result ${JSON.stringify(result)} → ${JSON.stringify(want)}`, () => {
      assert.deepEqual(evaluateExpression(parseExpression(src), env(result)), want);
    });
  }

  test('provider extras are names', () => {
    const e = parseExpression('canary <= 500 || canary <= 1.5 * stable');
    assert.equal(evaluateCondition(e, env(100, { vars: { canary: 700, stable: 600 } })), true);
    assert.equal(evaluateCondition(e, env(100, { vars: { canary: 1000, stable: 600 } })), false);
  });

  test('&& and || short-circuit (the right side is not evaluated)', () => {
    assert.equal(evaluateCondition(parseExpression('false && nope > 1'), env(1)), false);
    assert.equal(evaluateCondition(parseExpression('true || nope > 1'), env(1)), true);
  });
});

describe('expressions: evaluation errors', () => {
  const cases: Array<[string, EvalEnv['result'], RegExp]> = [
    ['result >= 0.99', Number.NaN, /result is NaN \(no data\?\)/],
    ['result == 1', Number.NaN, /NaN/],
    ['result >= 0.99', undefined, /result must be a number, got no value/],
    ['result >= 0.99', [1, 2], /result is a list of 2 values: use result\[0\]/],
    ['result >= 0.99', [], /empty list/],
    ['resutl >= 0.99', 1, /unknown identifier resutl \(did you mean result\?\)/],
    ['args.servce == "x"', 1, /unknown argument args\.servce \(did you mean args\.service\?\)/],
    ['result[3] > 1', [1], /result\[3\] does not exist: it has 1 value/],
    ['result[1] > 1', 5, /single number/],
    ['result[-1] > 1', [1], /whole number/],
    ['result > "abc"', 1, /must be a number, got string "abc"/],
    ['result && true', 1, /&& needs true or false, got number 1/],
    ['!result', 1, /needs true or false/],
    ['1 / (result - 1)', 1, /division by zero/],
    ['"a" == 1', 1, /must be a number, got string "a"/],
    ['true < 1', 1, /must be a number, got boolean true/],
    ['len(true)', 1, /len\(\) needs a list/],
  ];
  for (const [src, result, want] of cases) {
    test(`${src} with result ${JSON.stringify(result)} → error ${want}`, () => {
      assert.throws(
        () => evaluateExpression(parseExpression(src), env(result)),
        (e: unknown) => e instanceof EvaluationError && want.test(e.message),
      );
    });
  }

  test('a condition must be a boolean', () => {
    assert.throws(
      () => evaluateCondition(parseExpression('result'), env(0.5)),
      /must be true or false, got number 0.5/,
    );
  });
});

describe('expressions: parse errors name the column', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['result >= ', 11, /expected a value but found the end/],
    ['result = 1', 8, /unexpected character "=" \(use == to compare\)/],
    ['result & 1', 8, /use &&/],
    ['(result > 1', 12, /expected "\)" but found the end/],
    ['result > 1)', 11, /unexpected "\)"/],
    ['lenn(result)', 1, /unknown function lenn\(\) \(did you mean len\?\)/],
    ['default(result)', 1, /default\(\) takes 2 arguments, got 1/],
    ['"abc', 1, /unterminated string/],
    ['result.x > 1', 7, /only args.<name> has fields/],
    ['args. > 1', 7, /expected an argument name/],
    ['', 1, /empty condition/],
    ['result > 1 and', 15, /expected a value/],
    ['1abc', 2, /unexpected "a" after the number 1/],
    ['result # 1', 8, /unexpected character "#"/],
    ['result > and', 10, /unexpected "and"/],
  ];
  for (const [src, col, want] of cases) {
    test(`${JSON.stringify(src)} → column ${col}`, () => {
      assert.throws(
        () => parseExpression(src, { what: 'successCondition' }),
        (e: unknown) =>
          isSlipwayError(e) &&
          e.type === 'config' &&
          want.test(e.message) &&
          e.message.includes(`at column ${col}`) &&
          e.message.startsWith('successCondition `') &&
          e.details[1] === `${' '.repeat(col - 1)}^`,
      );
    });
  }

  test('the location of the metric is kept', () => {
    try {
      parseExpression('result >', { location: { file: 'slipway.yaml', line: 3, path: 'analysis.x' } });
      assert.fail('no error');
    } catch (e) {
      assert.ok(isSlipwayError(e));
      assert.equal(e.location?.file, 'slipway.yaml');
      assert.match(e.explain(), /slipway.yaml:3: condition `result >`/);
    }
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { environmentSchema, metricSchema, platformSchema } from '../config/schema.ts';
import { compileConditions } from './evaluate.ts';
import { BUILTIN_TEMPLATES, checkAnalysisTemplates } from './templates.ts';

describe('analysis templates', () => {
  test('the built-in templates parse and check clean', () => {
    for (const [name, t] of Object.entries(BUILTIN_TEMPLATES)) {
      for (const m of t.metrics)
        assert.ok(compileConditions(m).success, `${name}/${m.name} has a success condition`);
    }
    assert.deepEqual(checkAnalysisTemplates({ analysis: { ...BUILTIN_TEMPLATES } }), []);
  });

  test("every example platform's templates check clean", () => {
    for (const example of ['ehealth', 'appointments', 'reservations', 'orders', 'budget']) {
      let text: string;
      try {
        text = readFileSync(new URL(`../../examples/${example}/slipway.yaml`, import.meta.url), 'utf8');
      } catch {
        continue;
      }
      const platform = platformSchema.parse(parse(text));
      assert.deepEqual(
        checkAnalysisTemplates(platform).map((e) => e.explain()),
        [],
        example,
      );
    }
  });

  test('bad conditions and undeclared args are reported with key paths', () => {
    const problems = checkAnalysisTemplates({
      analysis: {
        health: {
          args: ['service'],
          metrics: [
            {
              name: 'sr',
              provider: { prometheus: { query: 'up{job="{{args.service}}",ns="{{ args.namespace }}"}' } },
              interval: '30s',
              successCondition: 'result >= 0.99',
              failureCondition: 'result <',
              failureLimit: 0,
              inconclusiveLimit: 0,
              consecutiveErrorLimit: 4,
              noData: 'fail',
            },
          ],
        },
      },
    });
    assert.deepEqual(
      problems.map((p) => [p.location?.path, p.message]),
      [
        [
          'analysis.health.metrics[0].failureCondition',
          'metric sr: failureCondition `result <`: expected a value but found the end at column 9',
        ],
        [
          'analysis.health.metrics[0].provider.prometheus',
          'metric sr uses {{args.namespace}} but template health does not declare it',
        ],
      ],
    );
    assert.equal(problems[0]!.location?.file, 'slipway.yaml');
  });

  test('a prometheus metric with no address needs analysisProviders in every environment', () => {
    const analysis = {
      health: {
        metrics: [
          metricSchema.parse({ name: 'sr', provider: { prometheus: { query: 'up' } } }),
          metricSchema.parse({
            name: 'own',
            provider: { prometheus: { address: 'http://127.0.0.1:1', query: 'up' } },
          }),
        ],
      },
    };
    const prometheus = { address: 'http://127.0.0.1:9090' };
    const dev = environmentSchema.parse({ name: 'dev' });
    const prod = environmentSchema.parse({ name: 'prod', analysisProviders: { prometheus } });
    const problems = checkAnalysisTemplates({ analysis, environments: [dev, prod] });
    assert.deepEqual(
      problems.map((p) => [p.location?.path, p.message]),
      [
        [
          'analysis.health.metrics[0].provider.prometheus',
          'metric sr of template health names no Prometheus address, and environment(s) dev configure none',
        ],
      ],
    );
    assert.deepEqual(
      checkAnalysisTemplates({ analysis, analysisProviders: { prometheus }, environments: [dev, prod] }),
      [],
    );
  });
});

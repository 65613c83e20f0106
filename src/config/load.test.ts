import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SlipwayError, SlipwayErrorList } from '../shared/errors.ts';
import { checkValuesFileNames, loadPlatform, parseDesiredState, parsePlatform } from './load.ts';
import { parseYaml } from './yaml-source.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/config/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

function flatten(e: unknown): SlipwayError[] {
  assert.ok(e instanceof SlipwayError, `expected a SlipwayError, got ${String(e)}`);
  return e instanceof SlipwayErrorList ? [...e.errors] : [e];
}

async function loadErrors(dir: string): Promise<SlipwayError[]> {
  try {
    await loadPlatform(dir);
  } catch (e) {
    return flatten(e);
  }
  assert.fail(`expected ${dir} to fail to load`);
}

function parseErrors(text: string): SlipwayError[] {
  try {
    parsePlatform(parseYaml('slipway.yaml', text));
  } catch (e) {
    return flatten(e);
  }
  assert.fail('expected parsePlatform to fail');
}

/** Finds the error whose message matches and checks where it points. */
function expectError(
  errors: readonly SlipwayError[],
  message: RegExp,
  where: { file?: string; line?: number; column?: number; path?: string },
): SlipwayError {
  const found = errors.find((e) => message.test(e.message));
  assert.ok(found, `no error matching ${message} in:\n${errors.map((e) => e.explain()).join('\n')}`);
  assert.equal(found.type, 'config');
  if (where.file !== undefined)
    assert.ok(found.location?.file.endsWith(where.file), `${found.location?.file} is not ${where.file}`);
  if (where.line !== undefined) assert.equal(found.location?.line, where.line, found.explain());
  if (where.column !== undefined) assert.equal(found.location?.column, where.column, found.explain());
  if (where.path !== undefined) assert.equal(found.location?.path, where.path, found.explain());
  return found;
}

const MINIMAL = `apiVersion: slipway.dev/v1
kind: Platform
name: shop
services:
  web: {}
environments:
  - name: dev
`;

describe('loadPlatform: a valid platform', () => {
  it('loads slipway.yaml with defaults, environments in order and every desired state', async () => {
    const p = await loadPlatform(fixture('valid'));
    assert.equal(p.dir, fixture('valid').replace(/\/$/, ''));
    assert.ok(p.file.file.endsWith('valid/slipway.yaml'));
    assert.equal(p.platform.name, 'clinic');
    assert.deepEqual(
      p.environments.map((e) => e.name),
      ['dev', 'staging', 'prod'],
    );
    assert.equal(p.environments[0]!.policy, 'standard');
    assert.equal(p.environments[0]!.historyLimit, 10);
    assert.equal(p.environments[0]!.cluster, 'local');
    assert.deepEqual([...p.desired.keys()], ['dev', 'staging', 'prod']);
    const staging = p.desired.get('staging')!;
    assert.ok(staging.file?.file.endsWith('environments/staging.yaml'));
    assert.equal(staging.state.services.booking?.version, '2.4.1');
    assert.deepEqual(p.desired.get('dev'), {
      file: undefined,
      state: { apiVersion: 'slipway.dev/v1', kind: 'DesiredState', environment: 'dev', services: {} },
    });
  });

  it('says which directory was searched and suggests slipway init when slipway.yaml is missing', async () => {
    const [e] = await loadErrors(fixture('does-not-exist'));
    assert.equal(e!.type, 'notFound');
    assert.match(e!.message, /no slipway\.yaml in .*does-not-exist/);
    assert.match(e!.hint ?? '', /slipway init/);
  });
});

describe('loadPlatform: bad input', () => {
  it('malformed YAML', async () => {
    const errors = await loadErrors(fixture('malformed-yaml'));
    const e = expectError(errors, /YAML syntax error: this "\[" is never closed with "\]"/, {
      file: 'malformed-yaml/slipway.yaml',
      line: 6,
      column: 12,
    });
    assert.match(e.explain(), /^.*malformed-yaml\/slipway\.yaml:6:12: YAML syntax error/);
  });

  it('unknown keys, with a suggestion and the allowed keys', async () => {
    const errors = await loadErrors(fixture('unknown-key'));
    assert.equal(errors.length, 2);
    const e = expectError(errors, /unknown key "stratgy" — did you mean "strategy"\?/, {
      file: 'unknown-key/slipway.yaml',
      line: 7,
      column: 5,
      path: 'services.web.stratgy',
    });
    assert.match(e.hint ?? '', /Allowed keys here: .*strategy/);
    expectError(errors, /unknown key "historyLimt" — did you mean "historyLimit"\?/, {
      line: 10,
      column: 5,
      path: 'environments[0].historyLimt',
    });
  });

  it('wrong types, in plain words', async () => {
    const errors = await loadErrors(fixture('wrong-types'));
    expectError(errors, /^expected a number, got the string "3"$/, {
      file: 'wrong-types/slipway.yaml',
      line: 6,
      column: 15,
      path: 'services.web.priority',
    });
    expectError(errors, /must be at most 100, got the number 500/, {
      line: 9,
      path: 'environments[0].historyLimit',
    });
    expectError(errors, /expected true or false, got the string "yes"/, {
      line: 10,
      path: 'environments[0].autoDeploy',
    });
    expectError(
      errors,
      /expected one of "relaxed", "standard", "strict", got the string "stict" — did you mean "strict"\?/,
      {
        line: 11,
        column: 13,
        path: 'environments[0].policy',
      },
    );
  });

  it('missing required keys', async () => {
    const errors = await loadErrors(fixture('missing-keys'));
    expectError(errors, /missing required key "name"/, {
      file: 'missing-keys/slipway.yaml',
      line: 1,
      column: 1,
    });
    const e = errors.find((x) => x.location?.path === 'environments[0]');
    assert.ok(e, 'no error for environments[0]');
    assert.match(e.message, /missing required key "name"/);
    assert.equal(e.location?.line, 6);
  });

  it('an alias bomb', async () => {
    const errors = await loadErrors(fixture('alias-bomb'));
    expectError(errors, /too many aliases.*\(a YAML alias bomb\?\)/, { file: 'alias-bomb/slipway.yaml' });
  });

  it('an oversized file, refused before parsing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-load-'));
    try {
      await writeFile(join(dir, 'slipway.yaml'), `# ${'x'.repeat(4 * 1024 * 1024)}\n`);
      const errors = await loadErrors(dir);
      expectError(errors, /too large/, { file: 'slipway.yaml' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an empty file and a multi-document file', async () => {
    expectError(await loadErrors(fixture('empty')), /the platform file is empty/, {
      file: 'empty/slipway.yaml',
    });
    expectError(await loadErrors(fixture('multi-document')), /2 YAML documents/, {
      file: 'multi-document/slipway.yaml',
      line: 4,
    });
  });

  it('bad cross-references', async () => {
    const errors = await loadErrors(fixture('bad-references'));
    const file = 'bad-references/slipway.yaml';
    expectError(errors, /unknown strategy "canery" — did you mean "canary"\?/, {
      file,
      line: 6,
      column: 15,
      path: 'services.web.strategy',
    });
    expectError(errors, /unknown analysis template "sucess-rate" — did you mean "success-rate"\?/, {
      file,
      line: 15,
      path: 'strategies.slow-canary.steps[1].analysis.templates[0]',
    });
    expectError(errors, /promoted from "prod", which is not an earlier environment/, {
      line: 24,
      path: 'environments[1].promotion.from',
    });
    expectError(errors, /unknown environment "stagin" — did you mean "staging"\?/, {
      line: 26,
      path: 'environments[2].promotion.from',
    });
    expectError(errors, /environment "dev" is declared twice/, { line: 27, path: 'environments[3].name' });
    assert.equal(errors.length, 5);
  });

  it('gitops: selfHeal names only environments that follow git; unknown keys are refused', () => {
    const gitops = (extra: string) =>
      `${MINIMAL}    autoDeploy: true\n  - name: prod\ngitops:\n  repository: https://git.example.test/shop.git\n${extra}`;
    const errors = parseErrors(gitops('  selfHeal: [dev, prod, qa]\n'));
    expectError(errors, /"prod" is not followed by GitOps \(autoDeploy is not true\)/, {
      path: 'gitops.selfHeal[1]',
    });
    expectError(errors, /unknown environment "qa"/, { path: 'gitops.selfHeal[2]' });
    assert.equal(errors.length, 2);
    expectError(parseErrors(gitops('  intervall: 10s\n')), /intervall/, { path: 'gitops.intervall' });
    const ok = parsePlatform(parseYaml('slipway.yaml', gitops('  selfHeal: [dev]\n')));
    assert.deepEqual(ok.gitops, {
      repository: 'https://git.example.test/shop.git',
      branch: 'main',
      path: '.',
      interval: '1m',
      selfHeal: ['dev'],
    });
  });

  it('bad desired-state files', async () => {
    const errors = await loadErrors(fixture('bad-desired-state'));
    expectError(
      errors,
      /"prod" is not an environment of this platform — did you mean environments\/production\.yaml\?/,
      {
        file: 'bad-desired-state/environments/prod.yaml',
      },
    );
    expectError(errors, /expected a number, got the string "two"/, {
      file: 'bad-desired-state/environments/qa.yaml',
      line: 7,
      path: 'services.web.replicas',
    });
    expectError(errors, /is for environment "staging" \(by its name\) but says environment: "production"/, {
      file: 'bad-desired-state/environments/staging.yaml',
      line: 3,
      path: 'environment',
    });
    expectError(errors, /unknown service "wbe" — did you mean "web"\?/, {
      file: 'bad-desired-state/environments/production.yaml',
      line: 7,
      column: 3,
      path: 'services.wbe',
    });
    assert.equal(errors.length, 4);
  });

  it('values files with a typo in their name', async () => {
    const errors = await loadErrors(fixture('values-typo'));
    expectError(
      errors,
      /"wbe" is neither a service, an environment nor <service>\.<environment> — did you mean values\/web\.yaml\?/,
      {
        file: 'values-typo/values/wbe.yaml',
      },
    );
    expectError(errors, /"web\.prodution" .* did you mean values\/web\.production\.yaml\?/, {
      file: 'values-typo/values/web.prodution.yaml',
    });
    expectError(errors, /must end in \.yaml, not \.yml/, { file: 'values-typo/values/api.yml' });
    assert.equal(errors.length, 3);
  });
});

describe('parsePlatform: messages for unions and names', () => {
  const withStrategy = (steps: string) =>
    `${MINIMAL}strategies:\n  c:\n    type: canary\n    steps:\n${steps}`;

  it('a misspelt canary step key is an unknown key with a suggestion', () => {
    const errors = parseErrors(withStrategy('      - setWieght: 10\n'));
    assert.equal(errors.length, 1);
    expectError(errors, /unknown key "setWieght" — did you mean "setWeight"\?/, {
      line: 12,
      column: 9,
      path: 'strategies.c.steps[0].setWieght',
    });
  });

  it('two step kinds in one step cannot be combined', () => {
    const errors = parseErrors(withStrategy('      - setWeight: 10\n        pause: {}\n'));
    expectError(errors, /key "pause" cannot be combined with "setWeight"/, {
      line: 13,
      path: 'strategies.c.steps[0].pause',
    });
  });

  it('an empty step lists the possible keys', () => {
    const errors = parseErrors(withStrategy('      - {}\n'));
    expectError(
      errors,
      /expected one of the keys analysis, pause, setCanaryScale, setHeaderRoute, setWeight/,
      {
        path: 'strategies.c.steps[0]',
      },
    );
  });

  it('an error inside the matching union member is reported there', () => {
    const errors = parseErrors(withStrategy('      - setWeight: 110\n'));
    expectError(errors, /must be at most 100, got the number 110/, {
      line: 12,
      path: 'strategies.c.steps[0].setWeight',
    });
  });

  it('an unknown strategy type suggests the right one', () => {
    const errors = parseErrors(`${MINIMAL}strategies:\n  c:\n    type: canry\n`);
    expectError(errors, /unknown type "canry" — did you mean "canary"\?/, {
      line: 10,
      column: 11,
      path: 'strategies.c.type',
    });
  });

  it('a cluster that is neither "local" nor a mapping', () => {
    const errors = parseErrors(MINIMAL.replace('- name: dev', '- name: dev\n    cluster: 3'));
    expectError(errors, /expected "local" or a mapping, got the number 3/, {
      line: 8,
      path: 'environments[0].cluster',
    });
  });

  it('an invalid service name points at the key', () => {
    const errors = parseErrors(MINIMAL.replace('  web: {}', '  web: {}\n  Booking: {}'));
    expectError(errors, /invalid name "Booking": must be a DNS label/, {
      line: 6,
      column: 3,
      path: 'services.Booking',
    });
  });

  it('a document that is not a mapping', () => {
    const errors = parseErrors('- a\n- b\n');
    expectError(errors, /expected a mapping, got a list/, { line: 1, column: 1 });
  });

  it('two environments in one namespace of one cluster', () => {
    const errors = parseErrors(
      MINIMAL.replace('- name: dev', '- name: dev\n  - name: qa\n    namespace: shop-dev'),
    );
    expectError(errors, /environments "dev" and "qa" both use namespace "shop-dev" in the same cluster/, {
      line: 9,
      path: 'environments[1].namespace',
    });
  });

  it('reports every problem of a file at once, in file order', () => {
    const errors = parseErrors(
      MINIMAL.replace('name: shop', 'name: Shop').replace('- name: dev', '- name: dev\n    policy: lax'),
    );
    assert.equal(errors.length, 2);
    assert.deepEqual(
      errors.map((e) => e.location?.line),
      [3, 8],
    );
  });
});

describe('parseDesiredState', () => {
  it('applies defaults', () => {
    const state = parseDesiredState(
      parseYaml(
        'environments/dev.yaml',
        'apiVersion: slipway.dev/v1\nkind: DesiredState\nenvironment: dev\n',
      ),
      'dev',
    );
    assert.deepEqual(state.services, {});
  });
  it('refuses an empty file with a clear message', () => {
    assert.throws(
      () => parseDesiredState(parseYaml('environments/dev.yaml', '# nothing yet\n'), 'dev'),
      (e: unknown) =>
        e instanceof SlipwayError &&
        /desired-state file is empty/.test(e.message) &&
        /kind: DesiredState/.test(e.hint ?? ''),
    );
  });
});

describe('checkValuesFileNames', () => {
  it('accepts services, environments and <service>.<environment>, ignores non-YAML files', async () => {
    const platform = parsePlatform(parseYaml('slipway.yaml', MINIMAL));
    assert.deepEqual(
      checkValuesFileNames(platform, ['web.yaml', 'dev.yaml', 'web.dev.yaml', 'README.md']),
      [],
    );
    assert.equal(checkValuesFileNames(platform, ['dev.web.yaml']).length, 1);
  });

  it('loads a platform whose values directory is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-load-'));
    try {
      await writeFile(join(dir, 'slipway.yaml'), MINIMAL);
      await mkdir(join(dir, 'environments'));
      const p = await loadPlatform(dir);
      assert.deepEqual([...p.desired.keys()], ['dev']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

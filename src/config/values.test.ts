import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '../shared/errors.ts';
import { type LoadedPlatform, loadPlatform } from './load.ts';
import { mergeValues } from './merge.ts';
import {
  collectLayers,
  computeValues,
  mergeLayers,
  type ValueOverrides,
  type ValuesLayer,
} from './values.ts';
import { parseYaml } from './yaml-source.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));
const chartText = readFileSync(new URL('../../chart/values.yaml', import.meta.url), 'utf8');
/** 1-based line of the first chart line starting with `prefix` (robust against chart edits). */
const chartLine = (prefix: string) => chartText.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

let platform: LoadedPlatform | undefined;
const basic = async () => {
  platform ??= await loadPlatform(fixture('values-basic'));
  return platform;
};

describe('collectLayers', () => {
  test('layers in Helm order; missing optional files are skipped', async () => {
    const layers = await collectLayers(await basic(), 'booking', 'production', {
      set: ['env.A=1'],
      setString: ['env.B=2'],
      setJson: ['env.C=3'],
      setFile: [],
      setLiteral: ['env.D=4'],
      imageTag: 't',
      digest: `sha256:${'a'.repeat(64)}`,
    });
    assert.deepEqual(
      layers.map((l) => `${l.kind} ${l.source}`),
      [
        'chart chart/values.yaml',
        'base values.yaml',
        'service values/booking.yaml',
        'environment values/production.yaml',
        'service.environment values/booking.production.yaml',
        'desired environments/production.yaml',
        'desired environments/production.yaml',
        'flag --set-json env.C=3',
        'flag --set env.A=1',
        'flag --set-string env.B=2',
        'flag --set-literal env.D=4',
        'flag --image-tag t',
        `flag --digest sha256:${'a'.repeat(64)}`,
        'desired (set by slipway)',
      ],
    );
    const staging = await collectLayers(await basic(), 'search', 'staging');
    assert.deepEqual(
      staging.map((l) => l.source),
      ['chart/values.yaml', 'values.yaml', '(set by slipway)'],
    );
  });

  test('the desired state maps version, digest, replicas, resources, env, secrets and hosts', async () => {
    const layers = await collectLayers(await basic(), 'booking', 'production');
    const desired = layers.filter((l) => l.source === 'environments/production.yaml');
    assert.deepEqual(desired[0]!.values, {
      image: { tag: '1.4.2' },
      replicaCount: 6,
      resources: { limits: { memory: '1Gi' } },
      env: { REGION: 'us-east-1' },
      ingress: { hosts: ['booking.example.com'] },
    });
    assert.deepEqual(desired[1]!.values, { podAnnotations: { team: 'checkout' }, replicaCount: 7 });
    assert.deepEqual(desired[0]!.locate!(['image', 'tag']), { line: 6, column: 14 });
    assert.deepEqual(desired[1]!.locate!(['replicaCount'])?.line, 18);
  });

  test('a values file whose top level is not a map is a located error', async () => {
    const p = await loadPlatform(fixture('values-bad-top'));
    await assert.rejects(collectLayers(p, 'booking', 'staging'), (e: unknown) => {
      assert.ok(e instanceof SlipwayError);
      assert.equal(e.type, 'values');
      assert.match(e.location?.file ?? '', /values\/booking\.yaml$/);
      assert.equal(e.location?.line, 1);
      assert.match(e.message, /must be a map/);
      return true;
    });
  });

  test('unknown service or environment, bad --set, bad --digest', async () => {
    const p = await basic();
    await assert.rejects(collectLayers(p, 'bookin', 'production'), /did you mean "booking"/);
    await assert.rejects(collectLayers(p, 'booking', 'prod'), /unknown environment/);
    await assert.rejects(
      collectLayers(p, 'booking', 'production', { set: ['a.=1'] }),
      /invalid --set "a.=1"/,
    );
    await assert.rejects(
      collectLayers(p, 'booking', 'production', { digest: 'sha256:xyz' }),
      /not an image digest/,
    );
  });
});

describe('computeValues', () => {
  test('merged values follow the layer order', async () => {
    const m = await computeValues(await basic(), 'booking', 'production', {
      set: ['image.tag=from-set', 'env.EXTRA=1'],
      setString: ['env.EXTRA=2'],
      imageTag: 'from-flag',
    });
    // biome-ignore lint/suspicious/noExplicitAny: the test reads deep into untyped values
    const v = m.values as Record<string, any>;
    assert.equal(v.serviceName, 'booking');
    assert.equal(v.environment, 'production');
    assert.equal(v.image.repository, 'registry.example.com/booking'); // service file over base
    assert.equal(v.image.tag, 'from-flag'); // --image-tag over --set over desired version
    assert.equal(v.image.pullPolicy, 'IfNotPresent'); // chart default kept
    assert.equal(v.replicaCount, 7); // desired `values` over desired `replicas` over files
    assert.deepEqual(v.env, { LOG_LEVEL: 'warn', REGION: 'us-east-1', FEATURE_X: 'on', EXTRA: '2' });
    assert.deepEqual(v.tolerations, []); // list replaced by service.environment file
    assert.deepEqual(v.config, { size: 'large' }); // null deleted greeting
    assert.equal('minAvailable' in v.pdb, false); // null deletes a chart default
    assert.equal(v.pdb.maxUnavailable, 1);
    assert.deepEqual(v.resources, { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } });
    assert.deepEqual(v.ingress.hosts, ['booking.example.com']);
    assert.deepEqual(v.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.equal(v.autoscaling.podsMetric, null); // chart nulls stay
  });

  test('provenance: file and line of the layer that set each key last', async () => {
    const m = await computeValues(await basic(), 'booking', 'production', { set: ['image.tag=abc'] });
    const at = (path: (string | number)[]) => {
      const o = m.origin(path);
      return o ? `${o.layer.source}${o.line === undefined ? '' : `:${o.line}`}` : undefined;
    };
    assert.equal(at(['image', 'tag']), '--set image.tag=abc');
    assert.equal(at(['image', 'repository']), 'values/booking.yaml:2');
    assert.equal(at(['image', 'pullPolicy']), `chart/values.yaml:${chartLine('  pullPolicy:')}`);
    assert.equal(at(['env', 'LOG_LEVEL']), 'values/production.yaml:3');
    assert.equal(at(['env', 'REGION']), 'environments/production.yaml:12');
    assert.equal(at(['resources', 'limits', 'memory']), 'environments/production.yaml:10');
    assert.equal(at(['resources', 'requests', 'cpu']), `chart/values.yaml:${chartLine('    cpu: 100m')}`);
    assert.equal(at(['replicaCount']), 'environments/production.yaml:18');
    assert.equal(at(['ingress', 'hosts']), 'environments/production.yaml:14');
    assert.equal(at(['ingress', 'hosts', 0]), 'environments/production.yaml:14');
    assert.equal(at(['podAnnotations', 'team']), 'environments/production.yaml:17');
    assert.equal(at(['tolerations']), 'values/booking.production.yaml:1');
    assert.equal(at(['config', 'size']), 'values/booking.production.yaml:4');
    assert.equal(at(['nodeSelector', 'kubernetes.io/os']), 'values/booking.yaml:8');
    assert.equal(at(['serviceName']), '(set by slipway)');
    assert.equal(at(['config', 'greeting']), undefined);
    assert.equal(at(['no', 'such']), undefined);
  });

  test('leaves(): every leaf once, sorted, with origins; lists and empty maps are leaves', async () => {
    const m = await computeValues(await basic(), 'booking', 'production');
    const leaves = m.leaves();
    const paths = leaves.map((l) => l.path);
    assert.deepEqual(paths, [...paths].sort());
    assert.equal(new Set(paths).size, paths.length);
    const byPath = new Map(leaves.map((l) => [l.path, l]));
    assert.deepEqual(byPath.get('securityContext.capabilities.drop')?.value, ['ALL']);
    assert.deepEqual(byPath.get('labels')?.value, {});
    assert.equal(byPath.get('nodeSelector.kubernetes\\.io/os')?.origin?.line, 8);
    assert.ok(leaves.every((l) => l.origin !== undefined));
  });
});

describe('flags apply as Helm applies them', () => {
  test('a list index extends the list a file set; flags of one type accumulate', async () => {
    const m = await computeValues(await basic(), 'search', 'staging', {
      set: ['tolerations[1].key=gpu', 'args[0]=a', 'args[1]=b'],
    });
    assert.deepEqual(m.values.tolerations, [{ key: 'dedicated', value: 'shop' }, { key: 'gpu' }]);
    assert.deepEqual(m.values.args, ['a', 'b']);
    assert.equal(m.origin(['tolerations', 0])?.layer.source, '--set tolerations[1].key=gpu');
    assert.equal(m.origin(['args'])?.layer.source, '--set args[1]=b');
  });

  test('a key set to the value it already had keeps its file as origin', async () => {
    const m = await computeValues(await basic(), 'search', 'staging', { set: ['replicaCount=3,env.NEW=x'] });
    assert.equal(m.origin(['replicaCount'])?.layer.source, 'values.yaml');
    assert.equal(m.origin(['env', 'NEW'])?.layer.source, '--set replicaCount=3,env.NEW=x');
    assert.equal(m.origin(['env', 'LOG_LEVEL'])?.layer.source, 'values.yaml');
  });

  test('--set null deletes a chart default; nesting into a scalar from a file is an error', async () => {
    const m = await computeValues(await basic(), 'search', 'staging', { set: ['pdb.minAvailable=null'] });
    assert.equal(Object.hasOwn(m.values.pdb as object, 'minAvailable'), false);
    await assert.rejects(
      computeValues(await basic(), 'search', 'staging', { set: ['replicaCount.x=1'] }),
      /key "replicaCount" is not a map/,
    );
  });

  test('--set-file reads the file (relative to the working directory)', async () => {
    const m = await computeValues(await basic(), 'search', 'staging', {
      setFile: [`config.motd=${fixture('values-basic/motd.txt')}`],
    });
    assert.equal(
      (m.values.config as Record<string, unknown>).motd,
      'Welcome, line one\nline two, with a comma\n',
    );
    await assert.rejects(
      computeValues(await basic(), 'search', 'staging', { setFile: ['config.motd=/no/such/file'] }),
      /invalid --set-file .*cannot read file "\/no\/such\/file"/s,
    );
  });
});

describe('mergeLayers', () => {
  const layer = (source: string, values: Record<string, unknown>): ValuesLayer => ({
    kind: 'flag',
    source,
    values,
  });

  test('gives the same values as folding mergeValues (first layer keeps its nulls)', () => {
    const layers = [
      layer('a', { m: { x: 1, y: null, l: [1, 2] }, s: 'x', gone: 1 }),
      layer('b', { m: { x: { deep: 1 }, l: [3] }, s: { now: 'map' }, gone: null }),
      layer('c', { m: { x: { deep: null, other: 2 } }, s: 'scalar again', n: { k: null, j: 1 } }),
    ];
    const expected = layers.slice(1).reduce((acc, l) => mergeValues(acc, l.values), layers[0]!.values);
    assert.deepEqual(mergeLayers(layers).values, expected);
  });

  test('a subtree replaced by a later layer takes that layer as origin; later partial merges refine it', () => {
    const m = mergeLayers([
      layer('a', { s: 'x', keep: { k: 1 } }),
      layer('b', { s: { p: 1, q: 2 } }),
      layer('c', { s: { q: 3 } }),
    ]);
    assert.equal(m.origin(['s', 'p'])?.layer.source, 'b');
    assert.equal(m.origin(['s', 'q'])?.layer.source, 'c');
    assert.equal(m.origin(['s'])?.layer.source, 'c');
    assert.equal(m.origin(['keep', 'k'])?.layer.source, 'a');
  });

  test('null, Null, NULL and ~ in a values file all delete the key', () => {
    const file = parseYaml('values.yaml', 'a: null\nb: Null\nc: NULL\nd: ~\ne: "null"\n');
    const m = mergeLayers([
      layer('chart', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }),
      layer('file', file.value as Record<string, unknown>),
    ]);
    assert.deepEqual(m.values, { e: 'null', f: 6 });
  });

  test('a replaced subtree goes back to the first layer before the replacing layer applies', () => {
    const m = mergeLayers([
      layer('chart', { m: { a: 1, b: 2 }, keep: 1 }),
      layer('file', { m: { b: 3, c: 4 } }),
      { ...layer('flag', { m: { d: 5 } }), replaces: [['m']] },
    ]);
    assert.deepEqual(m.values, { m: { a: 1, b: 2, d: 5 }, keep: 1 });
    assert.equal(m.origin(['m', 'b'])?.layer.source, 'chart');
    assert.equal(m.origin(['m', 'd'])?.layer.source, 'flag');
    assert.equal(m.origin(['m', 'c']), undefined);
  });

  test('inputs are not changed', () => {
    const a = { m: { x: 1 } };
    const b = { m: { x: null, y: [1] } };
    const m = mergeLayers([layer('a', a), layer('b', b)]);
    (m.values.m as Record<string, unknown[]>).y!.push(2);
    assert.deepEqual(a, { m: { x: 1 } });
    assert.deepEqual(b, { m: { x: null, y: [1] } });
  });
});

// Helm parses the flags into the map of the -f files (pkg/cli/values/options.go MergeValues), where
// strvals' set() assigns: a --set-json map replaces the map a values file gave that key (strvals
// parser_test.go TestParseJSON, "replace one existing key"). That map is then coalesced over the
// chart's own values.yaml (pkg/chart/common/util/coalesce.go), where maps merge: the chart's
// defaults under the replaced key come back. values.yaml here plays a -f file; chart/ the chart.
describe('--set-json replaces a map from the files; the chart defaults still coalesce under it', () => {
  const env = { LOG_LEVEL: 'info', REGION: 'eu-west-1' };
  const chartImage = { repository: '', tag: '', digest: '', pullPolicy: 'IfNotPresent' };
  const cases: Array<{ name: string; flags: ValueOverrides; key: string; want: unknown }> = [
    { name: 'no flag: the file map', flags: {}, key: 'env', want: env },
    {
      name: 'a JSON map replaces the file map',
      flags: { setJson: ['env={"NEW":"x"}'] },
      key: 'env',
      want: { NEW: 'x' },
    },
    { name: 'an empty JSON map empties it', flags: { setJson: ['env={}'] }, key: 'env', want: {} },
    {
      name: "the chart's defaults of a replaced map come back, the file's keys do not",
      flags: { setJson: ['image={"tag":"v2"}'] },
      key: 'image',
      want: { ...chartImage, tag: 'v2' },
    },
    {
      name: 'a JSON map merges with chart defaults the files never touched',
      flags: { setJson: ['probes.readiness={"path":"/r","periodSeconds":2}'] },
      key: 'probes.readiness.path',
      want: '/r',
    },
    {
      name: '… and keeps the chart defaults it does not name',
      flags: { setJson: ['probes.readiness={"path":"/r","periodSeconds":2}'] },
      key: 'probes.readiness.enabled',
      want: true,
    },
    {
      name: '--set into a key merges (a scalar assignment)',
      flags: { set: ['env.NEW=x'] },
      key: 'env',
      want: { ...env, NEW: 'x' },
    },
    {
      name: '--set after --set-json merges into the JSON map',
      flags: { setJson: ['env={"NEW":"x"}'], set: ['env.MORE=y'] },
      key: 'env',
      want: { NEW: 'x', MORE: 'y' },
    },
    {
      name: 'a later --set-json replaces an earlier one',
      flags: { setJson: ['env={"NEW":"x"}', 'env={"OTHER":"z"}'] },
      key: 'env',
      want: { OTHER: 'z' },
    },
    {
      name: 'a JSON scalar inside the map only sets that key',
      flags: { setJson: ['env.NEW="x"'] },
      key: 'env',
      want: { ...env, NEW: 'x' },
    },
    {
      name: 'a JSON null deletes the key',
      flags: { setJson: ['env.LOG_LEVEL=null'] },
      key: 'env',
      want: { REGION: 'eu-west-1' },
    },
    {
      name: 'a whole JSON object (Helm 4) merges as a values file does',
      flags: { setJson: ['{"env":{"NEW":"x"},"replicaCount":5}'] },
      key: 'env',
      want: { ...env, NEW: 'x' },
    },
    {
      name: 'a JSON list replaces the list',
      flags: { setJson: ['tolerations=[{"key":"gpu"}]'] },
      key: 'tolerations',
      want: [{ key: 'gpu' }],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const m = await computeValues(await basic(), 'search', 'staging', c.flags);
      const got = c.key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], m.values);
      assert.deepEqual(got, c.want);
    });
  }

  test('provenance: replaced keys name the flag or the chart, never the file', async () => {
    const m = await computeValues(await basic(), 'search', 'staging', {
      setJson: ['image={"tag":"v2"}', 'env={"NEW":"x"}'],
    });
    assert.equal(m.origin(['image', 'tag'])?.layer.source, '--set-json image={"tag":"v2"}');
    assert.equal(m.origin(['image', 'repository'])?.layer.source, 'chart/values.yaml');
    assert.equal(m.origin(['image', 'pullPolicy'])?.layer.source, 'chart/values.yaml');
    assert.equal(m.origin(['env', 'NEW'])?.layer.source, '--set-json env={"NEW":"x"}');
    assert.equal(m.origin(['env', 'LOG_LEVEL']), undefined);
    assert.ok(m.leaves().every((l) => l.origin?.layer.source !== 'values.yaml' || !l.path.startsWith('env')));
  });

  test('a malformed whole JSON object is a values error with the flag', async () => {
    await assert.rejects(
      computeValues(await basic(), 'search', 'staging', { setJson: ['{"env":'] }),
      (e: unknown) => e instanceof SlipwayError && e.type === 'values' && /--set-json/.test(e.message),
    );
  });
});

describe('--image-tag without --digest drops the pinned digest', () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  const pinned = async () => {
    const p = await loadPlatform(fixture('values-basic'));
    p.desired.get('production')!.state.services.booking!.digest = digest;
    return p;
  };
  const image = async (o: ValueOverrides) =>
    (await computeValues(await pinned(), 'booking', 'production', o)).values.image as Record<string, unknown>;

  test('the desired digest stays with the desired tag', async () => {
    assert.deepEqual([(await image({})).tag, (await image({})).digest], ['1.4.2', digest]);
  });
  test('a new tag alone takes no digest of the old version', async () => {
    const m = await computeValues(await pinned(), 'booking', 'production', { imageTag: 'v9' });
    const img = m.values.image as Record<string, unknown>;
    assert.deepEqual([img.tag, img.digest], ['v9', '']);
    assert.equal(m.origin(['image', 'digest'])?.layer.source, '--image-tag v9');
  });
  test('a new tag with its digest keeps both', async () => {
    const other = `sha256:${'d'.repeat(64)}`;
    const img = await image({ imageTag: 'v9', digest: other });
    assert.deepEqual([img.tag, img.digest], ['v9', other]);
  });
  test('a digest alone keeps the desired tag', async () => {
    const other = `sha256:${'d'.repeat(64)}`;
    const img = await image({ digest: other });
    assert.deepEqual([img.tag, img.digest], ['1.4.2', other]);
  });
  test('--set image.tag under the pinned digest is refused (exit 2) naming the flag; with the digest too it is fine', async () => {
    await assert.rejects(
      image({ set: ['image.tag=v9'] }),
      (e: unknown) =>
        e instanceof SlipwayError &&
        e.exitCode === 2 &&
        /--set image\.tag=v9 changes the image tag to v9 but keeps the pinned digest/.test(e.message) &&
        /--image-tag v9/.test(e.hint ?? ''),
    );
    const other = `sha256:${'d'.repeat(64)}`;
    const img = await image({ set: [`image.tag=v9,image.digest=${other}`] });
    assert.deepEqual([img.tag, img.digest], ['v9', other]);
    assert.equal((await image({ set: ['replicaCount=2'] })).digest, digest, 'other --set keys leave the pin');
  });
});

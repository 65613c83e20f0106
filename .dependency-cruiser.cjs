// The layers of DESIGN.md ("Architecture") as a check: `npm run depcruise` (part of `npm test`) fails
// when a module imports from a folder its layer may not use. Written as one allow-list per top folder
// of src/ so the rules read like the design, and checked below to form no cycle, so that no chain of
// allowed imports can ever lead back into the folder it started from.
//
// Type-only imports count: a type imported upwards couples the layers just as a value does.
'use strict';

/** Each top folder of src/ and the other top folders it may import from. */
const LAYERS = {
  shared: [],
  config: ['shared'],
  // The embedded cluster stands alone so it can run as its own process and be swapped for a real one.
  localcluster: ['shared'],
  store: ['shared'],
  // kube/target.ts types a target with the schema of slipway.yaml (a type-only import).
  kube: ['config', 'shared'],
  render: ['config', 'shared'],
  policy: ['analysis', 'render', 'config', 'shared'],
  analysis: ['config', 'shared'],
  release: ['analysis', 'policy', 'render', 'kube', 'config', 'shared'],
  promotion: ['release', 'policy', 'render', 'kube', 'store', 'config', 'shared'],
  // Feature flags as releases: the release history's format, locks and analysis, on the kube adapter.
  flags: ['release', 'analysis', 'kube', 'config', 'shared'],
  operations: [
    'flags',
    'release',
    'promotion',
    'analysis',
    'policy',
    'render',
    'kube',
    'store',
    'config',
    'shared',
  ],
  // The edges: the demo drives a local cluster through the engine; the server and the CLI call
  // operations. Nothing imports cli/: what the server and the CLI share belongs in operations/ or shared/.
  demo: [
    'operations',
    'release',
    'promotion',
    'analysis',
    'policy',
    'render',
    'kube',
    'store',
    'config',
    'localcluster',
    'shared',
  ],
  server: [
    'flags',
    'operations',
    'release',
    'promotion',
    'analysis',
    'policy',
    'render',
    'kube',
    'store',
    'config',
    'localcluster',
    'demo',
    'shared',
  ],
  cli: [
    'flags',
    'server',
    'operations',
    'release',
    'promotion',
    'analysis',
    'policy',
    'render',
    'kube',
    'store',
    'config',
    'localcluster',
    'demo',
    'shared',
  ],
};

/**
 * Imports that cross a layer today, each allowed for one file to one file only, with why and what
 * would remove it. Keep this list short: it is a to-do list, not a way around the rules.
 */
const EXCEPTIONS = [
  {
    from: 'src/release/strategies/canary-runtime.ts',
    to: 'src/localcluster/cluster.ts',
    why:
      'metricsUrlFor() reads the local cluster record to find its metrics endpoint; the target ' +
      '(kube/target.ts or cli/target.ts) should resolve it and hand it to the engine.',
  },
  {
    from: 'src/config/scaffold.test.ts',
    to: 'src/cli/commands/init.ts',
    why: 'the test drives `slipway init` through commander; that part belongs in test/ (an integration test).',
  },
  {
    from: 'src/config/scaffold.test.ts',
    to: 'src/policy/lint.ts',
    why: 'the test lints the scaffolded platform; that part belongs in test/ (an integration test).',
  },
];

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const folders = Object.keys(LAYERS);

// Fail loudly when the allow-lists themselves name an unknown folder or loop back on themselves.
for (const [folder, allowed] of Object.entries(LAYERS)) {
  for (const dep of allowed) {
    if (!(dep in LAYERS))
      throw new Error(`.dependency-cruiser.cjs: ${folder} may import unknown folder ${dep}`);
  }
}
const visiting = new Set();
const done = new Set();
function visit(folder, trail) {
  if (done.has(folder)) return;
  if (visiting.has(folder)) {
    throw new Error(`.dependency-cruiser.cjs: the layers form a cycle: ${[...trail, folder].join(' → ')}`);
  }
  visiting.add(folder);
  for (const dep of LAYERS[folder]) visit(dep, [...trail, folder]);
  visiting.delete(folder);
  done.add(folder);
}
for (const folder of folders) visit(folder, []);

const allowedPattern = (folder) => `^src/(${[folder, ...LAYERS[folder]].join('|')})/`;
const exceptionFiles = (folder) => EXCEPTIONS.filter((e) => e.from.startsWith(`src/${folder}/`));

function layerRule(folder) {
  const allowed = LAYERS[folder].length ? LAYERS[folder].join('/, ') + '/' : 'nothing else in src/';
  const files = [...new Set(exceptionFiles(folder).map((e) => e.from))];
  return {
    name: `layer-${folder}`,
    severity: 'error',
    comment:
      `${folder}/ may import only ${allowed} (DESIGN.md, Architecture). Move the code to the layer that ` +
      'owns it, or pass the value in from above; change LAYERS in .dependency-cruiser.cjs only when ' +
      'the design changes.',
    from: files.length
      ? { path: `^src/${folder}/`, pathNot: `^(${files.map(escapeRegExp).join('|')})$` }
      : { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: allowedPattern(folder) },
  };
}

// A file with an exception keeps every other rule of its layer: only its listed targets are added.
function exceptionRule(file) {
  const folder = file.split('/')[1];
  const targets = EXCEPTIONS.filter((e) => e.from === file).map((e) => e.to);
  return {
    name: `layer-${folder}`,
    severity: 'error',
    comment: `${folder}/ may import only ${LAYERS[folder].join('/, ')}/; ${file} has a documented exception for ${targets.join(', ')} (see EXCEPTIONS in .dependency-cruiser.cjs).`,
    from: { path: `^${escapeRegExp(file)}$` },
    to: { path: '^src/', pathNot: `${allowedPattern(folder)}|^(${targets.map(escapeRegExp).join('|')})$` },
  };
}

module.exports = {
  forbidden: [
    ...folders.map(layerRule),
    ...[...new Set(EXCEPTIONS.map((e) => e.from))].map(exceptionRule),
    {
      name: 'layer-unknown-folder',
      severity: 'error',
      comment:
        'every file in src/ sits in a top folder named in LAYERS of .dependency-cruiser.cjs: add the ' +
        'new folder there with the layers it may use (and to DESIGN.md).',
      from: { path: '^src/', pathNot: `^src/(${folders.join('|')})/` },
      to: {},
    },
    {
      // The layers are acyclic, so this catches cycles that sneak through an exception.
      name: 'no-cycle-across-folders',
      severity: 'error',
      comment: 'a cycle of imports leaves its folder: break it by moving the shared part down a layer.',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, via: { pathNot: '^src/$1/' } },
    },
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};

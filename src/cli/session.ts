// One operation context per CLI command: the platform, the state store, the (unauthenticated) user
// from the one identity function, and the cluster of an environment with progress on stderr. Every
// command that changes what runs builds it here and calls one function of src/operations/.
import { type LoadedPlatform, loadPlatform } from '../config/load.ts';
import { type OperationContext, operationContext } from '../operations/context.ts';
import { currentUser, describeUser, gitUser } from '../promotion/identity.ts';
import { SlipwayError } from '../shared/errors.ts';
import { openStore } from '../store/index.ts';
import { consoleEvents } from './events.ts';
import { color } from './output.ts';
import { connectEnvironment } from './target.ts';

export const STORE_HELP =
  'state store: a SQLite path or postgres:// URL (default SLIPWAY_STORE, else .slipway/state.db)';

let userAnnounced = false;

export interface CliSession {
  ctx: OperationContext;
  platform: LoadedPlatform;
  close(): Promise<void>;
}

type GlobalsCommand = { optsWithGlobals(): unknown };

/** `readOnly`: a command that only reads the store; a missing store is an error, never created. */
export interface SessionOptions {
  store?: string | undefined;
  format?: 'text' | 'json';
  readOnly?: boolean;
}

export async function openSession(command: GlobalsCommand, o: SessionOptions = {}): Promise<CliSession> {
  const globals = command.optsWithGlobals() as { dir?: string };
  const platform = await loadPlatform(globals.dir ?? '.');
  const user = currentUser(process.env, await gitUser(platform.dir));
  if (!userAnnounced) {
    process.stderr.write(`${color.dim(describeUser(user))}\n`);
    userAnnounced = true;
  }
  const store = await openStore(o.store ?? process.env.SLIPWAY_STORE, platform.dir, {
    readOnly: o.readOnly === true,
  });
  const format = o.format ?? 'text';
  const ctx = operationContext({
    platform,
    store,
    identity: { name: user.name, authenticated: false, source: user.source },
    now: new Date(),
    cluster: {
      async connect(p, environment, c = {}) {
        const client = await connectEnvironment(p, environment, {
          ...(c.start === false ? { start: false } : {}),
          log: consoleEvents(format).log,
        });
        if (!client && c.start !== false)
          throw new SlipwayError('unreachable', `cannot connect to the cluster of ${environment}`);
        return client;
      },
      events(service) {
        const e = consoleEvents(format);
        return format === 'json' ? e : { ...e, log: (l) => e.log(`${service}: ${l}`) };
      },
    },
  });
  return { ctx, platform, close: () => store.close() };
}

export async function withSession<T>(
  command: GlobalsCommand,
  o: SessionOptions,
  fn: (s: CliSession) => Promise<T>,
): Promise<T> {
  const s = await openSession(command, o);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

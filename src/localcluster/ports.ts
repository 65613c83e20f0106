// The cluster's ports outlive a run: `<dir>/ports.json` keeps the API and metrics ports, so that a
// kubeconfig, a shell's KUBECONFIG or a dashboard pointed at the cluster still works after
// `cluster down` / `cluster up` (cluster.json goes away on a clean stop). A remembered port another
// process took meanwhile is given up for a free one, with a note saying so; a port asked for
// explicitly is never given up: its being taken is an error naming it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterPorts {
  port?: number;
  metricsPort?: number;
}

const validPort = (p: unknown): p is number =>
  typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536;

/** The ports of the last run: ports.json, else a cluster.json a crashed run left behind. */
export function readClusterPorts(dir: string): ClusterPorts {
  for (const file of ['ports.json', 'cluster.json']) {
    try {
      const j = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      return {
        ...(validPort(j.port) ? { port: j.port } : {}),
        ...(validPort(j.metricsPort) ? { metricsPort: j.metricsPort } : {}),
      };
    } catch {}
  }
  return {};
}

export function saveClusterPorts(dir: string, ports: Required<ClusterPorts>): void {
  writeFileSync(join(dir, 'ports.json'), `${JSON.stringify(ports, null, 2)}\n`);
}

const inUse = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

/**
 * Starts a listener on the port asked for (`explicit`), else the remembered one, else any free port.
 * A remembered port in use falls back to a free one and adds a note to `notes`.
 */
export async function onPort<T extends { port: number }>(
  what: 'API' | 'metrics',
  explicit: number | undefined,
  remembered: number | undefined,
  notes: string[],
  listen: (port: number) => Promise<T>,
): Promise<T> {
  if (explicit !== undefined && explicit !== 0) {
    try {
      return await listen(explicit);
    } catch (e) {
      if (!inUse(e)) throw e;
      throw new Error(
        `the ${what} port ${explicit} is in use by another process: choose another one (--port) or stop that process`,
        { cause: e },
      );
    }
  }
  if (explicit === undefined && remembered !== undefined) {
    try {
      return await listen(remembered);
    } catch (e) {
      if (!inUse(e)) throw e;
      const started = await listen(0);
      notes.push(
        `the ${what} port ${remembered} of the previous run is in use by another process; ` +
          `listening on ${started.port} instead${what === 'API' ? ' (the kubeconfig now names it)' : ''}`,
      );
      return started;
    }
  }
  return await listen(0);
}

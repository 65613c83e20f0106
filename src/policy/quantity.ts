// Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity): parsing to exact numbers of
// millicores / bytes and formatting back in the units people write.
import { SlipwayError } from '../shared/errors.ts';

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a quantity in base units (cores for CPU, bytes for memory). */
export function parseQuantity(q: string | number, what = 'quantity'): number {
  if (typeof q === 'number') {
    if (Number.isFinite(q)) return q;
  } else {
    const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/.exec(
      q.trim(),
    );
    if (m) {
      const n = Number(m[1]);
      if (m[2]) return n * BINARY[m[2]]!;
      if (m[3]) return n * 10 ** Number(m[3].slice(1));
      return n * DECIMAL[m[4] ?? '']!;
    }
  }
  throw new SlipwayError('values', `${what} "${String(q)}" is not a Kubernetes quantity`, {
    hint: 'Write CPU as 250m or 0.5, memory as 256Mi, 1Gi or 500M.',
  });
}

/** CPU in whole millicores (Kubernetes rounds CPU up to 1m). */
export function cpuMillis(q: string | number): number {
  return Math.ceil(Math.round(parseQuantity(q, 'CPU') * 1e6) / 1e3);
}

/** Memory in whole bytes. */
export function memoryBytes(q: string | number): number {
  return Math.ceil(parseQuantity(q, 'memory'));
}

export function formatCpu(millis: number): string {
  return millis % 1000 === 0 && millis >= 1000 ? `${millis / 1000}` : `${millis}m`;
}

/** Millicores as `2100m`, always in m (what capacity tables use). */
export function formatMillis(millis: number): string {
  return `${millis}m`;
}

/** Bytes in the largest binary unit that divides them evenly, but Mi for anything under 64Gi that is a whole Mi. */
export function formatMemory(bytes: number): string {
  if (bytes === 0) return '0';
  for (const [unit, size] of [
    ['Ei', BINARY.Ei!],
    ['Pi', BINARY.Pi!],
    ['Ti', BINARY.Ti!],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  if (bytes % BINARY.Gi! === 0 && bytes >= 64 * BINARY.Gi!) return `${bytes / BINARY.Gi!}Gi`;
  if (bytes % BINARY.Mi! === 0) return `${bytes / BINARY.Mi!}Mi`;
  if (bytes % BINARY.Ki! === 0) return `${bytes / BINARY.Ki!}Ki`;
  for (const [unit, size] of [
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}`;
}

/** A friendly second form: 2.1 cores, 2.25Gi. */
export function humanCpu(millis: number): string {
  return `${Number((millis / 1000).toFixed(3))} cores`;
}

export function humanMemory(bytes: number): string {
  return bytes >= BINARY.Gi!
    ? `${Number((bytes / BINARY.Gi!).toFixed(2))}Gi`
    : `${Number((bytes / BINARY.Mi!).toFixed(1))}Mi`;
}

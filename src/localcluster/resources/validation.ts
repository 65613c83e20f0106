// Field validation the API server itself does for built-in kinds, independent of any injected
// validator: the Deployment rolling-update fence posts (apps validation's
// ValidateRollingUpdateDeployment), with the API server's order and messages, and the field checks
// slipway's own validation shares (shared/api-validation.ts: names, label syntax, replicas and port
// ranges, ConfigMap/Secret size).
import { apiValidation } from '../../shared/api-validation.ts';
import type { KubeObject } from '../../shared/kube-types.ts';

export interface FieldProblem {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;

const PERCENT = /^[0-9]+%$/;
/** validation.IsValidPercent's message, built by apimachinery's RegexError. */
const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** How field.Invalid prints an intstr.IntOrString value (a struct without a value String()). */
function intOrStringText(v: number | string): string {
  return typeof v === 'number'
    ? `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`
    : `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
}

/** getIntOrPercentValue: a percentage's number, an int, or Atoi of any other string (0 on error). */
function numberOf(v: number | string): number {
  if (typeof v === 'number') return v;
  if (PERCENT.test(v)) return Number(v.slice(0, -1));
  return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
}

function positiveIntOrPercent(v: number | string, path: string, out: FieldProblem[]): void {
  if (typeof v === 'string') {
    if (!PERCENT.test(v))
      out.push({ path, message: `Invalid value: ${intOrStringText(v)}: ${PERCENT_MESSAGE}` });
  } else if (v < 0) {
    out.push({ path, message: `Invalid value: ${v}: must be greater than or equal to 0` });
  }
}

/** An IntOrString field: an integer or a string; anything else cannot be decoded (400 upstream). */
function intOrString(v: unknown): v is number | string {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'string';
}

export function validateDeploymentStrategy(o: KubeObject): FieldProblem[] {
  if (o.kind !== 'Deployment') return [];
  const strategy = ((o.spec as Obj | undefined)?.strategy as Obj | undefined) ?? {};
  const ru = strategy.rollingUpdate as Obj | undefined;
  if (!ru || (strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return [];
  const base = 'spec.strategy.rollingUpdate';
  const out: FieldProblem[] = [];
  // Unset fields are defaulted to 25% before validation, as the API server does on decode.
  const unavailable = ru.maxUnavailable ?? '25%';
  const surge = ru.maxSurge ?? '25%';
  for (const [name, v] of [
    ['maxUnavailable', unavailable],
    ['maxSurge', surge],
  ] as const) {
    if (!intOrString(v)) {
      out.push({
        path: `${base}.${name}`,
        message: `Invalid value: ${JSON.stringify(v)}: must be an integer or percentage (e.g '5%')`,
      });
    }
  }
  if (out.length) return out;
  const u = unavailable as number | string;
  const s = surge as number | string;
  positiveIntOrPercent(u, `${base}.maxUnavailable`, out);
  positiveIntOrPercent(s, `${base}.maxSurge`, out);
  if (numberOf(u) === 0 && numberOf(s) === 0) {
    out.push({
      path: `${base}.maxUnavailable`,
      message: `Invalid value: ${intOrStringText(u)}: may not be 0 when \`maxSurge\` is 0`,
    });
  }
  if (typeof u === 'string' && PERCENT.test(u) && numberOf(u) > 100) {
    out.push({
      path: `${base}.maxUnavailable`,
      message: `Invalid value: ${intOrStringText(u)}: must not be greater than 100%`,
    });
  }
  return out;
}

/** Every built-in check for one object. */
export function builtinValidation(o: KubeObject): FieldProblem[] {
  // Names are checked where the store takes them (store/names.ts), with the API server's own text.
  return [...validateDeploymentStrategy(o), ...apiValidation(o).filter((p) => p.path !== 'metadata.name')];
}

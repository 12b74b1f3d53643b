import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConcordError } from '../errors.js';
import type { ModelKind } from './model.js';
import type { HyperParams } from './hyper.js';

/**
 * The job file: what the consortium computes. JSON, validated on load; unknown fields and wrong
 * types are E_CONFIG errors naming the file and the field. Every party must load the same job:
 * `jobHash` (SHA-256 of the canonical, defaults-filled form) goes into the network handshake.
 * Documented for users in README.md ("Job files").
 */
export interface Job extends HyperParams {
  /** Free-text name shown in logs. */
  name: string;
  model: ModelKind;
  /** Hidden-layer width of the MLP (ignored by logreg but still hashed). */
  hidden: number;
  /** Name of the 0/1 label column. */
  label: string;
  /** Feature columns in order; empty = every column except the label, in file order. */
  features: string[];
  partitioning: 'horizontal';
  /** Fixed-point fractional bits of the secret values. */
  fracBits: number;
  /** Offline mode; "auto" = hm for three parties, ot otherwise (resolved by src/cli/prep.ts resolveOffline). */
  offline: 'auto' | 'hm' | 'ot' | 'dealer';
  /** Party ids that receive the trained model; empty = every party. */
  recipients: string[];
  /** Reveal the per-epoch Brier loss to every party (a declared output; off by default). */
  revealLoss: boolean;
  /**
   * Reveal the weights to every party after every step (a declared output for debugging and
   * `simulate --check`, which compares them with the plaintext loop; off by default).
   */
  revealCheckpoints: boolean;
}

/** Defaults for every optional field. */
export const JOB_DEFAULTS: Job = {
  name: 'training job',
  model: 'logreg',
  hidden: 16,
  label: 'label',
  features: [],
  partitioning: 'horizontal',
  epochs: 10,
  batchSize: 64,
  lr: 0.5,
  momentum: 0,
  positiveWeight: 1,
  seed: 1,
  fracBits: 16,
  offline: 'auto',
  recipients: [],
  revealLoss: false,
  revealCheckpoints: false,
};

type Check = (v: unknown) => string | undefined;
const int = (lo: number, hi: number): Check => (v) => (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? undefined : `must be an integer in ${lo}..${hi}`);
const num = (lo: number, hi: number, openLo = false): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi ? undefined : `must be a number in ${openLo ? '(' : '['}${lo}, ${hi}]`;
const oneOf = (...xs: string[]): Check => (v) => (typeof v === 'string' && xs.includes(v) ? undefined : `must be one of ${xs.map((x) => `"${x}"`).join(', ')}`);
const str: Check = (v) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? undefined : 'must be a non-empty string');
const strList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0) && new Set(v).size === v.length ? undefined : 'must be a list of distinct non-empty strings');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

const SCHEMA: Record<keyof Job, Check> = {
  name: str,
  model: oneOf('logreg', 'mlp'),
  hidden: int(1, 1024),
  label: str,
  features: strList,
  partitioning: oneOf('horizontal'),
  epochs: int(1, 10_000),
  batchSize: int(1, 1_000_000),
  lr: num(0, 100, true),
  momentum: num(0, 0.999),
  positiveWeight: num(0, 1000, true),
  seed: int(0, 2 ** 31 - 1),
  fracBits: int(8, 24),
  offline: oneOf('auto', 'hm', 'ot', 'dealer'),
  recipients: strList,
  revealLoss: bool,
  revealCheckpoints: bool,
};

/** Largest fracBits the MLP supports (tested; see validateJob). */
export const MLP_MAX_FRAC_BITS = 17;

/** Validate a parsed job object (fills defaults). `file` names the source in errors. */
export function validateJob(obj: unknown, file: string): Job {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new ConcordError('E_CONFIG', `${file}: a job file must hold one JSON object`);
  const out: Record<string, unknown> = { ...JOB_DEFAULTS };
  for (const [k, v] of Object.entries(obj)) {
    if (k === '$comment') continue;
    // Own fields only: a job may name "__proto__", "valueOf" or "isPrototypeOf", which an object lookup would find on Object.prototype.
    const check = Object.hasOwn(SCHEMA, k) ? SCHEMA[k as keyof Job] : undefined;
    if (!check) throw new ConcordError('E_CONFIG', `${file}: unknown field "${k}" (known: ${Object.keys(SCHEMA).join(', ')})`);
    const problem = check(v);
    if (problem) throw new ConcordError('E_CONFIG', `${file}: field "${k}" ${problem}, got ${JSON.stringify(v)?.slice(0, 60)}`);
    out[k] = v;
  }
  // The MLP feeds σ its output-layer product at 3f bits; above f = 17 that leaves the ring's exact range.
  if (out.model === 'mlp' && (out.fracBits as number) > MLP_MAX_FRAC_BITS) {
    throw new ConcordError('E_CONFIG', `${file}: field "fracBits" is ${String(out.fracBits)}, but the MLP is exact only up to fracBits ${MLP_MAX_FRAC_BITS} (its output-layer product carries 3·fracBits fractional bits); use ${MLP_MAX_FRAC_BITS} or fewer`);
  }
  return out as unknown as Job;
}

/** Read and validate a job file. */
export function loadJob(file: string): Job {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConcordError('E_CONFIG', `${file}: cannot read the job file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new ConcordError('E_CONFIG', `${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateJob(obj, file);
}

/** Canonical JSON (sorted keys) of a validated job. */
export function canonicalJob(job: Job): string {
  const keys = Object.keys(job).sort();
  return JSON.stringify(job, keys);
}

/** Hex SHA-256 of the canonical job: what the parties compare in the handshake. */
export function jobHash(job: Job): string {
  return Buffer.from(sha256(new TextEncoder().encode(`concord-job/1\n${canonicalJob(job)}`))).toString('hex');
}

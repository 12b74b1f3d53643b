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
  /** Name of the label column (0/1, or any text with positiveClass). */
  label: string;
  /** Label cells equal to this (after trimming) are 1, every other non-missing value 0; null = the label is 0/1. */
  positiveClass: string | null;
  /** Feature columns in order; empty = every column except the label, in file order. */
  features: string[];
  /** Categorical columns: column → declared levels (one 0/1 indicator per level, in this order). */
  categorical: Record<string, string[]>;
  /** A categorical cell whose level is not declared: an E_DATA error, or all-zero indicators. */
  unknownLevel: 'error' | 'zeros';
  /** Cell texts read as missing (compared after trimming, ignoring case). */
  missing: string[];
  /** A missing numeric cell: the joint mean of its column over the observed cells, or an E_DATA error. */
  impute: 'mean' | 'error';
  /** Standardized values are clipped to ±clip (outlier policy; each party logs its own clipped counts). */
  clip: number;
  /** horizontal: each party holds some rows; vertical: each party holds some columns of the same records, aligned by PSI on `id`. */
  partitioning: 'horizontal' | 'vertical';
  /** Vertical jobs: the record-ID column every party's file has (required there, absent otherwise). */
  id?: string;
  /** Fixed-point fractional bits of the secret values. */
  fracBits: number;
  /**
   * Horizontal jobs: "once" opens the masked training matrix E = X − A once and every party keeps
   * it (8·rows·(features+1) bytes); "perBatch" opens each batch's rows of E with its first
   * product (same rounds, more bytes) and each party keeps only its own rows (src/ml/train.ts).
   */
  maskData: 'once' | 'perBatch';
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

/** Cell texts read as missing unless the job lists its own (trimmed, case-insensitive). */
export const DEFAULT_MISSING: readonly string[] = ['', '?', 'NA', 'N/A', 'NaN', 'null'];

/**
 * Default outlier bound: standardized values beyond ±10 are clipped to ±10 (the ring's training
 * range allows up to 64 = MAX_SCALED in src/ml/train.ts, the largest value the field accepts).
 */
export const DEFAULT_CLIP = 10;

/** Defaults for every optional field. */
export const JOB_DEFAULTS: Job = {
  name: 'training job',
  model: 'logreg',
  hidden: 16,
  label: 'label',
  positiveClass: null,
  features: [],
  categorical: {},
  unknownLevel: 'error',
  missing: [...DEFAULT_MISSING],
  impute: 'mean',
  clip: DEFAULT_CLIP,
  partitioning: 'horizontal',
  epochs: 10,
  batchSize: 64,
  lr: 0.5,
  momentum: 0,
  positiveWeight: 1,
  seed: 1,
  fracBits: 16,
  maskData: 'once',
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
const textList: Check = (v) => (Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string' && x.length <= 200) ? undefined : 'must be a list of strings');
const levels: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object mapping a column name to its list of levels';
  for (const [col, lv] of Object.entries(v)) {
    if (strList(lv) !== undefined || (lv as string[]).length === 0 || (lv as string[]).some((x) => x.trim() !== x)) return `entry "${col.slice(0, 60)}" must be a non-empty list of distinct, non-empty, trimmed level strings`;
  }
  return undefined;
};
const classText: Check = (v) => (v === null || (typeof v === 'string' && v.trim() !== '' && v.trim() === v && v.length <= 200) ? undefined : 'must be null or a non-empty trimmed string');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

const SCHEMA: Record<keyof Job, Check> = {
  name: str,
  model: oneOf('logreg', 'mlp'),
  hidden: int(1, 1024),
  label: str,
  positiveClass: classText,
  features: strList,
  categorical: levels,
  unknownLevel: oneOf('error', 'zeros'),
  missing: textList,
  impute: oneOf('mean', 'error'),
  clip: num(1, 64),
  partitioning: oneOf('horizontal', 'vertical'),
  id: str,
  epochs: int(1, 10_000),
  batchSize: int(1, 1_000_000),
  lr: num(0, 100, true),
  momentum: num(0, 0.999),
  positiveWeight: num(0, 1000, true),
  seed: int(0, 2 ** 31 - 1),
  fracBits: int(8, 24),
  maskData: oneOf('once', 'perBatch'),
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
  if (out.partitioning === 'vertical' && out.id === undefined) throw new ConcordError('E_CONFIG', `${file}: field "id" is missing: a vertical job names the record-ID column the parties align on (e.g. "id": "customer_id")`);
  if (out.partitioning !== 'vertical' && out.id !== undefined) throw new ConcordError('E_CONFIG', `${file}: field "id" applies only to "partitioning": "vertical"`);
  if (out.partitioning === 'vertical' && out.maskData !== 'once') throw new ConcordError('E_CONFIG', `${file}: field "maskData": "perBatch" applies only to "partitioning": "horizontal" (a vertical job's matrix is assembled from every party's columns); remove it`);
  // The MLP feeds σ its output-layer product at 3f bits; above f = 17 that leaves the ring's exact range.
  if (out.model === 'mlp' && (out.fracBits as number) > MLP_MAX_FRAC_BITS) {
    throw new ConcordError('E_CONFIG', `${file}: field "fracBits" is ${String(out.fracBits)}, but the MLP is exact only up to fracBits ${MLP_MAX_FRAC_BITS} (its output-layer product carries 3·fracBits fractional bits); use ${MLP_MAX_FRAC_BITS} or fewer`);
  }
  checkColumns(out as unknown as Job, file);
  return out as unknown as Job;
}

/** Cross-field checks of the column fields (each names the field and the column). */
function checkColumns(job: Job, file: string): void {
  if (job.features.includes(job.label)) throw new ConcordError('E_CONFIG', `${file}: field "features" lists the label column "${job.label}"; remove it`);
  for (const col of Object.keys(job.categorical)) {
    if (col === job.label) throw new ConcordError('E_CONFIG', `${file}: field "categorical" declares the label column "${col}"; use "positiveClass" for a text label`);
    if (job.features.length > 0 && !job.features.includes(col)) throw new ConcordError('E_CONFIG', `${file}: field "categorical" declares "${col}", which is not in "features"; add it there or remove it`);
  }
  const missing = new Set(job.missing.map((m) => m.trim().toLowerCase()));
  if (job.positiveClass !== null && missing.has(job.positiveClass.toLowerCase())) throw new ConcordError('E_CONFIG', `${file}: field "positiveClass" "${job.positiveClass}" is also listed in "missing"`);
  for (const [col, lv] of Object.entries(job.categorical)) {
    const m = lv.find((x) => missing.has(x.toLowerCase()));
    if (m !== undefined) throw new ConcordError('E_CONFIG', `${file}: field "categorical": level "${m}" of "${col}" is also listed in "missing"`);
  }
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

/** Canonical JSON (keys sorted at every depth, so nested objects such as "categorical" are hashed whole) of a validated job. */
export function canonicalJob(job: Job): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sorted(job));
}

/** Hex SHA-256 of the canonical job: what the parties compare in the handshake. */
export function jobHash(job: Job): string {
  return Buffer.from(sha256(new TextEncoder().encode(`concord-job/1\n${canonicalJob(job)}`))).toString('hex');
}

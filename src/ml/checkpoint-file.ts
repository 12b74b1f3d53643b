import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { Ring } from '../ring/ring.js';

/**
 * One party's training checkpoint on its own disk: its SHARES of the training state after an
 * epoch, never a plaintext value. Layout (all of it covered by the trailing digest):
 *
 *   "concord-checkpoint/1\n"          magic line
 *   <header JSON>\n                   CheckpointMeta: public counters, job hash, run id, fingerprints
 *   <tensor bytes>                    every tensor's BigUint64Array, little-endian, in header order
 *   <32 bytes>                        SHA-256 of everything above (integrity: truncation, bit rot, edits)
 *
 * Written atomically (temporary file created 0600, fsync, rename, fsync of the directory), so a
 * crash during a write leaves the previous checkpoint intact. The file reveals what the party's
 * memory holds: uniformly random-looking shares plus public numbers (epoch, row count, digests).
 */

const MAGIC = 'concord-checkpoint/1\n';
const DIGEST_BYTES = 32;
/** Upper bound of a header line; a larger one is not a checkpoint of ours. */
const MAX_HEADER = 1 << 20;

/** The public part of a checkpoint (identical at every party except `party`, `index` and `shareDigest`). */
export interface CheckpointMeta {
  format: 'concord-checkpoint/1';
  party: string;
  index: number;
  parties: number;
  /** SHA-256 of the canonical job (what the handshake compares). */
  jobHash: string;
  /** Fingerprint of the consortium: name, party ids and public keys (not addresses: a party may move). */
  consortium: string;
  /** H(job hash, consortium, run nonce): which run of the job this state belongs to. */
  runId: string;
  /** Agreed at the first start of the run from every party's random contribution. */
  runNonce: string;
  /** Epochs completed (1-based: the state after epoch `epoch`). */
  epoch: number;
  epochs: number;
  steps: number;
  /** Digest of the public training state: rows, batch order, scaling (shared by all parties). */
  publicDigest: string;
  /** Tensor names and shapes, in the order of the body. */
  tensors: { name: string; shape: number[] }[];
  /** Every party's share digest for this epoch, exchanged at its end (index = party). */
  shareDigests: string[];
}

/** A checkpoint read back and verified. */
export interface Checkpoint {
  meta: CheckpointMeta;
  tensors: Ring[];
  file: string;
  bytes: number;
}

/** Why a file is not a usable checkpoint (said without paths, so it may go to peers). */
export class CheckpointProblem extends Error {}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Hex SHA-256 of a label and parts (length-prefixed, so parts cannot run into each other). */
export function digest(label: string, ...parts: (string | Uint8Array)[]): string {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [enc.encode(`${label}\n`)];
  for (const p of parts) {
    const b = typeof p === 'string' ? enc.encode(p) : p;
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(b.length), true);
    chunks.push(len, b);
  }
  return hex(sha256(Buffer.concat(chunks)));
}

function ringBytes(r: Ring): Uint8Array {
  return new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
}

/** Digest of one party's shares at one epoch of one run (what the parties compare, never the shares). */
export function shareDigest(runId: string, epoch: number, index: number, tensors: readonly Ring[]): string {
  return digest('concord-checkpoint-shares/1', runId, String(epoch), String(index), ...tensors.map(ringBytes));
}

/** Serialize a checkpoint (header, tensors, trailing digest). */
export function encodeCheckpoint(meta: CheckpointMeta, tensors: readonly Ring[]): Uint8Array {
  const head = Buffer.from(`${MAGIC}${JSON.stringify(meta)}\n`);
  const body = Buffer.concat([head, ...tensors.map((t) => Buffer.from(ringBytes(t)))]);
  return Buffer.concat([body, sha256(body)]);
}

/** Parse and verify a checkpoint; throws CheckpointProblem saying what is wrong. */
export function decodeCheckpoint(buf: Uint8Array, file = ''): Checkpoint {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < MAGIC.length || b.subarray(0, MAGIC.length).toString() !== MAGIC) throw new CheckpointProblem('is not a Concord checkpoint (bad magic line)');
  const nl = b.indexOf(0x0a, MAGIC.length);
  if (nl < 0 || nl > MAX_HEADER) throw new CheckpointProblem('is truncated (header incomplete)');
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(b.subarray(MAGIC.length, nl).toString()) as CheckpointMeta;
  } catch {
    throw new CheckpointProblem('has a corrupt header');
  }
  if (meta.format !== 'concord-checkpoint/1' || !Array.isArray(meta.tensors) || !Array.isArray(meta.shareDigests) || !Number.isInteger(meta.epoch)) throw new CheckpointProblem('has a header of an unknown format');
  const sizes = meta.tensors.map((t) => (Array.isArray(t.shape) ? t.shape.reduce((x, y) => x * y, 1) : NaN));
  if (!sizes.every((n) => Number.isInteger(n) && n >= 0)) throw new CheckpointProblem('has a header with invalid tensor shapes');
  const want = nl + 1 + sizes.reduce((x, y) => x + y, 0) * 8 + DIGEST_BYTES;
  if (b.length < want) throw new CheckpointProblem(`is truncated (${b.length} of ${want} bytes)`);
  if (b.length > want) throw new CheckpointProblem(`has ${b.length - want} trailing bytes`);
  const body = b.subarray(0, want - DIGEST_BYTES);
  if (!Buffer.from(sha256(body)).equals(b.subarray(want - DIGEST_BYTES))) throw new CheckpointProblem('has been modified or corrupted (its integrity digest does not match)');
  let off = nl + 1;
  const tensors = meta.tensors.map((t, i) => {
    const bytes = new Uint8Array(sizes[i]! * 8);
    bytes.set(b.subarray(off, off + bytes.length));
    off += bytes.length;
    return new Ring(t.shape, new BigUint64Array(bytes.buffer));
  });
  return { meta, tensors, file, bytes: b.length };
}

/** File name of a party's checkpoint of one epoch (party id in the name, so parties may share a dir). */
export function checkpointName(party: string, epoch: number): string {
  return `${party}.epoch-${String(epoch).padStart(6, '0')}.ckpt`;
}

const NAME_RE = /^(.+)\.epoch-(\d{6,})\.ckpt$/;
const TMP_RE = /\.ckpt\.tmp-\d+$/;

/** Write `bytes` to dir/name atomically: temp file (0600 from creation), fsync, rename, fsync of the dir. */
export function writeAtomic(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, `${name}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    // 'w' keeps the mode of an existing file: make sure a stale temp file is 0600 too.
    chmodSync(tmp, 0o600);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  const d = openSync(dir, 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}

/** Write and read back one party's checkpoints in a directory (created 0700 when missing). */
export class CheckpointStore {
  constructor(readonly dir: string, readonly party: string) {}

  /** Create the directory (0700) if needed. */
  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** This party's checkpoint files, oldest epoch first (stale temp files of a crashed write are removed). */
  files(): { epoch: number; file: string }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: { epoch: number; file: string }[] = [];
    for (const n of names) {
      if (TMP_RE.test(n) && n.startsWith(`${this.party}.`)) rmSync(join(this.dir, n), { force: true });
      const m = NAME_RE.exec(n);
      if (m && m[1] === this.party) out.push({ epoch: Number(m[2]), file: join(this.dir, n) });
    }
    return out.sort((a, b) => a.epoch - b.epoch);
  }

  /** Read and verify one file; CheckpointProblem (prefixed with the epoch) when it is unusable. */
  read(epoch: number, file: string): Checkpoint {
    const st = statSync(file);
    if ((st.mode & 0o077) !== 0) throw new CheckpointProblem(`checkpoint of epoch ${epoch} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); it must be 0600`);
    try {
      const c = decodeCheckpoint(readFileSync(file), file);
      if (c.meta.epoch !== epoch) throw new CheckpointProblem(`says epoch ${c.meta.epoch} but is named for epoch ${epoch}`);
      return c;
    } catch (e) {
      if (e instanceof CheckpointProblem) throw new CheckpointProblem(`checkpoint of epoch ${epoch} ${e.message}`);
      throw e;
    }
  }

  /** Write the checkpoint of `meta.epoch`, then keep only the newest `keep` epochs. Returns its size. */
  save(meta: CheckpointMeta, tensors: readonly Ring[], keep = 2): number {
    this.ensureDir();
    const bytes = encodeCheckpoint(meta, tensors);
    writeAtomic(this.dir, checkpointName(this.party, meta.epoch), bytes);
    const all = this.files();
    for (const f of all.slice(0, Math.max(0, all.length - keep))) rmSync(f.file, { force: true });
    return bytes.length;
  }

  /** Delete every checkpoint of this party, and the directory when that leaves it empty. */
  removeAll(): void {
    for (const f of this.files()) rmSync(f.file, { force: true });
    try {
      rmdirSync(this.dir);
    } catch {
      /* not empty (other files, another party's checkpoints) or already gone: keep it */
    }
  }
}

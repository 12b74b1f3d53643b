import { deriveKey } from '../../src/crypto/prg.js';
import type { Ring, Shape } from '../../src/ring/ring.js';
import type { DaBits, EdaBits, LutMask, LutSpec, MaskShare, MaskedTriple, MaskUse, Preprocessing, Triple, TruncPair } from '../../src/session/preprocessing.js';
import { dealerCorrection, itemKey, lutRequest, maskValue, partyShare, type ItemRequest } from '../../protocols/offline/dealer-items.js';
import { ConcordError } from '../../src/errors.js';

/** The per-party seeds every InsecureLocalPreprocessing derives from one common test seed. */
export function insecureSeeds(seed: Uint8Array, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => deriveKey(seed, `insecure-prep/${i}`, 32));
}

/**
 * INSECURE, TESTS ONLY: every party knows every party's dealer seed (all derived from one common
 * test seed) and plays the dealer for itself, using the same item derivation as the real dealer
 * (protocols/offline/dealer-items.ts). Any party could compute all shares. Never reachable from the CLI.
 */
export class InsecureLocalPreprocessing implements Preprocessing {
  readonly mode = 'insecure-local (tests only)';
  readonly trust = 'INSECURE: every party can compute every share; unit tests only';
  private readonly seeds: Uint8Array[];
  private readonly masks = new Map<number, Shape>();

  constructor(seed: Uint8Array, private readonly me: number, private readonly n: number) {
    this.seeds = insecureSeeds(seed, n);
  }

  private readonly used = new Set<string>();

  private item(q: ItemRequest): unknown {
    // Same check as the dealer client: one item handed out twice would reuse a triple.
    const key = itemKey(q);
    if (this.used.has(key)) throw new ConcordError('E_INTERNAL', `preprocessing item ${key} requested twice; reusing correlated randomness would leak data (each protocol call must take a fresh tag)`);
    this.used.add(key);
    const last = this.me === this.n - 1;
    const corr = last ? dealerCorrection(this.seeds, q, (t, s) => maskValue(this.seeds, t, s)) : undefined;
    return partyShare(this.seeds[this.me]!, q, corr);
  }

  async triple(tag: number, shape: Shape): Promise<Triple> {
    return this.item({ kind: 'triple', tag, shape }) as Triple;
  }
  async matrixTriple(tag: number, n: number, k: number, m: number): Promise<Triple> {
    return this.item({ kind: 'matrix', tag, n, k, m }) as Triple;
  }
  async truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair> {
    return this.item({ kind: 'trunc', tag, shape, f }) as TruncPair;
  }
  async bitTriple(tag: number, shape: Shape): Promise<Triple> {
    return this.item({ kind: 'bit', tag, shape }) as Triple;
  }
  async daBits(tag: number, shape: Shape): Promise<DaBits> {
    return this.item({ kind: 'dabit', tag, shape }) as DaBits;
  }
  /** All 64 bits, like the dealer (`bits` is a lower bound). */
  async edaBits(tag: number, shape: Shape, _bits?: number): Promise<EdaBits> {
    return this.item({ kind: 'edabit', tag, shape }) as EdaBits;
  }
  async lutMask(tag: number, len: number, spec: LutSpec): Promise<LutMask> {
    return this.item(lutRequest(tag, len, spec)) as LutMask;
  }
  async matrixMask(tag: number, shape: Shape): Promise<MaskShare> {
    this.masks.set(tag, [...shape]);
    return this.item({ kind: 'mask', tag, shape }) as MaskShare;
  }
  async maskedTriple(maskTag: number, tag: number, use: MaskUse): Promise<MaskedTriple> {
    const maskShape = this.masks.get(maskTag);
    if (!maskShape) throw new ConcordError('E_PREP', `no mask was made under tag ${maskTag}`);
    const q: ItemRequest = { kind: 'masked', tag, maskTag, maskShape, start: use.start ?? 0, end: use.end ?? maskShape[0]!, transpose: use.transpose ?? false, m: use.m };
    return this.item(q) as MaskedTriple;
  }
  async close(): Promise<void> {}
}

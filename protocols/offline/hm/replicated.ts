/**
 * Replicated randomness for exactly three parties from the pairwise PRG keys of the Noise
 * handshakes [AFLNO16: Araki, Furukawa, Lindell, Nof, Ohara, CCS 2016; ABY3: Mohassel, Rindal,
 * CCS 2018, §3.1]. Every random value is r = r_0 + r_1 + r_2 (or r_0 ⊕ r_1 ⊕ r_2); piece j is
 * expanded from the key k_{j−1,j} that parties j−1 and j share, so party i holds pieces i (with
 * party i−1) and i+1 (with party i+1) and lacks piece i+2, which only the other two know.
 * Party i's additive (or XOR) share of r is its piece r_i. A zero-sharing comes the same way:
 * z_i = PRG(k_{i,i+1}) − PRG(k_{i−1,i}), which sums to 0 and is uniform to every single party.
 *
 * Streams: one AES-CTR stream per (pair, item): the pair's hm key with the stream named by the
 * item's tag and a 32-bit hash of its label (kind, tag and parameters); preprocessing.ts refuses
 * a label twice and any two labels that would name the same stream, so two items never share
 * randomness. (No HKDF per item: it cost ~0.3 ms, an AES stream ~0.03 ms.) Both parties of a
 * pair read a stream in the same order (every helper reads both of its streams in step).
 * Rounds 0, bytes 0. Security: semi-honest, honest majority (no two parties collude): a single
 * party misses one piece of every value, which is uniform to it.
 */
import { ConcordError } from '../../../src/errors.js';
import { Prg, PrgMatrix } from '../../../src/crypto/prg.js';
import type { MaskShare, ZeroShare } from '../../../src/session/preprocessing.js';
import { Ring, sizeOf, type Shape } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';

/**
 * TESTS ONLY: deliberately broken variants, so view tests can prove they would catch a leak.
 * 'short-mask': every random piece keeps only its low 40 bits (a mask with too few random bits);
 * 'no-zero-share': the zero-sharing is left out of every product;
 * 'no-rerandomize': the converted shares (truncation pairs, daBits) are not re-randomized, so
 * party 1 knows party 0's shares of them (from the conversion message). Never reachable from the CLI.
 */
export type HmLeak = 'short-mask' | 'no-zero-share' | 'no-rerandomize';

/** 16-byte AES keys this party shares with its neighbours: `prev` with party i−1, `next` with i+1. */
export interface HmSeeds {
  prev: Uint8Array;
  next: Uint8Array;
}

/** The session's pair-PRG stream reserved for hm seeds (tag 0 is never handed out by Session.tag()). */
const HM_TAG = 0;
const HM_SUB = 0x686d0001;

/** Index of the party before / after `me` in the ring of three. */
export const prevOf = (me: number): number => (me + 2) % 3;
export const nextOf = (me: number): number => (me + 1) % 3;

/** This party's hm seeds, derived from the session's pairwise keys (nothing is sent). */
export function hmSeeds(s: Session): HmSeeds {
  if (s.n !== 3) throw new ConcordError('E_CONFIG', `offline mode "hm" needs exactly 3 parties, this session has ${s.n}; use "ot" (no dealer) or "dealer"`);
  return { prev: s.pairPrg(prevOf(s.me), HM_TAG, HM_SUB).bytes(16), next: s.pairPrg(nextOf(s.me), HM_TAG, HM_SUB).bytes(16) };
}

/** 32-bit FNV-1a hash of an item label: the `sub` of its streams (the tag is the item's tag). */
export function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The two pieces a party holds of one replicated random tensor. */
export interface Pieces {
  /** Piece i: this party's additive (or XOR) share. */
  mine: Ring;
  /** Piece i+1 (shared with party i+1). */
  other: Ring;
}

/** A tensor's words as bytes (a view). */
const bytesOf = (r: Ring): Uint8Array => new Uint8Array(r.data.buffer, r.data.byteOffset, r.size * 8);

/** The 'short-mask' leak: only the low 40 bits of a random piece stay random. */
const shortMask = (t: Ring): Ring => t.shl(24).shr(24);

/** The two pieces of a replicated random matrix, rows made on demand. */
export interface MaskPieces {
  mine: MaskShare;
  other: MaskShare;
}

/** The pair of PRG streams of one item (see the file comment). */
export class ItemPrgs {
  /** Stream shared with party i−1: expands piece i. */
  readonly prev: Prg;
  /** Stream shared with party i+1: expands piece i+1. */
  readonly next: Prg;

  /** The item's streams: (tag, sub) name it (see streamName). */
  constructor(private readonly seeds: HmSeeds, private readonly tag: number, private readonly sub: number, private readonly leak?: HmLeak) {
    this.prev = new Prg(seeds.prev, tag, sub);
    this.next = new Prg(seeds.next, tag, sub);
  }

  /** The pieces `pieces([r, k])` would make, as row sources (a reusable mask: rows made on demand, never held whole). */
  matrixPieces(shape: Shape): MaskPieces {
    const post = this.leak === 'short-mask' ? shortMask : undefined;
    return { mine: new PrgMatrix(this.seeds.prev, this.tag, this.sub, shape, post), other: new PrgMatrix(this.seeds.next, this.tag, this.sub, shape, post) };
  }

  /** Both held pieces of a fresh random tensor (r = r_0 + r_1 + r_2, or the XOR of the three). */
  pieces(shape: Shape): Pieces {
    const mine = this.prev.ring(shape), other = this.next.ring(shape);
    if (this.leak === 'short-mask') return { mine: shortMask(mine), other: shortMask(other) };
    return { mine, other };
  }

  /** This party's share of a fresh sharing of zero: PRG(k_{i,i+1}) − PRG(k_{i−1,i}) (XOR when `xor`). */
  zero(shape: Shape, xor = false): Ring {
    if (xor) {
      // The first stream written (no zeroed tensor to XOR into), the second XORed in: as xorZero reads them.
      const t = this.prev.ring(shape);
      this.next.xorInto(bytesOf(t));
      return this.leak === 'no-zero-share' ? Ring.zeros(shape) : t;
    }
    const { plus, minus } = this.zeroParts(shape);
    return plus.sub(minus);
  }

  /**
   * t ⊕= PRG(k_{i−1,i}) ⊕ PRG(k_{i,i+1}) in place, the streams read as zeroParts(t.shape) reads
   * them: an XOR zero-sharing folded in by CTR encryption, with no keystream tensor. Returns t.
   */
  xorZero(t: Ring): Ring {
    const into = this.leak === 'no-zero-share' ? new Uint8Array(t.size * 8) : bytesOf(t); // the leak draws and drops
    this.prev.xorInto(into);
    this.next.xorInto(into);
    return t;
  }

  /**
   * Zero-sharings of these shapes on the item's streams, drawn when used (a replicated product's
   * masks, Preprocessing.productMasks): in the listed order, each once, since every party of a
   * pair must read the streams in the same order; anything else is refused (E_INTERNAL).
   */
  zeroShares(shapes: readonly Shape[]): ZeroShare[] {
    // Each stream is read for every shape in turn: make all of it in one AES call when small.
    const bytes = shapes.reduce((a, sh) => a + 8 * sizeOf(sh), 0);
    this.prev.readAhead(bytes);
    this.next.readAhead(bytes);
    let next = 0;
    return shapes.map((shape, i) => {
      const draw = (): void => {
        if (next !== i) throw new ConcordError('E_INTERNAL', `zero-sharing ${i} of a product's masks drawn ${next > i ? 'twice' : 'before the ones ahead of it'}; the parties' streams would disagree`);
        next++;
      };
      return {
        parts: () => {
          draw();
          return this.zeroParts(shape);
        },
        xorInto: (t: Ring) => {
          if (t.size !== sizeOf(shape)) throw new ConcordError('E_SHAPE', `zero-sharing of [${shape.join('×')}] folded into a [${t.shape.join('×')}] tensor`);
          draw();
          return this.xorZero(t);
        },
      };
    });
  }

  /** zero(shape) before the subtraction: plus = PRG(k_{i,i+1}), minus = PRG(k_{i−1,i}). */
  zeroParts(shape: Shape): { plus: Ring; minus: Ring } {
    const minus = this.prev.ring(shape), plus = this.next.ring(shape);
    if (this.leak === 'no-zero-share') return { plus: Ring.zeros(shape), minus: Ring.zeros(shape) };
    return { plus, minus };
  }

  /** t + rerandomizer(t.shape) in one pass (Ring.addSub; a new tensor): the streams read as rerandomizer reads them. */
  rerandomizeAdd(t: Ring): Ring {
    const { plus, minus } = this.zeroParts(t.shape);
    return this.leak === 'no-rerandomize' ? t : Ring.addSub(t, plus, minus); // the leak draws and drops
  }

  /** t ⊕= rerandomizer(t.shape, true), in place (t must be the caller's own): the streams read as rerandomizer reads them. */
  rerandomizeXor(t: Ring): Ring {
    if (this.leak !== 'no-rerandomize') return this.xorZero(t);
    this.xorZero(t.clone()); // the leak draws and drops
    return t;
  }

  /** A zero-sharing (XOR when `xor`) that re-randomizes converted shares (convert.ts); the 'no-rerandomize' leak drops it. */
  rerandomizer(shape: Shape, xor = false): Ring {
    const z = this.zero(shape, xor);
    return this.leak === 'no-rerandomize' ? Ring.zeros(shape) : z;
  }
}

import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring, sameShape, type Shape } from '../../src/ring/ring.js';
import type { Prg } from '../../src/crypto/prg.js';
import type { MaskShare } from '../../src/session/preprocessing.js';

/**
 * Secret-share a tensor owned by one party, with zero bytes on the wire.
 * Every party j ≠ owner takes its share from the PRG it shares with the owner (stream = tag);
 * the owner's share is x minus all of those. Rounds: 0. Bytes: 0.
 * Security: each non-owner share is pseudo-random; the owner's share is x masked by them.
 * All parties must call with the same owner and shape; only the owner passes `value`.
 */
export function input(s: Session, owner: number, shape: Shape, value?: Ring): Ring {
  const tag = s.tag();
  if (s.me !== owner) return s.pairPrg(owner, tag).ring(shape);
  if (!value) throw noValue(s);
  if (!sameShape(value.shape, shape)) throw new ConcordError('E_SHAPE', `input: value of shape [${value.shape.join('×')}] announced as [${shape.join('×')}]`);
  return ownerShare(value, s.peers.map((j) => s.pairPrg(j, tag)));
}

/** The owner's share: x minus every peer's next PRG share of x's shape. */
function ownerShare(x: Ring, peerPrgs: readonly Prg[]): Ring {
  let share = x;
  for (const p of peerPrgs) share = share.sub(p.ring(x.shape));
  return share;
}

function noValue(s: Session): ConcordError {
  return new ConcordError('E_INTERNAL', `input: party ${s.id} owns the input but passed no value`);
}

/** Rows per block of inputBlocks (≈ 1 MiB of words at 31 columns: a block's transients stay small). */
export const INPUT_BLOCK_ROWS = 4096;

/**
 * input() of an r×w tensor, made and handed out in blocks of at most `blockRows` rows: the same
 * shares (the same PRG streams under the same tag, read in order), but no r×w temporary exists,
 * so a party's 16 MiB part of a training matrix costs ~1 MiB of garbage instead of five times its
 * size (the owner's encoding, one PRG share and one difference per peer). The tag is taken now,
 * in call order; the blocks are made as the caller iterates. Only the owner passes `rows(start, end)`.
 */
export function inputBlocks(s: Session, owner: number, shape: readonly [number, number], rows?: (start: number, end: number) => Ring, blockRows = INPUT_BLOCK_ROWS): Iterable<Ring> {
  const [r, w] = shape;
  if (!(Number.isInteger(blockRows) && blockRows >= 1)) throw new ConcordError('E_RANGE', `inputBlocks: blockRows must be a positive integer, got ${blockRows}`);
  const tag = s.tag();
  if (s.me === owner && !rows) throw noValue(s);
  const prgs = (s.me === owner ? s.peers : [owner]).map((j) => s.pairPrg(j, tag));
  return (function* blocks(): Generator<Ring> {
    for (let i = 0; i < r; i += blockRows) {
      const j = Math.min(r, i + blockRows);
      if (s.me !== owner) {
        yield prgs[0]!.ring([j - i, w]);
        continue;
      }
      const v = rows!(i, j);
      if (!sameShape(v.shape, [j - i, w])) throw new ConcordError('E_SHAPE', `input: rows ${i}..${j} of shape [${v.shape.join('×')}] announced as [${j - i}×${w}]`);
      yield ownerShare(v, prgs);
    }
  })();
}

/**
 * input() of an r×w tensor whose shares are row sources: a non-owner keeps only the seed it
 * shares with the owner (its rows are regenerated on demand), the owner keeps its share x − Σ
 * PRG, made in blocks as inputBlocks. The same shares as input() and inputBlocks under the same
 * tag; 0 rounds, 0 bytes. A training matrix input this way costs each party its own rows, not
 * the union. Only the owner passes `rows(start, end)`.
 */
export function inputSeeded(s: Session, owner: number, shape: readonly [number, number], rows?: (start: number, end: number) => Ring, blockRows = INPUT_BLOCK_ROWS): MaskShare {
  if (s.me !== owner) {
    const tag = s.tag();
    return s.pairRows(owner, tag, shape);
  }
  const [r, w] = shape;
  const share = new Ring([r, w]);
  let at = 0;
  for (const block of inputBlocks(s, owner, shape, rows, blockRows)) {
    share.data.set(block.data, at);
    at += block.data.length;
  }
  return { shape: [r, w], rows: (start, end) => share.slice(start, end), gather: (idx) => share.gather(idx) };
}

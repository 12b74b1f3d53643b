import { ConcordError } from '../../src/errors.js';
import { Ring, outputRing } from '../../src/ring/ring.js';
import type { Opened, Opening } from './chain.js';
import type { Scope } from './scope.js';

/**
 * Words per message of a streamed opening: 2^17 words = 1 MiB, one large-frame transport
 * message of the link (src/net/frame.ts LARGE_CHUNK), so the receiver keeps each decrypted
 * message as the chunk itself (no reassembly copy).
 */
export const CHUNK_WORDS = 1 << 17;

/**
 * One round of a call: everything a chain opens this round (arithmetic shares, XOR shares, a
 * tensor revealed to some parties) goes to each peer under the scope's tag and the round's kind;
 * the shares received are summed (add, reveal) or XORed (xor) into the opened values.
 * Rounds: 1. Bytes to each peer: 8 per word opened to it (a revealed tensor travels only to its
 * recipients; a party that neither opens nor receives anything sends nothing).
 *
 * Up to CHUNK_WORDS words per peer travel as ONE message (kind = the round's kind). A larger
 * opening is streamed: the words laid end to end are cut into CHUNK_WORDS windows, window i
 * travels as its own message (kind `<round>:<i>`; a view of the tensor, not a copy, unless it
 * straddles two tensors), and window i is summed as soon as every peer's window i is in, while
 * later windows are still being encrypted, sent and received. Same bytes, same round.
 *
 * Tensors passed to the previous party (Opening.pass, three-party replicated sharing) travel
 * under the kind `<round>p` (windows `<round>p:<i>`) to that party only, in the same round; the
 * next party's come back unsummed. Bytes: 8 per passed word, to the previous party only.
 *
 * A peer sending a different number of words runs different code or shapes: the session aborts
 * on every party at once (E_FRAME) instead of waiting for a timeout.
 */
export async function exchange(sc: Scope, o: Opening): Promise<Opened> {
  const common = [...(o.add ?? []), ...(o.xor ?? [])];
  const everyone = o.add !== undefined || o.xor !== undefined;
  const reveal = o.reveal;
  const iReceive = everyone || (reveal?.to.includes(sc.me) ?? false);
  const withReveal = reveal ? [...common, reveal.x] : common;
  const s = sc.session;
  const kind = sc.nextRound();
  const toPeer = (p: number): Ring[] | undefined => (reveal?.to.includes(p) ? withReveal : everyone ? common : undefined);
  // What I combine: the same list a peer receiving from me gets when I am a recipient.
  const mine = reveal?.to.includes(sc.me) ? withReveal : common;
  const ops: ('add' | 'xor')[] = [...(o.add ?? []).map(() => 'add' as const), ...(o.xor ?? []).map(() => 'xor' as const), ...(reveal ? ['add' as const] : [])];
  for (const p of sc.peers) {
    const parts = toPeer(p);
    if (parts) sendWindows(sc, p, parts, kind);
  }
  const pass = o.pass?.length ? o.pass : undefined;
  if (pass) {
    if (sc.n !== 3) throw new ConcordError('E_INTERNAL', `a replicated pass needs exactly three parties, this session has ${sc.n}`);
    sendWindows(sc, (sc.me + 2) % 3, pass, `${kind}p`);
  }
  const passed = pass ? receivePass(sc, (sc.me + 1) % 3, pass, `${kind}p`) : undefined;
  passed?.catch(() => undefined); // awaited below, after the openings
  const opened: Opened = { add: [], xor: [] };
  if (iReceive) {
    const expected = words(mine);
    const out = mine.map((x) => outputRing(x.shape)); // every window is combined into place
    for (let i = 0; i < windows(expected); i++) {
      const [from, to] = [i * CHUNK_WORDS, Math.min((i + 1) * CHUNK_WORDS, expected)];
      const theirs = await Promise.all(sc.peers.map((p) => s.recv(p, sc.id, windowKind(kind, expected, i))));
      theirs.forEach((t, k) => checkWindow(sc, sc.peers[k]!, t, to - from, kind, i, expected));
      combineWindow(mine, ops, out, theirs, from, to);
    }
    const na = o.add?.length ?? 0;
    const nx = o.xor?.length ?? 0;
    opened.add = out.slice(0, na);
    opened.xor = out.slice(na, na + nx);
    if (reveal?.to.includes(sc.me)) opened.revealed = out[na + nx]!;
  }
  if (passed) opened.pass = await passed;
  return opened;
}

/** Send `parts` laid end to end to peer p: one message up to CHUNK_WORDS words, else one per window. */
function sendWindows(sc: Scope, p: number, parts: readonly Ring[], kind: string): void {
  const total = words(parts);
  for (let i = 0; i < windows(total); i++) sc.session.send(p, sc.id, window(parts, i * CHUNK_WORDS, Math.min((i + 1) * CHUNK_WORDS, total)), windowKind(kind, total, i));
}

/** E_FRAME (aborting the session on every party) unless window i from `peer` holds `want` words. */
function checkWindow(sc: Scope, peer: number, t: Ring, want: number, kind: string, i: number, total: number): void {
  if (t.size === want) return;
  const what = windows(total) === 1 ? `round ${kind}` : `chunk ${i} of round ${kind}`;
  const e = new ConcordError('E_FRAME', `party ${sc.ids[peer]} sent ${t.size} words for ${what} of tag ${sc.id}, expected ${want}; the parties run different protocol code or shapes`, { party: sc.ids[peer] });
  sc.session.abort(e);
  throw e;
}

/** The tensors shaped like `like` that party `from` passes to me: views of its one message, or its windows copied into place. */
async function receivePass(sc: Scope, from: number, like: readonly Ring[], kind: string): Promise<Ring[]> {
  const total = words(like);
  const n = windows(total);
  const flat = n === 1 ? undefined : outputRing([total]); // every window is copied into place
  let whole: Ring | undefined;
  for (let i = 0; i < n; i++) {
    const [lo, hi] = [i * CHUNK_WORDS, Math.min((i + 1) * CHUNK_WORDS, total)];
    const t = await sc.session.recv(from, sc.id, windowKind(kind, total, i));
    checkWindow(sc, from, t, hi - lo, kind, i, total);
    if (flat) flat.data.set(t.data, lo);
    else whole = t;
  }
  const src = flat ?? whole!;
  let off = 0;
  return like.map((x) => {
    const part = new Ring(x.shape, src.data.subarray(off, off + x.size));
    off += x.size;
    return part;
  });
}

/** Messages per peer for an opening of `total` words: one up to CHUNK_WORDS (even when empty), else one per window. */
function windows(total: number): number {
  return Math.max(1, Math.ceil(total / CHUNK_WORDS));
}

/** The kind of window i: the round's own kind for a one-message opening, else `<round>:<i>`. */
function windowKind(kind: string, total: number, i: number): string {
  return total <= CHUNK_WORDS ? kind : `${kind}:${i}`;
}

function words(parts: readonly Ring[]): number {
  return parts.reduce((a, p) => a + p.size, 0);
}

/**
 * Window [from, to) of the parts laid end to end, for the peers' shares: out[j] = mine[j] ∘ Σ theirs
 * over the words of tensor j inside the window (∘ = ops[j]); `theirs` hold exactly the window.
 */
function combineWindow(mine: readonly Ring[], ops: readonly ('add' | 'xor')[], out: readonly Ring[], theirs: readonly Ring[], from: number, to: number): void {
  let base = 0;
  for (let j = 0; j < mine.length && base < to; j++) {
    const x = mine[j]!;
    const lo = Math.max(from, base);
    const hi = Math.min(to, base + x.size);
    if (lo < hi) {
      const a = lo - base;
      const b = hi - base;
      const whole = a === 0 && b === x.size;
      const view = (r: Ring, s: number, e: number): Ring => new Ring([e - s], r.data.subarray(s, e));
      const parts = [whole ? x : view(x, a, b), ...theirs.map((t) => view(t, lo - from, hi - from))];
      Ring.combine(ops[j]!, parts, whole ? out[j]! : view(out[j]!, a, b));
    }
    base += x.size;
  }
}

/** Words [from, to) of the parts laid end to end: a view when one tensor holds them all, else a copy. */
function window(parts: readonly Ring[], from: number, to: number): Ring {
  let base = 0;
  for (const p of parts) {
    if (from >= base && to <= base + p.size) return new Ring([to - from], p.data.subarray(from - base, to - base));
    base += p.size;
  }
  const out = outputRing([to - from]); // the parts cover the window
  base = 0;
  for (const p of parts) {
    const lo = Math.max(from, base);
    const hi = Math.min(to, base + p.size);
    if (lo < hi) out.data.set(p.data.subarray(lo - base, hi - base), lo - from);
    base += p.size;
  }
  return out;
}

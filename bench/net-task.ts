/**
 * Party-side body of the network benchmarks (runs in runCluster worker processes; bench/net.ts).
 *   throughput: party 0 sends a tensor of `size` elements to party 1, which answers a 1-element
 *               ack; one repetition = send → ack. After each repetition party 0 also encrypts the
 *               same payload as one AES-128-GCM stream (one node:crypto context, one update call):
 *               the plaintext reference `plainSeconds`, measured under the same load. Party 0
 *               also times, locally, the pieces of the send path (frame encode + AES-GCM encrypt)
 *               and receive path (decrypt + decode).
 *   latency:    party 0 sends a 1-element tagged tensor, party 1 echoes it; `size` round trips per
 *               repetition, each timed; the median round trip is reported.
 * Other parties (when --parties > 2) stay idle.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { CipherState } from '../src/crypto/noise.js';
import { AESGCM } from '../src/crypto/noise-suites.js';
import { Prg } from '../src/crypto/prg.js';
import { encodeFrame, frameChunks, FrameDecoder } from '../src/net/frame.js';
import { Ring } from '../src/ring/ring.js';
import type { Session } from '../src/session/session.js';

export interface NetBenchArgs {
  op: 'throughput' | 'latency';
  size: number;
  reps: number;
  warmup: number;
}

export interface NetBenchOut {
  /** Seconds per repetition (throughput: one transfer; latency: median round trip of the repetition). */
  seconds: number[];
  /** CPU seconds (user + system) this party spent per repetition, median. */
  cpuSeconds?: number;
  /** Throughput only (party 0): seconds of one AES-128-GCM stream over the payload, per repetition. */
  plainSeconds?: number[];
  /** Throughput only: local time of each stage for one payload, seconds. */
  breakdown?: { encode: number; encrypt: number; decrypt: number; decode: number };
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** Time the send and receive pipelines of one payload in this process, without sockets. */
function breakdown(x: Ring): NonNullable<NetBenchOut['breakdown']> {
  const key = new Uint8Array(32).fill(1);
  const ad = new Uint8Array(0);
  const best = (f: () => void): number => {
    let b = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = now();
      f();
      b = Math.min(b, now() - t0);
    }
    return b;
  };
  let chunks: Uint8Array[] = [];
  const encode = best(() => (chunks = frameChunks(encodeFrame({ tag: 1, kind: '', ring: x }))));
  let cts: Uint8Array[] = [];
  const encrypt = best(() => {
    const tx = new CipherState(AESGCM, key);
    cts = chunks.map((c) => tx.encryptWithAd(ad, c));
  });
  let pts: Uint8Array[] = [];
  const decrypt = best(() => {
    const r = new CipherState(AESGCM, key);
    pts = cts.map((c) => r.decryptWithAd(ad, c));
  });
  const decode = best(() => {
    const d = new FrameDecoder();
    for (const p of pts) d.push(p);
  });
  return { encode, encrypt, decrypt, decode };
}

/** One AES-128-GCM stream over `x`'s bytes (the reference a link is compared with), seconds. */
function plainStream(x: Ring, key: Uint8Array, iv: Uint8Array): number {
  const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  const t0 = now();
  const c = createCipheriv('aes-128-gcm', key, iv);
  c.update(bytes);
  c.final();
  c.getAuthTag();
  return now() - t0;
}

export async function task(s: Session, raw: unknown): Promise<NetBenchOut> {
  const a = raw as NetBenchArgs;
  const seconds: number[] = [];
  if (s.me > 1) return { seconds };
  if (a.op === 'throughput') {
    const x = new Prg(new Uint8Array(16).fill(3)).ring([a.size]);
    const ack = Ring.from([1]);
    const cpu: number[] = [];
    const plain: number[] = [];
    const key = randomBytes(16), iv = randomBytes(12);
    for (let r = 0; r < a.warmup + a.reps; r++) {
      const tag = s.tag();
      const c0 = process.cpuUsage();
      if (s.me === 0) {
        const t0 = now();
        s.send(1, tag, x);
        await s.recv(1, tag, 'ack');
        if (r >= a.warmup) seconds.push(now() - t0);
        const p = plainStream(x, key, iv);
        if (r >= a.warmup) plain.push(p);
      } else {
        await s.recv(0, tag);
        s.send(0, tag, ack, 'ack');
      }
      const c = process.cpuUsage(c0);
      if (r >= a.warmup) cpu.push((c.user + c.system) / 1e6);
    }
    cpu.sort((p, q) => p - q);
    const cpuSeconds = cpu[cpu.length >> 1]!;
    return s.me === 0 ? { seconds, cpuSeconds, plainSeconds: plain, breakdown: breakdown(x) } : { seconds, cpuSeconds };
  }
  const ping = Ring.from([42]);
  for (let r = 0; r < a.warmup + a.reps; r++) {
    const rtts: number[] = [];
    for (let i = 0; i < a.size; i++) {
      const tag = s.tag();
      if (s.me === 0) {
        const t0 = now();
        s.send(1, tag, ping);
        await s.recv(1, tag);
        rtts.push(now() - t0);
      } else {
        s.send(0, tag, await s.recv(0, tag));
      }
    }
    rtts.sort((p, q) => p - q);
    if (r >= a.warmup && s.me === 0) seconds.push(rtts[rtts.length >> 1]!);
  }
  return { seconds };
}

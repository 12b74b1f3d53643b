/**
 * Party-side body of the network benchmarks (runs in runCluster worker processes; bench/net.ts).
 *   throughput: party 0 sends a tensor of `size` elements to party 1, which answers a 1-element
 *               ack; one repetition = send → ack. After each repetition party 0 also encrypts the
 *               same payload as one AES-128-GCM stream (one node:crypto context, one update call):
 *               the plaintext reference `plainSeconds`, measured under the same load. Party 0
 *               also times, locally, the pieces of the send path (frame encode + AES-GCM encrypt)
 *               and receive path (decrypt + decode).
 *               Then the same payload crosses a bare WebSocket between the same two processes as
 *               1 MiB AES-256-GCM messages (the link's AEAD, a fresh node:crypto context per
 *               message, body and tag as two fragments): `bareSeconds`, what ws and node:crypto
 *               allow on this machine without Concord's framing, session and backpressure.
 *   latency:    party 0 sends a 1-element tagged tensor, party 1 echoes it; `size` round trips per
 *               repetition, each timed; the median round trip is reported.
 * Other parties (when --parties > 2) stay idle.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
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
  /** Throughput only (party 0): seconds per transfer over a bare WebSocket with AES-256-GCM, per repetition. */
  bareSeconds?: number[];
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

const BARE_WINDOW = 1 << 20;
const BARE_KEY = new Uint8Array(32).fill(5); // a benchmark constant: nothing secret crosses this socket
const bareNonce = (i: number): Uint8Array => {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setUint32(8, i);
  return n;
};

/** Resolve `p`, or reject after `ms` (a bench must not hang on a socket that never opens). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`bare WebSocket: ${what} took over ${ms} ms`)), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e: unknown) => (clearTimeout(t), reject(e)));
  });
}

/**
 * Party 1 serves, party 0 sends `x` `warmup + reps` times over one bare WebSocket on loopback:
 * 1 MiB windows, each AES-256-GCM encrypted with its own context and nonce and sent as body and
 * tag fragments; party 1 decrypts every window and acks each payload with one byte.
 */
async function bareTransfer(s: Session, x: Ring, reps: number, warmup: number): Promise<number[]> {
  const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  const tag = s.tag();
  if (s.me === 1) {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 2 * BARE_WINDOW, clientTracking: false });
    await within(new Promise<void>((r) => server.once('listening', () => r())), 10_000, 'listening');
    const done = within(new Promise<void>((resolve, reject) => {
      server.once('connection', (ws) => {
        let got = 0, i = 0;
        ws.on('message', (d: Buffer) => {
          try {
            const c = createDecipheriv('aes-256-gcm', BARE_KEY, bareNonce(i++));
            c.setAuthTag(d.subarray(d.length - 16));
            c.update(d.subarray(0, d.length - 16));
            c.final();
          } catch (e) {
            // a failed tag ends the bench with an error, not an uncaught exception in a listener
            ws.terminate();
            reject(new Error(`bare WebSocket: message ${i - 1} failed authentication (${(e as Error).message})`));
            return;
          }
          got += d.length - 16;
          if (got >= bytes.length) {
            got = 0;
            ws.send(new Uint8Array(1));
          }
        });
        ws.once('close', () => resolve());
        ws.once('error', reject);
      });
    }), 120_000, 'the transfers');
    s.send(0, tag, Ring.from([(server.address() as AddressInfo).port]), 'bare-port');
    await done;
    server.close();
    return [];
  }
  const port = Number((await s.recv(1, tag, 'bare-port')).get(0));
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, generateMask: (m: Uint8Array) => void m.fill(0) });
  await within(new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject))), 10_000, 'connecting');
  const seconds: number[] = [];
  let i = 0;
  for (let r = 0; r < warmup + reps; r++) {
    const ack = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    const t0 = now();
    for (let off = 0; off < bytes.length; off += BARE_WINDOW) {
      const c = createCipheriv('aes-256-gcm', BARE_KEY, bareNonce(i++));
      const body = c.update(bytes.subarray(off, Math.min(bytes.length, off + BARE_WINDOW)));
      c.final();
      ws.send(body, { binary: true, fin: false });
      ws.send(c.getAuthTag(), { binary: true, fin: true });
    }
    await within(ack, 60_000, 'an ack');
    if (r >= warmup) seconds.push(now() - t0);
  }
  ws.close();
  return seconds;
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
    const bareSeconds = await bareTransfer(s, x, a.reps, a.warmup);
    return s.me === 0 ? { seconds, cpuSeconds, plainSeconds: plain, bareSeconds, breakdown: breakdown(x) } : { seconds, cpuSeconds };
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

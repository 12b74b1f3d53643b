/**
 * Where the OT offline phase's bytes go in the logistic-regression demo (3 in-memory parties,
 * breast_cancer.csv, 10 epochs, batch 64): per stream (item kind and shape) the items requested,
 * generated, and the bytes sent by all parties. Run: node dist/bench/ot-traffic.js
 */
import { fileURLToPath } from 'node:url';
import { readCsv, selectRows } from '../src/ml/csv.js';
import { stratifiedSplit, shardSizes } from '../src/ml/partition.js';
import { trainSecure } from '../src/ml/train.js';
import { secureOps } from '../src/ml/nonlinear.js';
import { deriveKey } from '../src/crypto/prg.js';
import { memorySessions } from '../src/cli/in-memory.js';
import { createOtPreprocessing, type OtPreprocessing } from '../protocols/offline/ot/preprocessing.js';

const DATA = fileURLToPath(new URL('../../parties/data/', import.meta.url));
const n = 3;
const ds = readCsv(`${DATA}/breast_cancer.csv`, 'label');
const { train } = stratifiedSplit(ds.y, 0.2, 0);
const tr = selectRows(ds, train);
const sizes = shardSizes(tr.rows, n);
const bytes = new Map<string, number>();
// Fixed OT seeds, so two runs generate the same items (the byte counts do not depend on them).
const seed = (label: string): Uint8Array => deriveKey(new TextEncoder().encode(`concord-bench/${label}`.padEnd(16, '.')), 'seed', 32);
const ss = memorySessions(n, { offline: 'none' });
const preps: OtPreprocessing[] = [];
for (const s of ss) {
  const p = createOtPreprocessing(s, { seed: seed(`traffic/${s.me}`) });
  preps.push(p);
  s.prep = p;
  const orig = s.sendBytes.bind(s);
  s.sendBytes = (peer, tag, b, kind = '') => {
    const m = /^ot\/(\d+)\//.exec(kind);
    const key = m ? preps[s.me]!.streamOfBatch(Math.floor(Number(m[1]) / 256)) ?? 'ot/base' : kind.startsWith('ot/') ? 'ot/base' : 'online';
    bytes.set(key, (bytes.get(key) ?? 0) + b.length);
    orig(peer, tag, b, kind);
  };
}
const t0 = performance.now();
const hp = { epochs: 10, batchSize: 64, lr: 0.5, momentum: 0, positiveWeight: 1, seed: 1 };
await Promise.all(ss.map((s) => {
  const off = sizes.slice(0, s.me).reduce((a, b) => a + b, 0);
  const mine = selectRows(tr, Array.from({ length: sizes[s.me]! }, (_, i) => off + i));
  return trainSecure(s, mine, sizes, { arch: { kind: 'logreg', features: ds.features.length, hidden: 0 }, hp, fracBits: 16, features: ds.features, label: 'label', recipients: [0], revealLoss: false, ops: secureOps });
}));
const secs = (performance.now() - t0) / 1000;
const total = ss.reduce((a, s) => a + s.stats().bytesSent, 0);
const st = preps[0]!.stats();
const rows = Object.entries(st).map(([k, v]) => ({ stream: k, requests: v.requests, items: v.items, generated: v.generated, batches: v.batches, waits: v.waits, MB: +((bytes.get(k) ?? 0) / 1e6).toFixed(2) }));
rows.sort((a, b) => b.MB - a.MB);
console.table(rows);
console.log(`OT bytes (incl. base) ${(([...bytes].filter(([k]) => k !== 'online').reduce((a, [, v]) => a + v, 0)) / 1e6).toFixed(1)} MB (sendBytes only); all traffic ${(total / 1e6).toFixed(1)} MB; ${secs.toFixed(1)} s`);
await Promise.all(ss.map((s) => s.close()));

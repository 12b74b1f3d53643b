import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimDir } from '../../src/cli/sim-cluster.js';
import { readCsv, selectRows, toCsv } from '../../src/ml/csv.js';
import { stratifiedSplit, shardSizes } from '../../src/ml/partition.js';
import { validateJob } from '../../src/ml/job.js';

const DATA = fileURLToPath(new URL('../../../parties/data/', import.meta.url));

/** A consortium dir's data: each party's shard of the breast-cancer training split, and a job file. */
export interface DiagnosisShards {
  sim: SimDir;
  job: string;
  shard: (id: string) => string;
}

/**
 * Writes `<id>.csv` (contiguous shards of the fixed stratified 80 % training split) for every
 * party of `sim`, and `job.json` validated from `job`. Shared by the CLI and checkpoint tests.
 */
export function writeDiagnosisShards(sim: SimDir, job: object): DiagnosisShards {
  const ds = readCsv(join(DATA, 'breast_cancer.csv'), 'label');
  const tr = selectRows(ds, stratifiedSplit(ds.y, 0.2, 0).train);
  const sizes = shardSizes(tr.rows, sim.ids.length);
  let off = 0;
  sim.ids.forEach((id, i) => {
    writeFileSync(join(sim.dir, `${id}.csv`), toCsv(tr, Array.from({ length: sizes[i]! }, (_, k) => off + k)));
    off += sizes[i]!;
  });
  const jobFile = join(sim.dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify(validateJob(job, 'test')));
  return { sim, job: jobFile, shard: (id) => join(sim.dir, `${id}.csv`) };
}

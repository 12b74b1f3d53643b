import type { EpochReport } from '../ml/train.js';
import type { ModelFile } from '../ml/model.js';
import type { Metrics } from '../ml/metrics.js';
import type { CheckpointReport } from './party-checkpoint.js';

/** The `--json` line of `concord party` (stable fields; the model only at recipients). */
export interface PartyReport {
  party: string;
  index: number;
  job: string;
  jobHash: string;
  model?: ModelFile;
  modelFile?: string;
  trainRows: number;
  partyRows: number[];
  epochs: EpochReport[];
  trainSeconds: number;
  /** Rounds of the training steps only. */
  trainRounds: number;
  steps: number;
  /** All rounds of this party's session (agreement, scaling, training, reveal). */
  rounds: number;
  bytesSent: number;
  offline: string;
  /** Peak resident set of this process, KiB. */
  maxRssKiB: number;
  /** With the job's revealCheckpoints: every parameter (flattened) after every step. */
  checkpoints?: number[][];
  /** Horizontal jobs: the epoch resumed after (--resume) and the cost of the per-epoch checkpoint writes. */
  checkpoint?: CheckpointReport;
  /** With --test at a recipient: metrics of the model on that local CSV (vertical: on the aligned test rows, scored in MPC). */
  test?: Metrics & { file: string; rows: number };
  /** Vertical jobs: |intersection| of the ID columns, the PSI's seconds, this party's own row indices in the agreed order. */
  intersection?: number;
  psiSeconds?: number;
  alignedRows?: number[];
  /** Vertical jobs with --test, at recipients: the MPC probabilities of the aligned test rows. */
  testProbabilities?: number[];
  /** ... and this party's own test row indices in the order of those probabilities. */
  testAlignedRows?: number[];
}

/** The JSON line of `concord simulate --json` (DESIGN.md §7 fields first). */
export interface SimulateReport {
  parties: number;
  model: string;
  epochs: number;
  trainRows: number;
  testRows: number;
  accuracy: number;
  auc: number;
  precision: number;
  recall: number;
  f1: number;
  trainSeconds: number;
  bytesSent: number;
  rounds: number;
  offline: string;
  trainRounds: number;
  steps: number;
  dataset: string;
  plain: { accuracy: number; auc: number; precision: number; recall: number; f1: number; seconds: number };
  maxWeightDiff: number;
  maxPredictionDiff: number;
  wallSeconds: number;
  /** Largest peak resident set of a party process, bytes. */
  peakMemory: number;
  /** Vertical runs: the partitioning, |intersection| of the training IDs and the PSI's seconds. */
  partitioning?: 'vertical';
  intersection?: number;
  psiSeconds?: number;
  /**
   * Vertical runs: the intersection as rows of the training set (the --train file, or its 80% split
   * when no --test is given), in the agreed training order, so a horizontal run on the same rows in
   * the same order can be compared. A simulation only: no party ever sees this list.
   */
  alignedTrainRows?: number[];
  /** With --check: per-epoch Brier loss of the secure run (revealed) and of the plaintext loop. */
  check?: { epoch: number; loss: number; plainLoss: number; maxWeightDiff: number }[];
  /** With --checkpoint: the epoch the run continued after (0: it started at epoch 1). */
  resumedFrom?: number;
  /** With --checkpoint: per-epoch writes, slowest party's mean seconds per write (digest round + atomic write), bytes of one file. */
  checkpoint?: { writes: number; secondsPerWrite: number; bytes: number };
}

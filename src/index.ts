/**
 * Concord as a library: `import { ... } from 'concord-mpc'` (README "Use as a library").
 *
 * - Parties: `connectParty` (one organization's process, from its consortium and key files, over
 *   the Noise/WebSocket mesh), `runInMemory` / `memorySessions` (every party in this process, for
 *   trying things), `runCluster` (a task module in real party processes on 127.0.0.1).
 * - Secret tensors: `Secret` (input, add, mul, matmul, reveal; prints only its shape).
 * - Protocols on ring tensors (`Ring`, fixed point at FRAC_BITS): open, mul, matmul, trunc,
 *   comparisons and the fixed-point non-linear functions, each taking the Session first; the same
 *   protocols as chains (`*Step`) with `run` and `lockstep`, to compose them into shared rounds.
 * - Training: `trainSecure` with `secureOps`, job files, CSV loading, raw-table preprocessing
 *   (`encodeLocal`, `fitJoint`, `transform`), models, `predictTable` and metrics.
 * - Errors: every deliberate failure is a `ConcordError` with a stable `code`.
 */

export { ConcordError, isConcordError, type ErrorCode } from './errors.js';

// Parties and sessions
export { connectParty, type ConnectPartyOptions } from './cli/connect.js';
export { runInMemory, memorySessions, type InMemoryOptions } from './cli/in-memory.js';
export { runCluster, runClusterDetailed, type ClusterOptions, type ClusterRun, type PartyOutcome } from './cli/cluster.js';
export type { ClusterTask } from './cli/worker.js';
export type { OfflineMode } from './cli/prep.js';
export { loadConsortium, parseConsortium, type Consortium, type ConsortiumNode } from './config/consortium.js';
export { generateKey, writeKeyFile, readKeyFile } from './config/keys.js';
export { Session, type SessionStats } from './session/session.js';
export type { Preprocessing } from './session/preprocessing.js';

// Secret tensors
export { Secret, reveal } from './ml/secret.js';

// Ring tensors and fixed point
export { Ring, type Shape } from './ring/ring.js';
export { FRAC_BITS, encodeFixed, decodeFixed, fixedLimit } from './ring/fixed.js';

// Protocols (shares in, shares out; README "Protocols" states rounds, bytes and input ranges)
export { input } from '../protocols/arithmetic/input.js';
export { open, openMany, revealTo } from '../protocols/arithmetic/open.js';
export { mul } from '../protocols/arithmetic/mul.js';
export { matmul, type MatmulOptions } from '../protocols/arithmetic/matmul.js';
export { trunc } from '../protocols/arithmetic/trunc.js';
export { mulFx, matmulFx } from '../protocols/arithmetic/fixed.js';
export { a2b } from '../protocols/binary/a2b.js';
export { b2a } from '../protocols/binary/b2a.js';
export { ltz } from '../protocols/compare/ltz.js';
export { relu } from '../protocols/compare/relu.js';
export { lt, le, gt, ge, eq } from '../protocols/compare/compare.js';
export { max, argmax, maxWithIndex } from '../protocols/compare/max.js';
export { sigmoid } from '../protocols/nonlinear/sigmoid.js';
export { exp } from '../protocols/nonlinear/exp.js';
export { reciprocal } from '../protocols/nonlinear/reciprocal.js';
export { rsqrt } from '../protocols/nonlinear/rsqrt.js';
export { softmax } from '../protocols/nonlinear/softmax.js';

// Composing protocols into shared rounds (protocols/core): each protocol above is the runner of one
// chain, exported here as `*Step(scope, ...)`; `run(s, (sc) => ...)` runs chains composed with
// `yield*` (in sequence) and `lockstep` (side by side, one message per peer per round).
export { run, runner } from '../protocols/core/run.js';
export { lockstep, type Chain, type Opening, type Opened } from '../protocols/core/chain.js';
export type { Scope } from '../protocols/core/scope.js';
export { openStep, revealToStep } from '../protocols/arithmetic/open.js';
export { mulStep } from '../protocols/arithmetic/mul.js';
export { matmulStep } from '../protocols/arithmetic/matmul.js';
export { truncStep } from '../protocols/arithmetic/trunc.js';
export { mulFxStep, matmulFxStep } from '../protocols/arithmetic/fixed.js';
export { a2bStep } from '../protocols/binary/a2b.js';
export { b2aStep } from '../protocols/binary/b2a.js';
export { ltzStep } from '../protocols/compare/ltz.js';
export { reluStep } from '../protocols/compare/relu.js';
export { ltStep, leStep, gtStep, geStep, eqStep } from '../protocols/compare/compare.js';
export { maxStep } from '../protocols/compare/max.js';
export { sigmoidStep } from '../protocols/nonlinear/sigmoid.js';
export { expStep } from '../protocols/nonlinear/exp.js';
export { reciprocalStep } from '../protocols/nonlinear/reciprocal.js';
export { rsqrtStep } from '../protocols/nonlinear/rsqrt.js';
export { softmaxStep } from '../protocols/nonlinear/softmax.js';

// Training
export { trainSecure, type SecureTrainOptions, type SecureTrainResult, type LocalData, type EpochReport, type NonlinearOps } from './ml/train.js';
export { secureOps } from './ml/nonlinear.js';
export { loadJob, validateJob, jobHash, JOB_DEFAULTS, type Job } from './ml/job.js';
export type { HyperParams } from './ml/hyper.js';
export { readCsv, parseCsv, selectRows, selectColumns, type Dataset } from './ml/csv.js';
export { predict, type ModelFile, type Arch } from './ml/model.js';
// Raw tables: reading, encoding, joint preprocessing, prediction with a saved model
export { readTable, parseTable, openTable, rawSource, type RawTable, type TableSource } from './ml/table.js';
export { tableSpec, encodeLocal, encodeMatrix, scaleAndClip, encodedNames, type TableSpec, type LocalTable, type Preprocessing as TablePreprocessing } from './ml/encode.js';
export { jointColumnStats, type ColumnStats } from './ml/joint-stats.js';
export { fitJoint, transform, type Fitted } from './ml/preprocess.js';
export { predictTable } from './ml/predict.js';
export { wideSum } from '../protocols/arithmetic/wide-sum.js';
export { binaryMetrics, rocAuc, type Metrics } from './ml/metrics.js';

import { randomBytes } from 'node:crypto';
import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import type { Ring } from '../ring/ring.js';
import { CheckpointProblem, CheckpointStore, digest, shareDigest, type Checkpoint, type CheckpointMeta } from './checkpoint-file.js';

/**
 * Resumable training (`--checkpoint <dir>`, `--resume`): the agreement at start-up and the save
 * after every epoch. The file format is in checkpoint-file.ts.
 *
 * Start-up (1 round, small JSON to every peer, ALWAYS run by `concord party`, so a party started
 * with other checkpoint flags than the others is named instead of leaving them waiting): every
 * party announces whether it checkpoints and resumes, a fresh random nonce, and what its own
 * directory holds: for each epoch, the run id, the digest of the public training state and the
 * share digests of all parties recorded at the end of that epoch. Never a share. Every party then
 * runs the same decision (`decideResume`) on the same announcements, so either all continue from
 * the same epoch or all stop with the same E_CHECKPOINT naming the party at fault.
 *
 * A run is identified by runId = H(job hash, consortium fingerprint, run nonce); the run nonce
 * is H(every party's random nonce) at the first start and is kept in the checkpoints.
 *
 * After every epoch (1 round): each party sends the digest of its shares, then writes its file
 * holding its shares and everyone's digests. At resume, a party whose shares differ from what the
 * others recorded for it (a replaced or edited file) is named.
 *
 * A resumed session is a new session: new Noise handshakes give new pairwise PRG keys, a new
 * dealer seed and new base OTs, and its tags count from 1 again. Every piece of preprocessing is
 * therefore fresh (never a replay of the crashed session's randomness), and the dealer and OT
 * predictors learn the request pattern anew from the resumed epoch.
 */

/** This party's checkpoint settings. */
export interface CheckpointOptions {
  /** Where this party keeps its checkpoints; undefined = it does not checkpoint. */
  store?: CheckpointStore;
  resume: boolean;
  jobHash: string;
  /** consortiumFingerprint(...) of the consortium file. */
  consortium: string;
}

/** What the start-up agreement decided. */
export interface ResumePlan {
  runId: string;
  runNonce: string;
  /** This party's checkpoint to continue from; undefined = start at epoch 1. */
  from?: Checkpoint;
  /** A line for the log (e.g. "--resume: no party holds a checkpoint; starting from epoch 1"). */
  note?: string;
}

/** What a party announces at start-up (public: flags, a nonce, epoch numbers, digests). */
export interface CheckpointAnnouncement {
  checkpoint: boolean;
  resume: boolean;
  nonce: string;
  state: 'none' | 'ok' | 'bad';
  problem?: string;
  runId?: string;
  held?: { epoch: number; pub: string; digests: string[] }[];
}

/** The public training state a checkpoint must agree with (computed again at resume). */
export interface PublicState {
  rows: number;
  order: readonly number[];
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  batches: number;
}

/** Fingerprint of a consortium: name, party ids and public keys in order (addresses may change). */
export function consortiumFingerprint(name: string, parties: readonly { id: string; publicKey: Uint8Array }[]): string {
  return digest('concord-consortium/1', name, ...parties.flatMap((p) => [p.id, p.publicKey]));
}

/** Digest of the public training state. */
export function publicDigest(p: PublicState): string {
  const f64 = (a: ArrayLike<number>) => new Uint8Array(Float64Array.from(a).buffer);
  return digest('concord-public-state/1', String(p.rows), String(p.batches), new Uint8Array(Int32Array.from(p.order).buffer), f64(p.mean), f64(p.std));
}

const runIdOf = (jobHash: string, consortium: string, nonce: string): string => digest('concord-run/1', jobHash, consortium, nonce).slice(0, 32);

/** Read this party's checkpoints and check them against the job and consortium (local, no network). */
export function inspectStore(s: { id: string; me: number; n: number }, o: CheckpointOptions): { ann: Omit<CheckpointAnnouncement, 'checkpoint' | 'resume' | 'nonce'>; held: Checkpoint[] } {
  if (!o.store) return { ann: { state: 'none' }, held: [] };
  const held: Checkpoint[] = [];
  try {
    for (const { epoch, file } of o.store.files()) {
      const c = o.store.read(epoch, file);
      const m = c.meta;
      const at = `checkpoint of epoch ${epoch}`;
      if (m.party !== s.id || m.index !== s.me || m.parties !== s.n) throw new CheckpointProblem(`${at} belongs to party ${m.party} (index ${m.index} of ${m.parties}), not to this party`);
      if (m.jobHash !== o.jobHash) throw new CheckpointProblem(`${at} is from another job (job hash ${m.jobHash.slice(0, 12)}…, this job's is ${o.jobHash.slice(0, 12)}…)`);
      if (m.consortium !== o.consortium) throw new CheckpointProblem(`${at} is from another consortium (other party ids or public keys)`);
      if (m.runId !== runIdOf(m.jobHash, m.consortium, m.runNonce)) throw new CheckpointProblem(`${at} has an inconsistent run id`);
      if (held.length > 0 && held[0]!.meta.runId !== m.runId) throw new CheckpointProblem(`its directory holds checkpoints of two different runs (epochs ${held[0]!.meta.epoch} and ${epoch}); keep one run's files`);
      if (m.shareDigests.length !== s.n || m.shareDigests[s.me] !== shareDigest(m.runId, epoch, s.me, c.tensors)) throw new CheckpointProblem(`${at} holds shares that do not match its own recorded digest (edited)`);
      held.push(c);
    }
  } catch (e) {
    if (e instanceof CheckpointProblem) return { ann: { state: 'bad', problem: e.message }, held: [] };
    // An unreadable directory or file (EACCES, EIO): said by its error code, never by its path.
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return { ann: { state: 'bad', problem: `checkpoint directory cannot be read (${code})` }, held: [] };
    throw e;
  }
  if (held.length === 0) return { ann: { state: 'none' }, held };
  return { ann: { state: 'ok', runId: held[0]!.meta.runId, held: held.map((c) => ({ epoch: c.meta.epoch, pub: c.meta.publicDigest, digests: c.meta.shareDigests })) }, held };
}

const HEX = /^[0-9a-f]{16,64}$/;

function parseAnnouncement(v: unknown, from: string, n: number): CheckpointAnnouncement {
  const o = v as Partial<CheckpointAnnouncement> | null;
  const hexes = (a: unknown) => Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'string' && HEX.test(x));
  const valid = typeof o === 'object' && o !== null && typeof o.checkpoint === 'boolean' && typeof o.resume === 'boolean' && typeof o.nonce === 'string' && HEX.test(o.nonce) &&
    ['none', 'ok', 'bad'].includes(o.state as string) && (o.problem === undefined || typeof o.problem === 'string') && (o.runId === undefined || (typeof o.runId === 'string' && HEX.test(o.runId))) &&
    (o.held === undefined || (Array.isArray(o.held) && o.held.length <= 64 && o.held.every((h) => Number.isInteger(h?.epoch) && h.epoch > 0 && typeof h.pub === 'string' && HEX.test(h.pub) && hexes(h.digests))));
  if (!valid) throw new ConcordError('E_FRAME', `party ${from} sent a malformed checkpoint announcement`, { party: from });
  return { ...(o as CheckpointAnnouncement), ...(o.problem !== undefined ? { problem: o.problem.slice(0, 300) } : {}) };
}

const names = (ids: readonly string[], ps: number[]): string => ps.map((p) => ids[p]).join(', ');
const fail = (msg: string, party?: string): ConcordError => new ConcordError('E_CHECKPOINT', msg, party !== undefined ? { party } : undefined);
const epochsOf = (a: CheckpointAnnouncement): string => (a.held ?? []).map((h) => h.epoch).join(', ');

/**
 * The decision every party takes from all announcements (index = party): the epoch to continue
 * from (0 = start over), or one E_CHECKPOINT naming the party at fault and what to do.
 */
export function decideResume(ids: readonly string[], anns: readonly CheckpointAnnouncement[]): { epoch: number; runId?: string; note?: string } {
  const all = anns.map((_, p) => p);
  const without = all.filter((p) => !anns[p]!.checkpoint);
  if (without.length > 0 && without.length < ids.length) {
    throw fail(`party ${names(ids, without)} runs without --checkpoint while ${names(ids, all.filter((p) => anns[p]!.checkpoint))} checkpoint: start every party with --checkpoint <dir>, or none of them`, ids[without[0]!]);
  }
  const noResume = all.filter((p) => !anns[p]!.resume);
  if (noResume.length > 0 && noResume.length < ids.length) {
    throw fail(`party ${names(ids, noResume)} was started without --resume while ${names(ids, all.filter((p) => anns[p]!.resume))} resume: restart every party with the same command plus --resume`, ids[noResume[0]!]);
  }
  const bad = all.filter((p) => anns[p]!.state === 'bad');
  if (bad.length > 0) {
    throw fail(bad.map((p) => `party ${ids[p]}: its ${anns[p]!.problem ?? 'checkpoint is unusable'}`).join('; ') + '; restore a good copy, or remove the checkpoints of every party and start over without --resume', ids[bad[0]!]);
  }
  const holders = all.filter((p) => anns[p]!.state === 'ok');
  if (noResume.length > 0) {
    if (holders.length > 0) {
      const p = holders[0]!;
      throw fail(`party ${ids[p]}'s checkpoint directory already holds checkpoints of this job (epochs ${epochsOf(anns[p]!)}): add --resume to every party to continue that run, or remove them (or choose another --checkpoint directory) to start over`, ids[p]);
    }
    return { epoch: 0 };
  }
  if (holders.length === 0) return { epoch: 0, note: '--resume: no party holds a checkpoint; starting from epoch 1' };
  const empty = all.filter((p) => anns[p]!.state === 'none');
  if (empty.length > 0) {
    throw fail(`party ${names(ids, empty)} has no checkpoint in its --checkpoint directory while ${names(ids, holders)} hold epochs ${epochsOf(anns[holders[0]!]!)} of this run: give it the directory of this run, or remove every party's checkpoints and start over without --resume`, ids[empty[0]!]);
  }
  // The run held by most parties (ties: the lowest index) is the reference; the others are named.
  const count = (r: string | undefined) => all.filter((p) => anns[p]!.runId === r).length;
  const ref = all.map((p) => anns[p]!.runId).reduce((best, r) => (count(r) > count(best) ? r : best), anns[0]!.runId);
  const other = all.filter((p) => anns[p]!.runId !== ref);
  if (other.length > 0) {
    throw fail(`party ${names(ids, other)} holds a checkpoint of another run of this job (run ${anns[other[0]!]!.runId!.slice(0, 12)}…, the others' is ${ref!.slice(0, 12)}…): restore its checkpoint of this run, or remove every party's checkpoints and start over`, ids[other[0]!]);
  }
  const common = (anns[0]!.held ?? []).map((h) => h.epoch).filter((e) => anns.every((a) => a.held!.some((h) => h.epoch === e)));
  if (common.length === 0) throw fail(`the parties hold no epoch in common (${all.map((p) => `${ids[p]}: ${epochsOf(anns[p]!)}`).join('; ')}); restore matching checkpoints or start over`);
  const epoch = Math.max(...common);
  const at = anns.map((a) => a.held!.find((h) => h.epoch === epoch)!);
  const pubOdd = all.find((p) => at[p]!.pub !== at[0]!.pub);
  if (pubOdd !== undefined) throw fail(`party ${ids[pubOdd]}'s checkpoint of epoch ${epoch} has another public training state (row count, batch order or scaling) than ${ids[0]}'s`, ids[pubOdd]);
  for (const p of all) {
    // p's own digest against what the others recorded for p at the end of that epoch.
    const others = all.filter((q) => q !== p && at[q]!.digests[p] !== at[p]!.digests[p]);
    if (others.length > 0) {
      throw fail(`party ${ids[p]}'s checkpoint of epoch ${epoch} does not match the share digest that ${names(ids, others)} recorded for it at the end of that epoch: it was replaced or edited; restore the original`, ids[p]);
    }
  }
  return { epoch, runId: ref! };
}

/** The start-up agreement (1 round); see the module comment. */
export async function agreeOnCheckpoints(s: Session, o: CheckpointOptions): Promise<ResumePlan> {
  const local = inspectStore(s, o);
  const mine: CheckpointAnnouncement = { checkpoint: o.store !== undefined, resume: o.resume, nonce: randomBytes(16).toString('hex'), ...local.ann };
  const tag = s.tag();
  for (const p of s.peers) s.sendJson(p, tag, mine, 'checkpoint');
  const anns: CheckpointAnnouncement[] = [];
  anns[s.me] = mine;
  await Promise.all(s.peers.map(async (p) => (anns[p] = parseAnnouncement(await s.recvJson(p, tag, 'checkpoint'), s.ids[p]!, s.n))));
  const d = decideResume(s.ids, anns);
  if (d.epoch === 0) {
    const runNonce = digest('concord-run-nonce/1', ...anns.map((a) => a.nonce));
    return { runId: runIdOf(o.jobHash, o.consortium, runNonce), runNonce, ...(d.note ? { note: d.note } : {}) };
  }
  const from = local.held.find((c) => c.meta.epoch === d.epoch)!;
  return { runId: from.meta.runId, runNonce: from.meta.runNonce, from, note: `--resume: every party holds epoch ${d.epoch} of run ${from.meta.runId.slice(0, 12)}…; continuing with epoch ${d.epoch + 1}` };
}

/** Shares of the training state after an epoch, as the loop hands them over. */
export interface EpochState {
  epoch: number;
  epochs: number;
  steps: number;
  params: Ring[];
  vel: Ring[];
  pub: PublicState;
}

/** Cost of the checkpoints written so far. */
export interface CheckpointStats {
  writes: number;
  seconds: number;
  bytes: number;
}

/**
 * The per-epoch save: exchange share digests (1 round), write this party's file atomically,
 * keep the newest two epochs. Returns the hook for the training loop and its running cost.
 */
export function epochSaver(s: Session, store: CheckpointStore, o: CheckpointOptions, plan: ResumePlan, names: { params: string[] }): { save: (st: EpochState) => Promise<void>; stats: CheckpointStats } {
  const stats: CheckpointStats = { writes: 0, seconds: 0, bytes: 0 };
  const save = async (st: EpochState): Promise<void> => {
    const t0 = performance.now();
    const tensors = [...st.params, ...st.vel];
    const mine = shareDigest(plan.runId, st.epoch, s.me, tensors);
    const tag = s.tag();
    for (const p of s.peers) s.sendJson(p, tag, mine, 'checkpoint-digest');
    const digests: string[] = [];
    digests[s.me] = mine;
    await Promise.all(s.peers.map(async (p) => {
      const d = await s.recvJson(p, tag, 'checkpoint-digest');
      if (typeof d !== 'string' || !HEX.test(d)) throw new ConcordError('E_FRAME', `party ${s.ids[p]} sent a malformed checkpoint digest`, { party: s.ids[p]! });
      digests[p] = d;
    }));
    const meta: CheckpointMeta = {
      format: 'concord-checkpoint/1', party: s.id, index: s.me, parties: s.n, jobHash: o.jobHash, consortium: o.consortium, runId: plan.runId, runNonce: plan.runNonce,
      epoch: st.epoch, epochs: st.epochs, steps: st.steps, publicDigest: publicDigest(st.pub),
      tensors: [...names.params.map((n, k) => ({ name: n, shape: [...st.params[k]!.shape] })), ...names.params.map((n, k) => ({ name: `${n}.velocity`, shape: [...st.vel[k]!.shape] }))],
      shareDigests: digests,
    };
    try {
      stats.bytes = store.save(meta, tensors);
    } catch (e) {
      // The errno code only: the full message names a local path, and this error goes to the peers.
      throw new ConcordError('E_CHECKPOINT', `party ${s.id} could not write its checkpoint of epoch ${st.epoch} (${(e as NodeJS.ErrnoException).code ?? 'I/O error'}); check the --checkpoint directory's space and permissions`, { party: s.id });
    }
    stats.writes++;
    stats.seconds += (performance.now() - t0) / 1000;
  };
  return { save, stats };
}

/** At resume: the checkpoint's public state must be the one computed again now (same data, same order). */
export function checkPublicState(s: Session, from: Checkpoint, pub: PublicState): void {
  if (publicDigest(pub) !== from.meta.publicDigest) {
    throw new ConcordError('E_CHECKPOINT', `the public training state (row counts, batch order or joint scaling) differs from the one of the checkpoint of epoch ${from.meta.epoch}: a party's training data changed since; give every party the data of the interrupted run`, { party: s.id });
  }
}

import { CancelledError, ExitCode, InputError, isStm32mpError, type Stm32mpError } from '../../errors.js';
import { Command } from '../../protocol/constants.js';
import type { SocFamily } from '../../protocol/constants.js';
import type { OtpStructure } from '../../otp/structure.js';
import { silentLogger } from '../../util/logger.js';
import { appendAuditRecord } from '../audit-log.js';
import { bootIfRequested } from '../boot.js';
import { openBoard, type BoardSession } from '../open-board.js';
import { readOtp } from '../otp-read.js';
import { checkBrickRisks, planOtpWrite, uidOf, wordRecords, writeOtp, type OtpWritePlan, type WordCheck } from '../otp-write.js';
import { MacPool, type MacAddressState, type MacPoolState } from './mac-pool.js';
import { boardMac, macPoolEdit, resolveBoardEdits, type ResolvedValue } from './resolve.js';
import type { BoardPlan, BoardResult, BoardStage, ProvisionOptions, ProvisionTarget, WordRecord } from './types.js';

/**
 * One board of a provisioning run, in two halves around the run's single confirmation:
 * `prepare` (open, boot if asked, read UID and OTP) and `makePlan` (resolve the plan, codec
 * refusals, brick risks), then `burn` (reserve the pool address, write + verify through writeOtp,
 * mark the address, audit). Every failure ends this board only: it becomes the board's result.
 */
export class BoardRun {
  readonly port: string;
  private session: BoardSession | undefined;
  private soc: SocFamily | undefined;
  private uid: string | null = null;
  private current: OtpStructure | undefined;
  private planned: BoardPlan | undefined;
  private final: BoardResult | undefined;
  private readonly started = performance.now();
  private readonly timings: { openMs?: number; bootMs?: number; readMs?: number; writeMs?: number } = {};
  private poolInfo: BoardResult['pool'];
  private values: ResolvedValue[] = [];
  /** When `burn` began: reservation, write, verify and pool marking count as the write time. */
  private writeStarted: number | undefined;

  constructor(
    private readonly target: ProvisionTarget,
    private readonly options: ProvisionOptions,
    private readonly pool: MacPool | undefined,
  ) {
    this.port = target.port;
  }

  get result(): BoardResult | undefined {
    return this.final;
  }

  get plan(): BoardPlan | undefined {
    return this.planned;
  }

  private stage(stage: BoardStage): void {
    this.options.onEvent?.({ type: 'stage', port: this.port, stage, ...(this.uid ? { uid: this.uid } : {}) });
  }

  private progress(stage: BoardStage, done: number, total: number, what: string): void {
    this.options.onEvent?.({ type: 'progress', port: this.port, stage, done, total, what });
  }

  private async timed<T>(key: keyof BoardRun['timings'], fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[key] = Math.round(performance.now() - t0);
    }
  }

  /** Open, boot if asked, read the OTP and UID. */
  async prepare(): Promise<void> {
    const logger = this.options.logger ?? silentLogger;
    this.stage('opening');
    const open = this.target.openSession ?? (() => openBoard({ logger, ...this.target.open, port: this.port }));
    this.session = await this.timed('openMs', open);
    const session = this.session;
    if (this.options.boot) {
      this.stage('booting');
      await this.timed('bootMs', () =>
        bootIfRequested(session, this.options.boot, (e) => {
          if (e.type === 'progress') this.progress('booting', e.sent, e.total, e.name);
        }, { logger }),
      );
    }
    this.stage('reading');
    const read = await this.timed('readMs', () => readOtp(session.link, { logger, onProgress: (p) => this.progress('reading', p.read, p.total, 'OTP') }));
    this.soc = read.soc;
    this.current = read.structure;
    this.uid = uidOf(read.structure);
    if (!this.uid) throw new InputError('OTP_SIZE', 'the OTP read has no UID words (13-15)');
  }

  /** The pool address this board would get: its own, or the next free one not in `taken`. */
  previewMac(state: MacPoolState, taken: Set<string>): { address: string; reused: boolean } {
    const own = MacPool.entryOf(state, this.uid!);
    if (own) return { address: own.mac, reused: true };
    const next = this.pool!.nextFree(state, taken);
    if (next === undefined) {
      throw new InputError('POOL_EXHAUSTED', `the MAC pool ${this.pool!.spec.start} + ${this.pool!.spec.count} has no free address left for this board`, { details: { state: this.pool!.spec.statePath } });
    }
    taken.add(next);
    return { address: next, reused: false };
  }

  /** Resolves the plan for this board and checks it (codec refusals, MAC already set, brick risks). */
  makePlan(poolState: MacPoolState | undefined, taken: Set<string>): BoardPlan {
    const soc = this.soc!;
    const current = this.current!;
    const uid = this.uid!;
    let mac: BoardPlan['mac'];
    if (this.pool && poolState) {
      const onBoard = boardMac(this.options.plan, soc, current);
      const own = MacPool.entryOf(poolState, uid);
      if (onBoard !== undefined && onBoard !== own?.mac) {
        const words = macPoolEdit(this.options.plan)!.words;
        throw new InputError(
          'MAC_PRESENT',
          `the board already has MAC ${onBoard} in words ${words.join(', ')}${own ? `, not ${own.mac} that the pool gave it` : ', and the pool has no address for it'}: a pool address cannot be burnt over it`,
          { details: { uid, mac: onBoard, ...(own ? { poolMac: own.mac } : {}) } },
        );
      }
      mac = this.previewMac(poolState, taken);
    }
    const resolved = resolveBoardEdits(this.options.plan, { soc, uid, current, ...(mac ? { mac: mac.address } : {}) });
    this.values = resolved.values;
    const otp = planOtpWrite(current, resolved.edits, soc);
    checkBrickRisks(otp, this.options.force);
    this.planned = { port: this.port, uid, soc, ...(mac ? { mac } : {}), values: resolved.values, otp };
    if (mac) this.poolInfo = { mac: mac.address, reused: mac.reused, state: 'preview' };
    this.options.onEvent?.({ type: 'planned', port: this.port, plan: this.planned });
    this.stage('planned');
    return this.planned;
  }

  /** Ends a dry run or a declined run for this board (nothing was sent). */
  async settle(result: 'dry-run' | 'cancelled'): Promise<BoardResult> {
    const otp = this.planned!.otp;
    const err = result === 'cancelled' ? new CancelledError('CANCELLED', 'the run was not confirmed: nothing was written') : undefined;
    this.final = this.finish(result, wordRecords(otp, undefined), err);
    await this.close();
    return this.final;
  }

  /** Reserve → write + verify → mark → audit. Never throws: a failure is the board's result. */
  async burn(): Promise<BoardResult> {
    const plan = this.planned!;
    const session = this.session!;
    let reserved: { mac: string; reused: boolean } | undefined;
    let finalPlan: OtpWritePlan = plan.otp;
    this.writeStarted = performance.now();
    const stopWatching = session.link.onEvent((e) => {
      if (e.type !== 'command' || !e.ok) return;
      if (e.code === Command.DOWNLOAD) this.progress('writing', Math.min(finalPlan.request.bytes.length, 256 * (Number(e.args.packet ?? 0) + 1)), finalPlan.request.bytes.length, 'OTP request');
      else if (e.code === Command.START) this.stage('verifying');
    });
    try {
      if (plan.otp.pending === 0) {
        // Value and locks of every word are on the board already: nothing is reserved or sent.
        if (plan.mac?.reused) await this.markPool(plan.mac.address, 'burnt');
        this.final = this.finish('nothing-to-do', wordRecords(plan.otp, this.current));
      } else {
        if (this.pool) {
          this.stage('reserving');
          const r = await this.pool.reserve(plan.uid, this.port);
          reserved = { mac: r.entry.mac, reused: r.reused };
          this.poolInfo = { mac: reserved.mac, reused: reserved.reused, state: 'reserved' };
          this.options.onEvent?.({ type: 'reserved', port: this.port, uid: plan.uid, mac: reserved.mac, reused: reserved.reused });
        }
        const edits = resolveBoardEdits(this.options.plan, { soc: plan.soc, uid: plan.uid, current: this.current!, ...(reserved ? { mac: reserved.mac } : {}) });
        this.values = edits.values;
        this.stage('writing');
        const result = await writeOtp(session.link, {
          edits: edits.edits,
          soc: plan.soc,
          force: this.options.force,
          yes: true, // the run was confirmed once for every board
          logger: this.options.logger,
          port: this.port,
          operation: 'provision',
          onPlan: (p) => (finalPlan = p),
        });
        if (reserved) await this.markPool(reserved.mac, 'burnt');
        this.final = this.finish(result.outcome === 'written' ? 'ok' : 'nothing-to-do', wordRecords(finalPlan, result.after));
      }
    } catch (err) {
      if (reserved) await this.markPool(reserved.mac, 'failed').catch(() => {});
      const after = await this.afterFailure(err, finalPlan);
      this.final = this.finish('failed', wordRecords(finalPlan, after), err);
    } finally {
      stopWatching();
    }
    await this.close();
    await this.audit();
    return this.final;
  }

  /** A failure before the plan: the board's result (and audit line unless a dry run). */
  async fail(err: unknown): Promise<BoardResult> {
    const before = this.planned ? wordRecords(this.planned.otp, undefined) : [];
    this.final = this.finish('failed', before, err);
    await this.close();
    if (!this.options.dryRun) await this.audit();
    return this.final;
  }

  private async markPool(mac: string, to: MacAddressState): Promise<void> {
    await this.pool!.mark(this.uid!, mac, to);
    this.poolInfo = { mac, reused: this.poolInfo?.reused ?? false, state: to };
  }

  /** What the words hold after a failed write: the error's read-back, else a best-effort read. */
  private async afterFailure(err: unknown, plan: OtpWritePlan): Promise<OtpStructure | undefined> {
    const checks = isStm32mpError(err) ? (err.details.checks as WordCheck[] | undefined) : undefined;
    if (checks) {
      const s = structuredClone(plan.current);
      for (const c of checks) s.words[c.id] = { ...s.words[c.id]!, value: c.foundValue, status: c.foundStatus };
      return s;
    }
    // Refusals, pool and confirmation errors come before any Download: the words are as last read.
    if (isStm32mpError(err) && err.exitCode !== ExitCode.LINK) return plan.current;
    try {
      return (await readOtp(this.session!.link, { soc: this.soc! })).structure;
    } catch {
      return undefined;
    }
  }

  private finish(result: BoardResult['result'], records: WordRecord[], err?: unknown): BoardResult {
    const error = err === undefined ? undefined : describeError(err);
    if (this.writeStarted !== undefined) this.timings.writeMs = Math.round(performance.now() - this.writeStarted);
    this.stage(result === 'failed' || result === 'cancelled' ? 'failed' : 'done');
    const r: BoardResult = {
      port: this.port,
      uid: this.uid,
      ...(this.soc ? { soc: this.soc } : {}),
      result,
      words: records,
      ...(this.poolInfo ? { pool: this.poolInfo } : {}),
      values: this.values,
      ...(error ? { error } : {}),
      timings: { ...this.timings, totalMs: Math.round(performance.now() - this.started) },
    };
    this.options.onEvent?.({ type: 'result', port: this.port, result: r });
    return r;
  }

  private async audit(): Promise<void> {
    const path = this.options.auditLog;
    const r = this.final!;
    if (!path || r.result === 'cancelled' || r.result === 'dry-run') return;
    await appendAuditRecord(path, {
      time: new Date().toISOString(),
      operation: 'provision',
      port: r.port,
      uid: r.uid,
      ...(r.soc ? { soc: r.soc } : {}),
      plan: this.options.plan.source,
      words: r.words.map((w) => ({ id: w.id, before: w.before, after: w.after, requested: w.requested, skipped: w.skipped })),
      result: r.result === 'failed' ? 'failed' : r.result,
      ...(r.pool ? { pool: { mac: r.pool.mac, reused: r.pool.reused, state: r.pool.state } } : {}),
      values: r.values,
      timings: r.timings,
      ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
    });
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await s?.close().catch(() => {});
  }
}

function describeError(err: unknown): { code: string; message: string; exitCode: ExitCode } {
  if (isStm32mpError(err)) return { code: err.code, message: err.message, exitCode: (err as Stm32mpError).exitCode };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), exitCode: ExitCode.LINK };
}


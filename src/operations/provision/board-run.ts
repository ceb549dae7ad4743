import { CancelledError, ExitCode, InputError, isStm32mpError } from '../../errors.js';
import { Command } from '../../protocol/constants.js';
import type { SocFamily } from '../../protocol/constants.js';
import type { OtpStructure } from '../../otp/structure.js';
import type { OtpEdit } from '../../otp/request.js';
import { silentLogger } from '../../util/logger.js';
import { appendAuditRecord } from '../audit-log.js';
import { bootToUBoot, type PreparedBoot } from '../boot.js';
import { openBoard, type BoardSession } from '../open-board.js';
import { readOtp } from '../otp-read.js';
import { checkBrickRisks, planOtpWrite, uidOf, wordRecords, writeOtp, type OtpWritePlan, type WordCheck } from '../otp-write.js';
import { auditRecord, describeError, readWordRecords } from './board-records.js';
import { MacPool, type MacAddressState, type MacPoolState, type MacReservation } from './mac-pool.js';
import { boardMac, macPoolEdit, macReachable, resolveBoardEdits, type ResolvedValue } from './resolve.js';
import type { BoardPlan, BoardResult, BoardStage, BoardWordRecord, ProvisionOptions, ProvisionTarget } from './types.js';

/**
 * One board of a provisioning run, around the run's single confirmation: `prepare` (open, boot if
 * asked, read UID and OTP), `makePlan` (resolve the plan with a previewed pool address, codec
 * refusals, brick risks), `reserved` (the address the pool recorded for it, before the question),
 * then `burn` (write + verify through writeOtp, mark the address, audit). Every failure ends this
 * board only: it becomes the board's result, and no method after `prepare` throws past the run.
 */
export class BoardRun {
  readonly port: string;
  private session: BoardSession | undefined;
  private soc: SocFamily | undefined;
  private uid: string | null = null;
  private current: OtpStructure | undefined;
  private planned: BoardPlan | undefined;
  /** The edits of the plan, resolved for this board and its address (what writeOtp is given). */
  private edits: OtpEdit[] = [];
  private final: BoardResult | undefined;
  private readonly started = performance.now();
  private readonly timings: { openMs?: number; bootMs?: number; readMs?: number; writeMs?: number } = {};
  private poolInfo: BoardResult['pool'];
  private values: ResolvedValue[] = [];
  private readonly warnings: string[] = [];
  private auditWritten = false;
  /** When `burn` began: write, verify and pool marking count as the write time. */
  private writeStarted: number | undefined;

  constructor(
    private readonly target: ProvisionTarget,
    private readonly options: ProvisionOptions,
    private readonly pool: MacPool | undefined,
    /** The boot files, read and checked once for the run before any board was opened. */
    private readonly boot?: PreparedBoot,
  ) {
    this.port = target.port;
  }

  get result(): BoardResult | undefined {
    return this.final;
  }

  get plan(): BoardPlan | undefined {
    return this.planned;
  }

  /** The UID read from the board (after `prepare`). */
  get boardUid(): string | null {
    return this.uid;
  }

  /** An audit line was appended for this board. */
  get audited(): boolean {
    return this.auditWritten;
  }

  /**
   * The board needs its pool address recorded before the question: it will be written, or it gets
   * an address that is not its own yet.
   */
  get wantsAddress(): boolean {
    const p = this.planned;
    return p?.mac !== undefined && (p.otp.pending > 0 || !p.mac.reused);
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
    const boot = this.boot;
    if (boot) {
      this.stage('booting');
      await this.timed('bootMs', () =>
        bootToUBoot(session.link, {
          ...boot,
          names: boot.files,
          logger,
          onEvent: (e) => {
            if (e.type === 'progress') this.progress('booting', e.sent, e.total, e.name);
          },
        }),
      );
    }
    this.stage('reading');
    const read = await this.timed('readMs', () => readOtp(session.link, { logger, onProgress: (p) => this.progress('reading', p.read, p.total, 'OTP') }));
    this.soc = read.soc;
    this.current = read.structure;
    this.uid = uidOf(read.structure);
    if (!this.uid) throw new InputError('OTP_SIZE', 'the OTP read has no UID words (13-15)');
  }

  /**
   * Resolves the plan for this board and checks it (MAC already set, codec refusals, brick risks).
   * With a pool, the address is the board's own or the first free one not in `taken`; it is added to
   * `taken` only once the plan passed, so a refused board never uses up an address — the preview
   * (in --port order) is then exactly what `MacPool.reserveMany` gives the same boards in that order.
   */
  makePlan(poolState: MacPoolState | undefined, taken: Set<string>): BoardPlan {
    let mac: BoardPlan['mac'];
    let state: MacAddressState | 'preview' = 'preview';
    if (this.pool && poolState) {
      const own = MacPool.entryOf(poolState, this.uid!);
      this.checkBoardMac(own?.mac);
      if (own) {
        mac = { address: own.mac, reused: true, reserved: false };
        state = own.state;
      } else {
        const next = this.pool.nextFree(poolState, taken);
        if (next === undefined) {
          throw new InputError('POOL_EXHAUSTED', `the MAC pool ${this.pool.spec.start} + ${this.pool.spec.count} has no free address left for this board`, { details: { state: this.pool.spec.statePath } });
        }
        mac = { address: next, reused: false, reserved: false };
      }
    }
    const plan = this.planWith(mac);
    if (mac) {
      if (!mac.reused) taken.add(mac.address);
      this.poolInfo = { mac: mac.address, reused: mac.reused, state };
    }
    this.stage('planned');
    return plan;
  }

  /**
   * The pool recorded `r` for this board (before the question). Normally the address previewed; if
   * another process took that one between the snapshot and the lock, the plan is made again for the
   * address this board now holds — so the question shows, and the board gets, the recorded one.
   */
  reserved(r: MacReservation): void {
    const mac = { address: r.entry.mac, reused: r.reused, reserved: true };
    if (r.entry.mac !== this.planned!.mac?.address) {
      this.checkBoardMac(r.reused ? r.entry.mac : undefined);
      this.planWith(mac);
    } else {
      this.planned = { ...this.planned!, mac };
    }
    this.poolInfo = { mac: mac.address, reused: mac.reused, state: r.entry.state };
    this.options.onEvent?.({ type: 'reserved', port: this.port, uid: this.uid!, mac: mac.address, reused: mac.reused });
  }

  /** Forget the pool address (its reservation was given back, or never made). */
  dropAddress(): void {
    this.poolInfo = undefined;
  }

  /**
   * A MAC already in the words the pool writes is refused unless the programming only has to finish
   * it: the board's own pool address, reachable by setting bits (a write that stopped half way).
   */
  private checkBoardMac(own: string | undefined): void {
    const { plan } = this.options;
    const onBoard = boardMac(plan, this.soc!, this.current!);
    if (onBoard === undefined || (own !== undefined && macReachable(plan, this.soc!, this.current!, own))) return;
    const words = macPoolEdit(plan)!.words;
    throw new InputError(
      'MAC_PRESENT',
      `the board already has MAC ${onBoard} in words ${words.join(', ')}${own ? `, which cannot become ${own} that the pool gave it (bits would go 1→0)` : ', and the pool has no address for it'}: a pool address cannot be burnt over it`,
      { details: { uid: this.uid, mac: onBoard, ...(own ? { poolMac: own } : {}) } },
    );
  }

  /** Resolve → codec plan → brick-risk gate, for the given address; the plan becomes this board's. */
  private planWith(mac: BoardPlan['mac']): BoardPlan {
    const soc = this.soc!;
    const uid = this.uid!;
    // A board refused here keeps no plan and no values: its audit line must not name an address
    // that then goes to another board.
    this.planned = undefined;
    this.values = [];
    const resolved = resolveBoardEdits(this.options.plan, { soc, uid, current: this.current!, ...(mac ? { mac: mac.address } : {}) });
    const otp = planOtpWrite(this.current!, resolved.edits, soc);
    checkBrickRisks(otp, this.options.force);
    this.values = resolved.values;
    this.edits = resolved.edits;
    this.planned = { port: this.port, uid, soc, ...(mac ? { mac } : {}), values: resolved.values, otp };
    this.options.onEvent?.({ type: 'planned', port: this.port, plan: this.planned });
    return this.planned;
  }

  /** Ends a dry run or a declined run for this board (nothing was sent). */
  async settle(result: 'dry-run' | 'cancelled'): Promise<BoardResult> {
    const otp = this.planned!.otp;
    const err = result === 'cancelled' ? new CancelledError('CANCELLED', 'the run was not confirmed: nothing was written') : undefined;
    this.finish(result, wordRecords(otp, undefined), err);
    await this.close();
    return this.publish();
  }

  /** Write + verify → mark → audit, with the address reserved before the question. Never throws. */
  async burn(): Promise<BoardResult> {
    const plan = this.planned!;
    const session = this.session!;
    const mac = plan.mac;
    let finalPlan: OtpWritePlan = plan.otp;
    this.writeStarted = performance.now();
    const stopWatching = session.link.onEvent((e) => {
      if (e.type !== 'command' || !e.ok) return;
      if (e.code === Command.DOWNLOAD) this.progress('writing', Math.min(finalPlan.request.bytes.length, 256 * (Number(e.args.packet ?? 0) + 1)), finalPlan.request.bytes.length, 'OTP request');
      else if (e.code === Command.START) this.stage('verifying');
    });
    try {
      if (plan.otp.pending === 0) {
        // Value and locks of every word are on the board already: nothing is sent.
        if (mac?.reused) await this.markPool(mac.address, 'burnt');
        this.finish('nothing-to-do', wordRecords(plan.otp, this.current));
      } else {
        this.stage('writing');
        const result = await writeOtp(session.link, {
          edits: this.edits,
          soc: plan.soc,
          force: this.options.force,
          yes: true, // the run was confirmed once for every board
          logger: this.options.logger,
          port: this.port,
          operation: 'provision',
          onPlan: (p) => (finalPlan = p),
        });
        if (mac) await this.markPool(mac.address, 'burnt');
        this.finish(result.outcome === 'written' ? 'ok' : 'nothing-to-do', wordRecords(finalPlan, result.after));
      }
    } catch (err) {
      if (mac) await this.markPool(mac.address, 'failed');
      const after = await this.afterFailure(err, finalPlan);
      this.finish('failed', wordRecords(finalPlan, after), err);
    } finally {
      stopWatching();
    }
    await this.close();
    await this.audit();
    return this.publish();
  }

  /** A failure before the write (open, boot, read, plan, reservation): the board's result and audit line (not on a dry run). Never throws. */
  async fail(err: unknown): Promise<BoardResult> {
    const records = this.planned ? wordRecords(this.planned.otp, undefined) : this.current ? readWordRecords(this.options.plan, this.current) : [];
    this.finish('failed', records, err);
    await this.close();
    if (!this.options.dryRun) await this.audit();
    return this.publish();
  }

  /**
   * Records how the write of the address ended. The state is safe whatever happens here (the
   * address stays bound to this UID), so a pool that cannot be marked (lock held, disk full) is a
   * warning on the board's result, never its failure.
   */
  private async markPool(mac: string, to: MacAddressState): Promise<void> {
    try {
      await this.pool!.mark(this.uid!, mac, to);
      this.poolInfo = { mac, reused: this.poolInfo?.reused ?? false, state: to };
    } catch (err) {
      const e = describeError(err);
      const text = `the MAC pool state could not be marked "${to}" for ${mac} [${e.code}] ${e.message}; the address stays bound to this board`;
      this.warnings.push(text);
      (this.options.logger ?? silentLogger).warn({ port: this.port, code: e.code }, text);
    }
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

  private finish(result: BoardResult['result'], records: BoardWordRecord[], err?: unknown): void {
    const error = err === undefined ? undefined : describeError(err);
    if (this.writeStarted !== undefined) this.timings.writeMs = Math.round(performance.now() - this.writeStarted);
    this.final = {
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
  }

  /** The final stage and the result event, once the audit line is written (or could not be). */
  private publish(): BoardResult {
    const r = this.final!;
    if (this.warnings.length) r.warnings = [...this.warnings];
    this.stage(r.result === 'failed' ? 'failed' : r.result === 'cancelled' ? 'cancelled' : 'done');
    this.options.onEvent?.({ type: 'result', port: this.port, result: r });
    return r;
  }

  /**
   * Appends the board's audit line. The log was proven writable before any board was opened; if an
   * append still fails (disk full, file replaced), the proof of this board is missing: a board that
   * succeeded becomes failed (InputError FILE, its words still in the result), a failed one keeps its
   * own error with a warning. Never throws.
   */
  private async audit(): Promise<void> {
    const path = this.options.auditLog;
    const r = this.final!;
    if (!path || r.result === 'cancelled' || r.result === 'dry-run') return;
    try {
      await appendAuditRecord(path, auditRecord(r, this.options.plan.source, this.warnings));
      this.auditWritten = true;
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const text = `the audit line of this board could not be appended to ${path} (${why})`;
      if (r.result === 'failed') {
        this.warnings.push(text);
        return;
      }
      const error = new InputError('FILE', `${text}: the board's run ended "${r.result}" but is not recorded; its words before and after are in this result`, {
        cause: err,
        details: { file: path, result: r.result },
      });
      this.final = { ...r, result: 'failed', error: describeError(error) };
    }
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await s?.close().catch(() => {});
  }
}

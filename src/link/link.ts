import { AbortError, LinkError, NackError, Stm32mpError, TimeoutError } from '../errors.js';
import type { CommandSpec } from '../protocol/command-spec.js';
import { commandName, DEFAULT_ADDRESS, MAX_PACKET_BYTES, type Stage } from '../protocol/constants.js';
import { downloadSpec } from '../protocol/download.js';
import { encodeCommand, hex8 } from '../protocol/frame.js';
import { getIdSpec } from '../protocol/get-id.js';
import { getPhaseSpec, type GetPhaseAnswer } from '../protocol/get-phase.js';
import { getVersionSpec, type GetVersionAnswer } from '../protocol/get-version.js';
import { getSpec, type GetAnswer } from '../protocol/get.js';
import { readMemorySpec } from '../protocol/read-memory.js';
import { readPartitionSpec } from '../protocol/read-partition.js';
import { startSpec } from '../protocol/start.js';
import type { Transport } from '../transport/transport.js';
import { Deadline } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TransportCommandIo } from './command-io.js';
import type { LinkEvent, LinkListener } from './events.js';
import { inferStage, STAGE_LABELS } from './stage.js';
import { DEFAULT_SYNC_TIMING, syncTransport } from './sync.js';

export interface LinkOptions {
  logger?: Logger;
  /** Give up syncing after this long (default 10000, the CLI's --timeout). */
  syncTimeoutMs?: number;
  /** Replaces every command's own answer deadline (1-5 s by command) when set. */
  answerTimeoutMs?: number;
  /** Extra attempts for a command whose failure is safe to retry (default 3). */
  retries?: number;
  /**
   * Send a frame ahead of the previous frame's answer where the device reads it without draining
   * first (Read Partition's length right after its address: two turnarounds fewer per read, see
   * `lengthMayGoAhead`). Default true; false keeps every exchange lock-step (a device that drains
   * where U-Boot does not, or to compare timings).
   */
  sendAhead?: boolean;
}

/**
 * AN5275 framing on a Transport (an5275-uart.md): sync, the eight commands, ACK/NACK/ABORT as typed
 * outcomes, re-sync after a NACK or a timeout mid-command, retries only where repeating is harmless,
 * and the command list from Get as a capability table.
 */
export class Link {
  readonly transport: Transport;
  private readonly logger: Logger;
  private readonly syncTimeoutMs: number;
  private readonly answerTimeoutMs: number | undefined;
  private readonly retries: number;
  private readonly sendAhead: boolean;
  private listeners: LinkListener[] = [];
  private needsResync = false;
  private capabilities: ReadonlySet<number> | undefined;
  private stageKnown: Stage | undefined;
  // Per-exchange latency: the last tx time, then the first rx chunk after it.
  private lastTxAtMs: number | undefined;
  private latenciesMs: number[] = [];

  constructor(transport: Transport, options: LinkOptions = {}) {
    this.transport = transport;
    this.logger = options.logger ?? silentLogger;
    this.syncTimeoutMs = options.syncTimeoutMs ?? DEFAULT_SYNC_TIMING.timeoutMs;
    this.answerTimeoutMs = options.answerTimeoutMs;
    this.retries = options.retries ?? 3;
    this.sendAhead = options.sendAhead ?? true;
    transport.tap((dir, _data, atMs) => {
      if (dir === 'tx') this.lastTxAtMs = atMs;
      else if (this.lastTxAtMs !== undefined) {
        this.latenciesMs.push(atMs - this.lastTxAtMs);
        this.lastTxAtMs = undefined;
      }
    });
  }

  /** The program answering, once Get / Get Version / Get Phase told it (or set by the caller). */
  get stage(): Stage | undefined {
    return this.stageKnown;
  }
  set stage(stage: Stage | undefined) {
    this.stageKnown = stage;
  }

  /** The command codes from the last Get; undefined until then (and after a Start that may jump). */
  get supportedCommands(): readonly number[] | undefined {
    return this.capabilities ? [...this.capabilities] : undefined;
  }

  onEvent(listener: (e: LinkEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Drains stale input and sends 0x7F until ACK; LinkError SYNC_FAILED after `syncTimeoutMs`. */
  async sync(reason = 'sync', options: { confirm?: boolean } = {}): Promise<void> {
    const started = this.transport.clock.now();
    try {
      const { attempts, discarded } = await syncTransport(this.transport, { ...DEFAULT_SYNC_TIMING, timeoutMs: this.syncTimeoutMs }, options);
      this.needsResync = false;
      const durationMs = this.transport.clock.now() - started;
      this.emit({ type: 'sync', ok: true, attempts, discarded, durationMs, reason });
      this.logger.debug({ reason, attempts, discarded: discarded.length, durationMs: round(durationMs) }, `sync: ACK after ${attempts} × 0x7F`);
    } catch (err) {
      const durationMs = this.transport.clock.now() - started;
      this.emit({ type: 'sync', ok: false, attempts: Number((err as Stm32mpError).details?.attempts ?? 0), discarded: Buffer.alloc(0), durationMs, reason });
      throw err;
    }
  }

  async get(): Promise<GetAnswer> {
    const answer = await this.run(getSpec);
    this.capabilities = new Set(answer.commands);
    this.stageKnown = inferStage({ commands: answer.commands }) ?? this.stageKnown;
    return answer;
  }

  async getVersion(): Promise<{ version: number; optionBytes: Buffer }> {
    const answer: GetVersionAnswer = await this.run(getVersionSpec);
    if (answer.optionBytes.length > 0) this.stageKnown = 'rom';
    return answer;
  }

  getId(): Promise<number> {
    return this.run(getIdSpec);
  }

  async getPhase(): Promise<GetPhaseAnswer> {
    const answer = await this.run(getPhaseSpec);
    if (this.stageKnown === undefined && this.capabilities) {
      this.stageKnown = inferStage({ commands: [...this.capabilities], phase: answer.phase });
    }
    return answer;
  }

  readMemory(address: number, length: number): Promise<Buffer> {
    checkLength(length);
    return this.run(readMemorySpec, address, length);
  }

  /** Partition ids are phase ids (0xF2 OTP, 0xF4 PMIC); 1..256 bytes; ABORT → AbortError. */
  readPartition(partition: number, offset: number, length: number): Promise<Buffer> {
    checkLength(length);
    return this.run(readPartitionSpec, partition, offset, length);
  }

  /**
   * One packet; a NACKed packet is re-sent with the same number after a re-sync (bounded). A packet
   * whose answer never came is NOT retried here: U-Boot reads the checksum byte without a deadline
   * (`download_command`), so after a byte lost on the wire the next byte the host sends (a re-sync
   * 0x7F) completes the packet, shifted by one byte, and may even match its checksum. What the device
   * stored is then unknown: the caller restarts the whole transfer from packet 0 where the target
   * allows it (see `downloadBuffer`).
   */
  download(op: number, packet: number, data: Uint8Array): Promise<void> {
    checkLength(data.length);
    return this.run(downloadSpec, op, packet, data);
  }

  /** Never retried. A jump (address ≥ 0x100) may bring up another program: the capability table is dropped. */
  async start(address: number): Promise<void> {
    await this.run(startSpec, address);
    if (address >>> 0 > 0xff || address >>> 0 === DEFAULT_ADDRESS) {
      this.capabilities = undefined;
      this.stageKnown = undefined;
    }
  }

  /** The runner (style.md #5): capability check, command + complement, the spec's exchange, retries. */
  private async run<A extends unknown[], R>(spec: CommandSpec<A, R>, ...args: A): Promise<R> {
    const described = spec.describe(...args);
    if (this.capabilities && !this.capabilities.has(spec.code)) {
      const on = this.stageKnown ? STAGE_LABELS[this.stageKnown] : 'the program answering';
      throw new LinkError('NOT_SUPPORTED', `${spec.name} (${hex8(spec.code)}) is not supported by ${on}`, {
        details: { command: spec.name, stage: this.stageKnown, supported: [...this.capabilities].map(commandName) },
      });
    }
    const started = this.transport.clock.now();
    this.latenciesMs = [];
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.needsResync) await this.sync(`before ${spec.name}`, { confirm: true });
        const stale = this.transport.drain();
        if (stale.length > 0) this.logger.debug({ staleHex: stale.toString('hex') }, `discarded ${stale.length} stale byte(s) before ${spec.name}`);
        const result = await this.exchange(spec, args);
        this.finished(spec, described, attempt, started, { result: spec.summarize?.(result) ?? {} });
        return result;
      } catch (err) {
        if (!(err instanceof LinkError)) throw err;
        // A NACK, a timeout or a garbled answer leaves the device anywhere in its loop. An ABORT is a
        // clean, complete answer, and a failed sync already says all there is to say.
        if (err.code !== 'ABORT') this.needsResync = true;
        const retry = err.code !== 'SYNC_FAILED' && err.code !== 'PORT_CLOSED' && attempt <= this.retries && spec.retry(err);
        if (!retry) {
          const wrapped = this.wrap(err, spec.name, attempt);
          this.finished(spec, described, attempt, started, { error: { code: wrapped.code, message: wrapped.message } });
          throw wrapped;
        }
        this.emit({ type: 'retry', command: spec.name, attempt, reason: err.code });
        this.logger.debug({ command: spec.name, attempt, reason: err.code }, `${spec.name}: ${err.message}; re-sync and retry`);
      }
    }
  }

  private async exchange<A extends unknown[], R>(spec: CommandSpec<A, R>, args: A): Promise<R> {
    const deadline = Deadline.after(this.transport.clock, this.answerTimeoutMs ?? spec.timeoutMs);
    const io = new TransportCommandIo(this.transport, deadline, spec.name, (e) => this.emit(e), this.sendAhead);
    await io.send(encodeCommand(spec.code), 'command', { code: hex8(spec.code) });
    await io.expectAck('the command');
    return spec.exchange(io, ...args);
  }

  private finished(
    spec: CommandSpec<never, unknown>,
    args: Record<string, unknown>,
    attempts: number,
    started: number,
    outcome: { result?: Record<string, unknown>; error?: { code: string; message: string } },
  ): void {
    const durationMs = this.transport.clock.now() - started;
    const latencyMs = this.latenciesMs.map(round);
    this.emit({ type: 'command', command: spec.name, code: spec.code, args, ok: !outcome.error, attempts, latencyMs, durationMs, ...outcome });
    if (!this.logger.isLevelEnabled('debug')) return; // a packet's CPU counts (issue 10): no fields for a silent logger
    const fields = { command: spec.name, ...args, ...(outcome.result ?? {}), attempts, latencyMs, durationMs: round(durationMs) };
    if (outcome.error) this.logger.debug({ ...fields, error: outcome.error.code }, `${spec.name} failed: ${outcome.error.message}`);
    else this.logger.debug(fields, `${spec.name}: ok`);
  }

  /** The same error class and code, with the command (and stage, when known) in message and details. */
  private wrap(err: LinkError, command: string, attempts: number): LinkError {
    const details = { ...err.details, command, attempts, ...(this.stageKnown ? { stage: this.stageKnown } : {}) };
    const message = err.message.startsWith(`${command}:`) ? err.message : `${command}: ${err.message}`;
    if (err instanceof TimeoutError) return new TimeoutError(message, err.received, details);
    if (err instanceof NackError) return new NackError(message, details);
    if (err instanceof AbortError) return new AbortError(message, details);
    if (err.constructor === LinkError) return new LinkError(err.code, message, { cause: err.cause ?? err, details });
    // A subclass this runner does not know: keep it, adding the facts in place.
    Object.assign(err.details, details);
    err.message = message;
    return err;
  }

  private emit(e: LinkEvent): void {
    if (e.type === 'frame' && this.logger.isLevelEnabled('trace')) {
      this.logger.trace({ command: e.command, dir: e.dir, hex: e.data.toString('hex'), ...e.fields }, `${e.dir} ${e.command}: ${e.what}`);
    }
    for (const l of this.listeners) l(e);
  }
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_PACKET_BYTES) {
    throw new RangeError(`length must be 1..${MAX_PACKET_BYTES} bytes, got ${length}`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

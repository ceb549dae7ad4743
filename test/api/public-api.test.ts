import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('the public API', () => {
  it('exports what the CLI does: boards, OTP, boot, PMIC, provisioning, captures, the codec, the emulator, errors', () => {
    const names = [
      'openBoard', 'Link', 'readBoardInfo', 'readOtp', 'writeOtp', 'planOtpWrite', 'verifyOtpWrite', 'uidOf',
      'bootToUBoot', 'bootIfRequested', 'prepareBoot', 'readPmicNvm', 'writePmicNvm', 'provision', 'loadProvisionPlan',
      'parseProvisionPlan', 'MacPool', 'startRecording', 'ReplayTransport', 'openReplayTransport', 'decodeCapture',
      'decodeOtpStructure', 'encodeOtpStructure', 'decodeNamedWords', 'buildWriteRequest', 'diffOtp', 'findBrickRisks',
      'macToWords', 'parseMac', 'formatMac', 'EmulatedBoard', 'parseFaultPlan', 'servePty', 'Stm32mpError', 'InputError',
      'LinkError', 'VerifyError', 'CancelledError', 'ExitCode',
    ];
    for (const name of names) expect(api, name).toHaveProperty(name);
  });

  it('points package.json at the built entry point and ships the plan schema', () => {
    expect(pkg.exports['.']).toEqual({ types: './dist/src/index.d.ts', default: './dist/src/index.js' });
    expect(pkg.exports['./plan.schema.json']).toBe('./schema/plan.schema.json');
    expect(readFileSync(api.planSchemaPath(), 'utf8')).toBe(readFileSync(new URL('../../schema/plan.schema.json', import.meta.url), 'utf8'));
  });

  it('throws the typed errors with stable codes', async () => {
    const err = await api.parseProvisionPlan({ version: 1, edits: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(api.InputError);
    expect(err).toMatchObject({ code: 'PLAN_INVALID', exitCode: api.ExitCode.INPUT, details: { path: '$.edits' } });
  });

  it('is what the provision and pmic commands import (no reach into the layers below)', () => {
    for (const file of ['provision.ts', 'pmic.ts']) {
      const text = readFileSync(new URL(`../../src/cli/commands/${file}`, import.meta.url), 'utf8');
      const sources = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      const library = sources.filter((s) => s.startsWith('../../'));
      expect(library, file).toEqual(['../../index.js']);
    }
  });
});

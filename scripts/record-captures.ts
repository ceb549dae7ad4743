/**
 * Re-records the captures of captures/ from the CLI against the emulated board, with their sidecars,
 * and checks that each replays to the same result. Run after a deliberate change of the bytes on
 * the wire: `npm run build && npm run record-captures`, then review the diff of captures/.
 */
import { expect, it } from 'vitest';
import { recordCaptureCase } from '../test/capture/record-helper.js';

const CASES: Parameters<typeof recordCaptureCase>[0][] = [
  { name: 'emulated-mp15-info', command: ['info', '--json'], description: 'info on the emulated STM32MP15 in U-Boot: sync, Get, Get Version, Get ID, Get Phase' },
  { name: 'emulated-mp13-info', command: ['info', '--json'], emulatorArgs: ['--soc', 'mp13'], description: 'info on the emulated STM32MP13 in U-Boot' },
  { name: 'emulated-mp15-rom-info', command: ['info', '--json'], emulatorArgs: ['--stage', 'rom'], description: "info on the emulated STM32MP15's ROM code (3-byte Get Version, phase 0x01)" },
  { name: 'emulated-mp15-otp-read', command: ['otp', 'read', '-o', '{out}'], description: 'OTP read of the emulated DK2: Get ID, then Read Partition 0xF2 at offsets 0, 256, 512, 768' },
  {
    name: 'emulated-mp15-otp-write',
    command: ['otp', 'write', 'word=70', 'value=0x00001234', 'lock', '--yes', '--json'],
    description: 'OTP write of word 70 with permanent lock: read, Download 0xF2 packets 0..3, Start 0xF2, read-back verify',
  },
  {
    name: 'emulated-mp15-otp-write-nack-retry',
    command: ['otp', 'write', 'word=71', 'value=0x5', '--yes', '--json'],
    emulatorArgs: ['--faults', 'corrupt-rx:60'],
    description: 'OTP write where a corrupted data byte makes the board NACK Download packet 0: re-sync, same packet re-sent, then verified',
  },
  {
    name: 'emulated-mp15-otp-show-nack',
    command: ['otp', 'show', '--words', '13-15,57-59', '--json'],
    emulatorArgs: ['--faults', 'nack-cmd:2'],
    description: 'otp show where the board NACKs the second command (a Read Partition): re-sync and retry',
  },
  {
    name: 'emulated-mp15-otp-lock',
    command: ['otp', 'lock', 'word=59', 'word=12', '--yes', '--json'],
    description: 'otp lock of words already locked on the DK2: read, plan says nothing to do, no Download',
  },
  {
    name: 'emulated-mp15-otp-lock-write',
    command: ['otp', 'write', 'word=64', 'value=0x10', 'lock', '--yes', '--json'],
    description: 'otp write + permanent lock of an upper word, verified on read-back',
  },
  {
    name: 'emulated-mp15-otp-fwrite',
    command: ['otp', 'fwrite', 'test/fixtures/fwrite-8-bytes.bin', 'word=80', '--yes', '--json'],
    description: 'otp fwrite of an 8-byte file into words 80-81 (little-endian words), verified',
  },
  {
    name: 'emulated-mp15-pmic-read',
    command: ['pmic', 'read', '--json'],
    description: 'pmic read: Read Partition 0xF4, 8 bytes',
  },
  {
    name: 'emulated-mp15-boot-chain',
    command: ['boot', '--layout', 'test/fixtures/boot/FlashLayout.tsv', '--json'],
    ignoreKeys: ['ms'],
    description:
      'Serial boot of the emulated STM32MP15 from its ROM code: the small generated TF-A image (phase 0x01), FIP (0x03) and flashlayout (0x00) of test/fixtures/boot. The stage times (ms) vary run to run and are not compared.',
  },
];

for (const c of CASES) {
  it(`records ${c.name}`, async () => {
    const r = await recordCaptureCase(c);
    expect(r.replayMatches, JSON.stringify(r.replay)).toBe(true);
  });
}

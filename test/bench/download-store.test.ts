import { describe, expect, it } from 'vitest';
import { EmulatedBoard } from '../../src/emulator/board.js';
import { Link } from '../../src/link/link.js';
import { downloadBuffer } from '../../src/operations/transfer.js';
import { Phase } from '../../src/protocol/constants.js';
import { ManualClock } from '../../src/util/clock.js';
import { DOWNLOAD_BYTES, payload } from '../../bench/scenarios.js';

async function open(): Promise<{ board: EmulatedBoard; link: Link }> {
  const board = new EmulatedBoard({ soc: 'STM32MP15', clock: new ManualClock() });
  const transport = board.connect();
  await transport.open();
  transport.drain(); // the loop's unsolicited NACK
  return { board, link: new Link(transport) };
}

describe("the bench's 256 KiB download into the emulated U-Boot (its store grows by doubling)", () => {
  it('keeps every byte of the flashlayout buffer, across each growth of the store', async () => {
    const { board, link } = await open();
    const data = payload(DOWNLOAD_BYTES);
    await downloadBuffer(link, Phase.FLASHLAYOUT, data);
    expect(board.flash.get(Phase.FLASHLAYOUT)?.equals(data)).toBe(true);
    board.close();
  });

  it('starts a fresh store on a new transfer from packet 0, leaving the previous contents untouched', async () => {
    const { board, link } = await open();
    const first = payload(3000);
    await downloadBuffer(link, Phase.FLASHLAYOUT, first);
    const before = board.flash.get(Phase.FLASHLAYOUT)!;
    const second = Buffer.alloc(600, 0xa5);
    await downloadBuffer(link, Phase.FLASHLAYOUT, second);
    expect(board.flash.get(Phase.FLASHLAYOUT)?.equals(second)).toBe(true);
    expect(before.equals(first)).toBe(true);
    board.close();
  });
});

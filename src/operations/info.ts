import type { Link } from '../link/link.js';
import { inferStage } from '../link/stage.js';
import { commandName, phaseName, socFromProductId, type SocFamily, type Stage } from '../protocol/constants.js';
import { formatVersion } from '../protocol/frame.js';

export interface BoardInfo {
  stage: Stage;
  soc: SocFamily | 'unknown';
  productId: number;
  /** "4.0" */
  protocolVersion: string;
  /** "0.3" on U-Boot, "1.0" on the ROM code */
  loaderVersion: string;
  /** Hex, ROM code only. */
  optionBytes?: string;
  commands: { code: number; name: string }[];
  phase: { id: number; name: string; address: number; info: string };
}

/**
 * Get, Get Version, Get ID and Get Phase, and the stage they reveal (serial-boot.md): U-Boot lists
 * Read Partition; the ROM code sends option bytes and reports phase 0x01; TF-A reports phase 0x03.
 * Note: in phase 0xFF U-Boot resets the board after answering Get Phase (an5275-uart.md "Errors").
 */
export async function readBoardInfo(link: Link): Promise<BoardInfo> {
  const get = await link.get();
  const version = await link.getVersion();
  const productId = await link.getId();
  const phase = await link.getPhase();
  // Nothing else tells the stages apart: a 6-command list without option bytes nor a known phase is
  // most likely TF-A (it answers like the ROM code without option bytes).
  const stage = inferStage({ commands: get.commands, optionBytes: version.optionBytes, phase: phase.phase }) ?? 'tf-a';
  link.stage = stage;
  return {
    stage,
    soc: socFromProductId(productId) ?? 'unknown',
    productId,
    protocolVersion: formatVersion(get.protocolVersion),
    loaderVersion: formatVersion(version.version),
    ...(version.optionBytes.length > 0 ? { optionBytes: version.optionBytes.toString('hex') } : {}),
    commands: get.commands.map((code) => ({ code, name: commandName(code) })),
    phase: {
      id: phase.phase,
      name: phaseName(phase.phase),
      address: phase.address,
      // Text only in phase 0xFF; the ROM code sends one 0x00 byte.
      info: phase.info.toString('latin1').replace(/\0+$/, ''),
    },
  };
}

/**
 * AN5275 names, one `as const` table per concept, used both to encode and to name things in traces.
 * Sources: shared/spec/an5275-uart.md, shared/spec/serial-boot.md (u-boot stm32prog_serial.c,
 * TF-A stm32cubeprogrammer_uart.c).
 */

/** Bytes with a meaning of their own. */
export const Reply = {
  INIT: 0x7f,
  ACK: 0x79,
  NACK: 0x1f,
  ABORT: 0x5f,
} as const;

export const Command = {
  GET: 0x00,
  GET_VERSION: 0x01,
  GET_ID: 0x02,
  GET_PHASE: 0x03,
  READ_MEMORY: 0x11,
  READ_PARTITION: 0x12,
  START: 0x21,
  DOWNLOAD: 0x31,
} as const;
export type CommandCode = (typeof Command)[keyof typeof Command];

export const COMMAND_NAMES: Readonly<Record<number, string>> = {
  [Command.GET]: 'Get',
  [Command.GET_VERSION]: 'Get Version',
  [Command.GET_ID]: 'Get ID',
  [Command.GET_PHASE]: 'Get Phase',
  [Command.READ_MEMORY]: 'Read Memory',
  [Command.READ_PARTITION]: 'Read Partition',
  [Command.START]: 'Start',
  [Command.DOWNLOAD]: 'Download',
};

export function commandName(code: number): string {
  return COMMAND_NAMES[code] ?? `unknown command 0x${code.toString(16).padStart(2, '0')}`;
}

/** Phase ids (shared/spec/serial-boot.md "Phase ids"); also the partition ids of Read Partition. */
export const Phase = {
  FLASHLAYOUT: 0x00,
  FSBL: 0x01,
  SSBL: 0x03,
  CMD: 0xf1,
  OTP: 0xf2,
  SSP: 0xf3,
  PMIC: 0xf4,
  END: 0xfe,
  RESET: 0xff,
} as const;

export function phaseName(id: number): string {
  switch (id) {
    case Phase.FLASHLAYOUT: return 'flashlayout';
    case Phase.FSBL: return 'FSBL';
    case Phase.SSBL: return 'SSBL';
    case Phase.CMD: return 'command';
    case Phase.OTP: return 'OTP';
    case Phase.SSP: return 'SSP';
    case Phase.PMIC: return 'PMIC NVM';
    case Phase.END: return 'end';
    case Phase.RESET: return 'reset';
    default:
      return id >= 0x04 && id <= 0xf0 ? `partition 0x${id.toString(16).padStart(2, '0')}` : `unknown phase 0x${id.toString(16)}`;
  }
}

/** Destination address the device reports when none applies (`DEFAULT_ADDRESS`). */
export const DEFAULT_ADDRESS = 0xffffffff;

/** Get ID product ids (DBGMCU IDC device id), big-endian on the wire. */
export const ProductId = {
  STM32MP15: 0x500,
  STM32MP13: 0x501,
} as const;

export type SocFamily = 'STM32MP15' | 'STM32MP13';

export function socFromProductId(id: number): SocFamily | undefined {
  if (id === ProductId.STM32MP15) return 'STM32MP15';
  if (id === ProductId.STM32MP13) return 'STM32MP13';
  return undefined;
}

/** The program answering on the UART. */
export type Stage = 'rom' | 'tf-a' | 'u-boot';

/** Protocol and loader versions seen in Get / Get Version (serial-boot.md, an5275-uart.md). */
export const Version = {
  PROTOCOL: 0x40, // USART_BL_VERSION, every stage
  ROM_LOADER: 0x10,
  UBOOT_LOADER: 0x03, // UBOOT_BL_VERSION
} as const;

/** Largest data of one packet / one read (USART_RAM_BUFFER_SIZE). */
export const MAX_PACKET_BYTES = 256;

/** Device timing (an5275-uart.md "Timing a host should respect"). */
export const DeviceTiming = {
  DOWNLOAD_WINDOW_MS: 30, // TIMEOUT_SERIAL_BUFFER
  BAD_COMMAND_PAUSE_MS: 3,
  BAD_PACKET_PAUSE_MS: 30,
  TFA_INTERBYTE_TIMEOUT_MS: 20, // PROGRAMMER_TIMEOUT_US
} as const;

import type { SocFamily } from '../protocol/constants.js';
import type { BitField } from './bits.js';

/**
 * Declarative tables of the named OTP words (shared/spec/otp-structure.md "Named words"; TF-A
 * `stm32mp1_def.h`/`stm32mp1_private.c`, U-Boot `arch/arm/mach-stm32mp/cpu.c`, ST wiki "STM32MP15 OTP
 * mapping"). Only what those sources name is here; a value outside a table is shown as unknown.
 */

/** Word ids of the named words per SoC. `undefined` = the SoC has no such word. */
export interface NamedWordIds {
  cfg0: number;
  partNumber: number;
  bootCfg3?: number;
  monotonicCounter: number;
  nandConfig: number;
  nand2Config?: number;
  uid: readonly number[];
  package?: number;
  hw2: number;
  vrefint: number;
  tsCal: number;
  oemKeyHash: readonly number[];
  macs: readonly (readonly number[])[];
  boardId: number;
  fsblKey?: readonly number[];
}

export const NAMED_WORD_IDS: Readonly<Record<SocFamily, NamedWordIds>> = {
  STM32MP15: {
    cfg0: 0,
    partNumber: 1,
    bootCfg3: 3,
    monotonicCounter: 4,
    nandConfig: 9,
    uid: [13, 14, 15],
    package: 16,
    hw2: 18,
    vrefint: 20,
    tsCal: 23,
    oemKeyHash: [24, 25, 26, 27, 28, 29, 30, 31],
    macs: [[57, 58]],
    boardId: 59,
  },
  STM32MP13: {
    cfg0: 0,
    partNumber: 1,
    monotonicCounter: 4,
    nandConfig: 9,
    nand2Config: 10,
    uid: [13, 14, 15],
    hw2: 18,
    vrefint: 20,
    tsCal: 23,
    oemKeyHash: [24, 25, 26, 27, 28, 29, 30, 31],
    macs: [
      [57, 58],
      [58, 59],
    ],
    boardId: 60,
    fsblKey: [92, 93, 94, 95],
  },
};

/** MP15 CFG0 bit 6 `is_closed` (TF-A `DATA0_OTP_SECURED`, read by `stm32mp_is_closed_device`). */
export const MP15_CLOSED_BIT = 6;

/** MP13 CFG0 bits 9:0 (TF-A `CFG0_OTP_MODE_MASK`): every other value is invalid and does not boot. */
export const MP13_CFG0_FIELD = { msb: 9, lsb: 0 } as const;
export const MP13_CFG0_STATES = {
  0x17: { state: 'open', text: 'open', closed: false },
  0x3f: { state: 'closed', text: 'closed', closed: true },
  0x17f: { state: 'closed-no-boundary-scan', text: 'closed, boundary scan disabled', closed: true },
  0x3ff: { state: 'closed-no-jtag', text: 'closed, JTAG disabled', closed: true },
} as const satisfies Record<number, { state: string; text: string; closed: boolean }>;

/** Part number (RPN) fields and names (U-Boot `CPU_STM32MP1xxx`). */
export const PART_NUMBER_FIELD: Readonly<Record<SocFamily, { msb: number; lsb: number }>> = {
  STM32MP15: { msb: 7, lsb: 0 },
  STM32MP13: { msb: 11, lsb: 0 },
};

export const PART_NUMBERS: Readonly<Record<SocFamily, Readonly<Record<number, string>>>> = {
  STM32MP15: {
    0x00: 'STM32MP157C',
    0x01: 'STM32MP157A',
    0x24: 'STM32MP153C',
    0x25: 'STM32MP153A',
    0x2e: 'STM32MP151C',
    0x2f: 'STM32MP151A',
    0x80: 'STM32MP157F',
    0x81: 'STM32MP157D',
    0xa4: 'STM32MP153F',
    0xa5: 'STM32MP153D',
    0xae: 'STM32MP151F',
    0xaf: 'STM32MP151D',
  },
  STM32MP13: {
    0x000: 'STM32MP135C',
    0x001: 'STM32MP135A',
    0x0c0: 'STM32MP133C',
    0x0c1: 'STM32MP133A',
    0x6c8: 'STM32MP131C',
    0x6c9: 'STM32MP131A',
    0x800: 'STM32MP135F',
    0x801: 'STM32MP135D',
    0x8c0: 'STM32MP133F',
    0x8c1: 'STM32MP133D',
    0xec8: 'STM32MP131F',
    0xec9: 'STM32MP131D',
  },
};

/** MP15 package, word 16 bits 29:27 (U-Boot `PKG_*`). */
export const MP15_PACKAGE_FIELD = { msb: 29, lsb: 27 } as const;
export const MP15_PACKAGES: Readonly<Record<number, { code: string; name: string }>> = {
  1: { code: 'AD', name: 'TFBGA257' },
  2: { code: 'AC', name: 'TFBGA361' },
  3: { code: 'AB', name: 'LFBGA354' },
  4: { code: 'AA', name: 'LFBGA448' },
};

/** MP15 CFG3 (word 3), ST wiki "STM32MP15 OTP mapping". */
export const MP15_CFG3_FIELDS = {
  hse: { key: 'hse', msb: 31, lsb: 30, description: 'HSE frequency the ROM code assumes' },
  primarySource: { key: 'primarySource', msb: 29, lsb: 27, description: 'primary boot source' },
  secondarySource: { key: 'secondarySource', msb: 26, lsb: 24, description: 'secondary boot source' },
  sourceDisable: { key: 'sourceDisable', msb: 23, lsb: 16, description: 'boot sources disabled, one bit each' },
  romDataCacheOff: { key: 'romDataCacheOff', msb: 15, lsb: 15, description: 'ROM code data cache disabled' },
  uartInstancesDisable: {
    key: 'uartInstancesDisable',
    msb: 14,
    lsb: 7,
    description: 'UART instances disabled for serial boot (0 and 0xFF: all enabled)',
  },
} as const satisfies Record<string, BitField>;

export const MP15_HSE: Readonly<Record<number, string>> = { 0: 'auto-detected', 1: '24 MHz', 2: '25 MHz', 3: '26 MHz' };

export const MP15_BOOT_SOURCES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'FMC NAND',
  2: 'QSPI NOR',
  3: 'eMMC',
  4: 'SD card',
  5: 'QSPI NAND',
};

/** CFG3 bits 23:16, one boot source each; bit 20 (UART) and 21 (USB) are how this tool reaches the board. */
export const MP15_BOOT_SOURCE_DISABLE_BITS = [
  { bit: 16, source: 'FMC NAND' },
  { bit: 17, source: 'QSPI NOR' },
  { bit: 18, source: 'eMMC' },
  { bit: 19, source: 'SD card' },
  { bit: 20, source: 'UART' },
  { bit: 21, source: 'USB' },
  { bit: 22, source: 'QSPI NAND' },
] as const;

export const MP15_UART_BOOT_DISABLE_BIT = 20;
export const MP15_USB_BOOT_DISABLE_BIT = 21;

/** HW2 (word 18) bits the spec names. */
export const HW2_BITS = [
  { key: 'iwdgHwEnable', bit: 3, description: 'IWDG enabled by hardware' },
  { key: 'iwdgFreezeStop', bit: 5, description: 'IWDG frozen in Stop mode' },
  { key: 'iwdgFreezeStandby', bit: 7, description: 'IWDG frozen in Standby mode' },
  { key: 'lowVoltageIo', bit: 13, description: 'product below 2.5 V (I/O compensation)' },
] as const;

export const VREFINT_FIELD = { msb: 31, lsb: 16 } as const;
export const TS_CAL1_FIELD = { msb: 15, lsb: 0 } as const;
export const TS_CAL2_FIELD = { msb: 31, lsb: 16 } as const;

/** Board id (TF-A `BOARD_ID_*` masks): printed as `MB%04x Var%d.%d Rev.%c-%02d`. */
export const BOARD_ID_FIELDS = {
  board: { msb: 31, lsb: 16 },
  variantCpn: { msb: 15, lsb: 12 },
  revision: { msb: 11, lsb: 8 },
  variantFg: { msb: 7, lsb: 4 },
  bom: { msb: 3, lsb: 0 },
} as const;

/** Display labels and descriptions of the `named` keys (used by the text renderer). */
export const NAMED_LABELS: Readonly<Record<string, { label: string; description: string }>> = {
  bsecState: { label: 'BSEC state', description: 'global state word of the structure: life cycle and hardware key' },
  security: { label: 'Security (CFG0)', description: 'open or closed device: a closed device boots only signed images' },
  partNumber: { label: 'Part number', description: 'RPN of the chip' },
  package: { label: 'Package', description: 'package of the chip (MP15)' },
  device: { label: 'Device', description: 'part number and package together' },
  boot: { label: 'Boot config (CFG3)', description: 'ROM code boot configuration (MP15)' },
  monotonicCounter: { label: 'Monotonic counter', description: 'anti-rollback counter compared with the FSBL image version' },
  nandConfig: { label: 'NAND config (CFG9)', description: 'NAND parameters for the ROM code' },
  nand2Config: { label: 'NAND2 config (CFG10)', description: 'second NAND parameters word (MP13)' },
  uid: { label: 'UID', description: '96-bit unique device id' },
  serialNumber: { label: 'Serial number', description: 'the UID as the vendor tool and U-Boot print it' },
  hw2: { label: 'HW2', description: 'hardware options: IWDG, low-voltage I/O' },
  vrefint: { label: 'VREFINT cal', description: 'internal voltage reference calibration' },
  tsCal: { label: 'TS_CAL', description: 'temperature sensor calibration' },
  oemKeyHash: { label: 'OEM key hash', description: 'SHA-256 of the OEM public key(s), checked by the ROM code on a closed device' },
  mac: { label: 'MAC', description: 'Ethernet MAC address' },
  macs: { label: 'MACs', description: 'Ethernet MAC addresses' },
  boardId: { label: 'Board id', description: 'ST board identification' },
  fsblKey: { label: 'FSBL key', description: 'OEM FSBL encryption key (MP13): secret, only its lock state is shown' },
};

import type { SocFamily } from '../protocol/constants.js';

/**
 * What U-Boot prints on its console before `stm32prog serial` silences it (an5275-uart.md "Line"):
 * when the programming UART is also the console, a host finds this text ahead of the loop's
 * unsolicited NACK. Shaped like a real boot, marked as emulated.
 */
export function bootLogText(soc: SocFamily): string {
  const board = soc === 'STM32MP15' ? ['STM32MP157CAC Rev.B', 'STMicroelectronics STM32MP157C-DK2 Discovery Board', 'st,stm32mp157c-dk2'] : ['STM32MP135FAF Rev.Y', 'STMicroelectronics STM32MP135F-DK Discovery Board', 'st,stm32mp135f-dk'];
  return [
    '',
    'U-Boot 2022.10-stm32mp-r1 (emulated)',
    '',
    `CPU: ${board[0]}`,
    `Model: ${board[1]}`,
    `Board: stm32mp1 in trusted mode (${board[2]})`,
    'DRAM:  512 MiB',
    'Core:  emulated',
    'Boot over serial!',
    'Net:   eth0: ethernet@5800a000',
    'STM32prog serial on UART',
    '',
  ].join('\r\n');
}

import type { SocFamily } from '../protocol/constants.js';

/** The CLI's `--soc mp15|mp13` as a SoC family. */
export function socFamilyFromOption(opt: 'mp15' | 'mp13' | string | undefined): SocFamily {
  return opt === 'mp13' ? 'STM32MP13' : 'STM32MP15';
}

import type { CommandModule } from 'yargs';
import { bootCommand } from './boot.js';
import { captureCommand } from './capture.js';
import { emulateCommand } from './emulate.js';
import { infoCommand } from './info.js';
import { otpCommand } from './otp.js';
import { pmicCommand } from './pmic.js';
import { portsCommand } from './ports.js';
import { provisionCommand } from './provision.js';

/** Every top-level command, in --help order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument type
export const commands: CommandModule<any, any>[] = [otpCommand, infoCommand, portsCommand, bootCommand, pmicCommand, provisionCommand, captureCommand, emulateCommand];

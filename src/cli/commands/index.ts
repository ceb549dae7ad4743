import { bootCommand } from './boot.js';
import { captureCommand } from './capture.js';
import { emulateCommand } from './emulate.js';
import { infoCommand } from './info.js';
import { otpCommand } from './otp.js';
import { pmicCommand } from './pmic.js';
import { portsCommand } from './ports.js';
import { provisionCommand } from './provision.js';

/** Every top-level command, in --help order. */
export const commands = [otpCommand, infoCommand, portsCommand, bootCommand, pmicCommand, provisionCommand, captureCommand, emulateCommand];

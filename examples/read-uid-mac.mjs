// Read a board's UID and MAC address over the UART.
//   node examples/read-uid-mac.mjs [PORT]     (default: the built-in emulated board)
import { formatMac, isMacUnset, isStm32mpError, macBytesFromStructure, openBoard, readOtp, uidOf } from 'stm32mp-uart';

const port = process.argv[2] ?? 'emulator';
try {
  const board = await openBoard({ port });
  try {
    const { soc, structure } = await readOtp(board.link);
    const mac = macBytesFromStructure(structure, soc);
    console.log(`port ${board.portName}`);
    console.log(`soc ${soc}`);
    console.log(`uid ${uidOf(structure)}`);
    console.log(`mac ${isMacUnset(mac) ? '(not set)' : formatMac(mac)}`);
  } finally {
    await board.close();
  }
} catch (err) {
  if (!isStm32mpError(err)) throw err;
  // Typed errors: a stable code, and the exit code the CLI would use.
  console.error(`error [${err.code}]: ${err.message}`);
  process.exitCode = err.exitCode;
}

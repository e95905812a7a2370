/** Entry point of the `geoslice` command: runs {@link runCli} on the process arguments. */
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));

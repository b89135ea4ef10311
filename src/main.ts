/**
 * Readout's command line and composition root: the only place that wires several stages.
 * Usage: readout <command> [options]; `readout help` lists the commands.
 */
import { readFileSync } from 'node:fs';
import { print } from './cli/command.ts';
import { commands } from './cli/commands.ts';
import { endQuietlyWhenReaderLeaves, exitOnceWritten } from './cli/output.ts';
import { runCli } from './cli/run-cli.ts';
import { describeError } from './errors/index.ts';

function readoutVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? '?';
}

endQuietlyWhenReaderLeaves();
runCli(
  {
    name: 'readout',
    commands,
    builtins: {
      version: {
        summary: "Readout's version and the Node.js it runs on",
        // The runtime too: Readout brings its own Node.js (package.json), not the machine's.
        run: () => print(`readout ${readoutVersion()} on Node.js ${process.version}`),
      },
    },
  },
  process.argv.slice(2),
).then(exitOnceWritten, (error: unknown) => {
  process.stderr.write(`readout: ${describeError(error)}\n`);
  exitOnceWritten(1);
});

/**
 * Readout's command line and composition root: the only place that wires several stages.
 * Usage: readout <command> [options]; `readout help` lists the commands.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from './config/index.js';
import { UsageError, print, type Command } from './cli/command.js';
import { archiveCommand } from './cli/archive.js';
import { deadLettersCommand } from './cli/dead-letters.js';
import { seedCommand, watchCommand, workloadCommand } from './cli/demo-commands.js';
import { explainCommand } from './cli/explain.js';
import { heldCommand } from './cli/held.js';
import { endQuietlyWhenReaderLeaves, exitOnceWritten } from './cli/output.js';
import { rebuildCommand } from './cli/rebuild.js';
import { statusCommand } from './cli/status.js';
import { apiCommand } from './cli/run-api.js';
import { projectorCommand } from './cli/run-projector.js';
import { describeError, isReadoutError } from './errors/index.js';

const commands: readonly Command[] = [
  projectorCommand,
  apiCommand,
  statusCommand,
  explainCommand,
  deadLettersCommand,
  heldCommand,
  rebuildCommand,
  archiveCommand,
  seedCommand,
  workloadCommand,
  watchCommand,
];

function help(): void {
  print('usage: readout <command> [options]   (readout <command> --help for one command)\n');
  for (const command of commands) print(`  ${command.name.padEnd(14)} ${command.summary}`);
  print(`  ${'version'.padEnd(14)} Readout's version and the Node.js it runs on`);
}

function readoutVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? '?';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help();
    return name === undefined ? 2 : 0;
  }
  if (name === 'version' || name === '--version') {
    // The runtime too: Readout brings its own Node.js (package.json), not the machine's.
    print(`readout ${readoutVersion()} on Node.js ${process.version}`);
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`readout: unknown command "${name}"\n`);
    help();
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    print(command.usage);
    return 0;
  }
  try {
    await command.run(loadConfig(process.env), args);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`readout ${name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    process.stderr.write(
      `readout ${name}: ${isReadoutError(error) ? `[${error.code}] ` : ''}${describeError(error)}\n`,
    );
    return isReadoutError(error) && error.code === 'CONFIG_INVALID' ? 2 : 1;
  }
}

endQuietlyWhenReaderLeaves();
main(process.argv.slice(2)).then(exitOnceWritten, (error: unknown) => {
  process.stderr.write(`readout: ${describeError(error)}\n`);
  exitOnceWritten(1);
});

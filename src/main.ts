/**
 * Readout's command line and composition root: the only place that wires several stages.
 * Usage: readout <command> [options]; `readout help` lists the commands.
 */
import { readFileSync } from 'node:fs';
import { UsageError, print } from './cli/command.ts';
import { commands } from './cli/commands.ts';
import { endQuietlyWhenReaderLeaves, exitOnceWritten } from './cli/output.ts';
import { describeError, isReadoutError } from './errors/index.ts';

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
    const [{ loadConfig }, loaded] = await Promise.all([import('./config/index.ts'), command.load()]);
    const config = loadConfig(process.env);
    // A person's command logs short lines (JSON with --json) unless READOUT_LOG_FORMAT says otherwise.
    const personal = config.logFormat === 'auto' && !command.service;
    const logFormat = personal ? (args.includes('--json') ? 'json' : 'text') : config.logFormat;
    await loaded.run({ ...config, logFormat }, args);
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

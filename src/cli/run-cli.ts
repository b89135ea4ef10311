import { UsageError, print, type CommandEntry } from './command.ts';
import { describeError, isReadoutError } from '../errors/index.ts';

export interface Program {
  /** As people type it: "readout". */
  readonly name: string;
  readonly commands: readonly CommandEntry[];
  /** Commands answered without configuration (e.g. `version`), with their summary for help. */
  readonly builtins?: Readonly<Record<string, { summary: string; run(): void }>>;
}

function help(program: Program): void {
  print(`usage: ${program.name} <command> [options]   (${program.name} <command> --help for one command)\n`);
  for (const command of program.commands) print(`  ${command.name.padEnd(14)} ${command.summary}`);
  for (const [name, builtin] of Object.entries(program.builtins ?? {}))
    print(`  ${name.padEnd(14)} ${builtin.summary}`);
}

/**
 * Runs one command line: finds the command, loads the configuration and the command's code, runs
 * it, and turns what went wrong into a message and an exit code (0 done, 1 failed, 2 bad usage or
 * configuration).
 */
export async function runCli(program: Program, argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help(program);
    return name === undefined ? 2 : 0;
  }
  const builtin = program.builtins?.[name] ?? program.builtins?.[name.replace(/^--/, '')];
  if (builtin) {
    builtin.run();
    return 0;
  }
  const command = program.commands.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`${program.name}: unknown command "${name}"\n`);
    help(program);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    print(command.usage);
    return 0;
  }
  try {
    const [{ loadConfig }, loaded] = await Promise.all([import('../config/index.ts'), command.load()]);
    const config = loadConfig(process.env);
    // A person's command logs short lines (JSON with --json) unless READOUT_LOG_FORMAT says otherwise.
    const personal = config.logFormat === 'auto' && !command.service;
    const logFormat = personal ? (args.includes('--json') ? 'json' : 'text') : config.logFormat;
    await loaded.run({ ...config, logFormat }, args);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${program.name} ${name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    process.stderr.write(
      `${program.name} ${name}: ${isReadoutError(error) ? `[${error.code}] ` : ''}${describeError(error)}\n`,
    );
    return isReadoutError(error) && error.code === 'CONFIG_INVALID' ? 2 : 1;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const artifacts = new URL('test-artifacts/', root);

export interface ReadoutProcess {
  readonly name: string;
  /** Its process id (a reload must not change it: nothing restarts). */
  readonly pid: number | undefined;
  /** Where its output goes (test-artifacts/<name>.log). */
  readonly logFile: string;
  /** Sends a signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal without waiting (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  /** Its exit code once it exited (null: killed by a signal). */
  readonly exited: Promise<number | null>;
}

/**
 * Runs `src/main.ts <command>` as a real child process (the way operators run it), with the
 * test's environment plus `env`. Its output goes to test-artifacts/<name>.log.
 */
export function startReadout(
  name: string,
  command: string | readonly string[],
  env: Record<string, string>,
): ReadoutProcess {
  mkdirSync(artifacts, { recursive: true });
  const log = createWriteStream(new URL(`${name}.log`, artifacts), { flags: 'a' });
  const args = typeof command === 'string' ? [command] : command;
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts', ...args], {
    cwd: root,
    // Any free port for a projector's /metrics unless the test names one (several run at once).
    env: { ...process.env, READOUT_PROJECTOR_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A test or benchmark that dies must not leave a projector consuming behind it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  void exited.then(() => process.off('exit', orphanGuard));
  return {
    name,
    pid: child.pid,
    logFile: new URL(`${name}.log`, artifacts).pathname,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    signal(signal) {
      child.kill(signal);
    },
  };
}

/** Runs a one-shot `src/main.ts <args>` to its end; resolves with its exit code and standard output. */
export function runReadout(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/**
 * Waits until an API's /readyz answers 200: a projector has filled every read model and none is
 * replaying lost data (the API refuses to answer from them before).
 */
export async function waitForReady(apiUrl: string, timeoutMs = 120_000): Promise<void> {
  await waitForHealthy(apiUrl.replace(/\/graphql$/, '/readyz'), timeoutMs);
}

/** Waits until `url` (e.g. an API's /healthz) answers 200, for up to `timeoutMs`. */
export async function waitForHealthy(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fetch(url).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

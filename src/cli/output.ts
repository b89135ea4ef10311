/**
 * The command line's standard output into pipes. Node writes to a pipe asynchronously: an exit
 * right after the last write cut `readout dead-letters show … | less` short (whatever the pipe
 * had not taken yet was lost). And a reader that leaves early (`| head -1`) made the next write
 * fail with EPIPE, an unhandled error with a stack trace.
 */

/** Ends the process with `code` once everything written to standard output has been taken. */
export function exitOnceWritten(code: number): void {
  // Writes complete in order: this empty one's callback comes after every earlier write's.
  process.stdout.write('', () => process.exit(code));
}

/**
 * A reader that closed its end of the pipe has what it wanted: the command ends at once, quietly,
 * with exit code 0, as if its output had been read to the end. (The shell convention is death by
 * SIGPIPE, status 141, which `set -o pipefail` scripts would take for a failure of readout.)
 * Commands that change something are safe to cut short this way: each step is atomic in Redis and
 * running the command again finishes the rest, as after Ctrl-C.
 */
export function endQuietlyWhenReaderLeaves(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`readout: cannot write the output: ${error.message}\n`);
    process.exit(1);
  });
}

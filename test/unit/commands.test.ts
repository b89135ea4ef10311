/**
 * The command registry: `readout help` lists it without loading any command's code, so each
 * entry's loader is the only link to that code; this test follows every link.
 */
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.ts';

describe('the command registry', () => {
  it('names each command once, with a summary and a usage that starts with its own name', () => {
    const names = commands.map((command) => command.name);
    expect(new Set(names).size).toBe(names.length);
    for (const command of commands) {
      expect(command.summary.length).toBeGreaterThan(10);
      expect(command.usage).toMatch(new RegExp(`^readout ${command.name}\\b`));
    }
  });

  it('loads a runnable command for every entry', async () => {
    for (const command of commands) {
      const loaded = await command.load();
      expect(typeof loaded.run, command.name).toBe('function');
    }
  });
});

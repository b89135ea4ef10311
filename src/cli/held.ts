import { parseArgs } from 'node:util';
import { UsageError, print, toJson, type CommandRun } from './command.ts';
import { wireProjector } from './wiring.ts';

function age(heldAtMs: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - heldAtMs) / 1000));
  return seconds < 120
    ? `${seconds} s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min`
      : `${Math.round(seconds / 3600)} h`;
}

export const heldCommand: CommandRun = {
  async run(config, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, as: { type: 'string' } },
    });
    const [action = 'list', id] = positionals;
    const { store, guard, projector, generations } = wireProjector(config, 'held');
    try {
      if (!guard || !projector.actions)
        throw new UsageError('the mass-delete guard is off (READOUT_MASS_DELETE_ROWS=0): nothing is held');
      if (action === 'list') {
        const held = await guard.listHeld();
        if (values.json) print(toJson({ held, pendingTransactions: await guard.countPending() }));
        else if (held.length === 0) print('nothing held');
        else
          for (const change of held)
            print(
              `${change.id}  ${change.kind === 'truncate' ? 'TRUNCATE' : `${change.rows} deletes`}  held ${age(change.heldAtMs)} ago`,
            );
        return;
      }
      if (action !== 'release') throw new UsageError(`unknown action "${action}"`);
      if (!id) throw new UsageError('give the id of the held change (readout held list)');
      if (values.as !== 'archive' && values.as !== 'retract')
        throw new UsageError(`--as must be "archive" or "retract", got ${JSON.stringify(values.as ?? null)}`);
      if (!(await guard.listHeld()).some((change) => change.id === id))
        throw new UsageError(`nothing held under ${id} (readout held list)`);
      await generations.refresh(); // written to the generations readers use (and one being rebuilt)
      const result = await projector.actions.release(id, values.as);
      print(
        `${id}: released as ${values.as}: ${result.rows} held changes, ${result.applied} row changes applied`,
      );
    } finally {
      await store.quit();
      await guard?.quit();
    }
  },
};

import type { RawRecord } from '../decode/index.ts';
import { deadLetterId } from '../store/index.ts';
import { UsageError, print, toJson, type CommandRun } from './command.ts';
import { wireProjector } from './wiring.ts';

export const deadLettersCommand: CommandRun = {
  async run(config, args) {
    const [action, ...rest] = args;
    const json = rest.includes('--json');
    const ids = rest.filter((arg) => !arg.startsWith('--'));
    const { store, guard, projector, generations } = wireProjector(config, 'dead-letters');
    try {
      const letters = await store.listDeadLetters();
      switch (action) {
        case 'list':
          if (json)
            print(
              toJson(
                letters.map((letter) => ({
                  id: deadLetterId(letter),
                  code: letter.code,
                  reason: letter.reason,
                })),
              ),
            );
          else if (letters.length === 0) print('no dead letters');
          else
            for (const letter of letters) print(`${deadLetterId(letter)}  ${letter.code}  ${letter.reason}`);
          return;
        case 'show': {
          const letter = letters.find((candidate) => deadLetterId(candidate) === ids[0]);
          if (!letter) throw new UsageError(`no dead letter ${ids[0] ?? '(give an id)'}`);
          print(toJson({ id: deadLetterId(letter), ...letter }));
          return;
        }
        case 'reapply': {
          const chosen = rest.includes('--all')
            ? letters
            : letters.filter((letter) => ids.includes(deadLetterId(letter)));
          if (chosen.length === 0) throw new UsageError('nothing to reapply: give dead-letter ids or --all');
          for (const letter of chosen) {
            const record: RawRecord = {
              topic: letter.topic,
              partition: letter.partition,
              offset: letter.offset,
              key: letter.key === null ? null : Buffer.from(letter.key, 'utf8'),
              value: letter.value === null ? null : Buffer.from(letter.value, 'utf8'),
            };
            await generations.refresh();
            const stats = await projector.handleBatch({
              topic: letter.topic,
              partition: letter.partition,
              records: [record],
              highWatermark: (BigInt(letter.offset) + 1n).toString(),
            });
            if (stats.deadLettered === 0) {
              await store.removeDeadLetters([deadLetterId(letter)]);
              print(
                `${deadLetterId(letter)}  applied (${stats.applied} changes, ${stats.duplicates} skipped as older than the stored row)`,
              );
            } else {
              print(
                `${deadLetterId(letter)}  still failing: ${(await store.listDeadLetters()).find((l) => deadLetterId(l) === deadLetterId(letter))?.reason ?? ''}`,
              );
            }
          }
          return;
        }
        case 'drop': {
          if (ids.length === 0) throw new UsageError('give the ids of the dead letters to drop');
          print(`dropped ${await store.removeDeadLetters(ids)} of ${ids.length}`);
          return;
        }
        default:
          throw new UsageError(`unknown action "${action ?? ''}"`);
      }
    } finally {
      await store.quit();
      await guard?.quit();
    }
  },
};

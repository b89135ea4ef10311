import { describe, expect, it } from 'vitest';
import { inGenerationOrder } from '../../src/pipeline/write-order.ts';
import { everyMeasureModel } from '../support/demo-models.ts';

describe('inGenerationOrder', () => {
  it("writes a model's generations one after another, newest first, and other models meanwhile", async () => {
    const a = everyMeasureModel('a');
    const b = everyMeasureModel('b');
    const events: string[] = [];
    const results = await inGenerationOrder(
      [
        { ...a, generation: 0 },
        { ...b, generation: 0 },
        { ...a, generation: 3 },
      ],
      async (model) => {
        events.push(`start ${model.name}#${model.generation ?? 0}`);
        await new Promise((resolve) => setTimeout(resolve, model.name === 'a' ? 20 : 5));
        events.push(`end ${model.name}#${model.generation ?? 0}`);
        return `${model.name}#${model.generation ?? 0}`;
      },
    );
    expect(results.sort()).toEqual(['a#0', 'a#3', 'b#0']);
    // a#3 ends before a#0 starts; b#0 ran alongside a#3.
    expect(events.indexOf('end a#3')).toBeLessThan(events.indexOf('start a#0'));
    expect(events.indexOf('start b#0')).toBeLessThan(events.indexOf('end a#3'));
  });
});

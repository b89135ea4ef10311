import { describe, expect, it } from 'vitest';
import { definitionChanges, describeChanges } from '../../src/live/index.ts';
import { parseReloadReply } from '../../src/live/index.ts';
import { everyMeasureModel } from '../support/demo-models.ts';

describe('what a reload changes', () => {
  it('tells added, changed (another fingerprint) and removed models apart, by name', () => {
    const kept = everyMeasureModel('kept');
    const edited = everyMeasureModel('edited');
    const gone = everyMeasureModel('gone');
    const editedNow = everyMeasureModel('edited', { filter: [] });
    const renamed = everyMeasureModel('kept', { description: 'only the description differs' });
    const changes = definitionChanges([kept, edited, gone], [renamed, editedNow, everyMeasureModel('new')]);
    expect(changes).toEqual({ added: ['new'], changed: ['edited'], removed: ['gone'] });
    expect(describeChanges(changes)).toBe(
      'added new; changed edited (not served until readout rebuild edited); removed gone',
    );
    expect(describeChanges(definitionChanges([kept], [kept]))).toBe('nothing changed');
  });

  it('reads only well-formed replies from the reply channel', () => {
    const ok = { id: 'r1', process: 'projector 1@h', ok: true, added: ['a'], changed: [], removed: [] };
    expect(parseReloadReply(JSON.stringify(ok))).toEqual(ok);
    expect(
      parseReloadReply(JSON.stringify({ id: 'r1', process: 'api 2@h', ok: false, error: 'x.yaml: bad' })),
    ).toEqual({ id: 'r1', process: 'api 2@h', ok: false, error: 'x.yaml: bad' });
    for (const bad of ['not json', '[]', '{"id":"r1","process":"p","ok":true}', '{"process":"p","ok":false}'])
      expect(parseReloadReply(bad), bad).toBeUndefined();
    expect(parseReloadReply(JSON.stringify({ ...ok, added: [1] }))).toBeUndefined();
  });
});

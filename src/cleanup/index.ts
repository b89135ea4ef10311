/**
 * cleanup: tells archival deletes from business deletes, and decides what the mass-delete guard
 * must see. Pure. Guarantee: a delete is marked archival only when its transaction carries an
 * archival replication origin or its row is past the table's declared archival retention; every
 * other delete in a transaction goes to the guard, grouped by table and transaction.
 */
export { createCleanupRules } from './cleanup-rules.ts';
export type { CleanupRules } from './cleanup-rules.ts';
export { markArchival, untaggedDeleteGroups } from './delete-groups.ts';
export type { DeleteGroup } from './delete-groups.ts';
export { deletesPastRetention } from './retention-judge.ts';
export { deleteOf, waitingChangeOf } from './waiting-change.ts';
export type { WaitingChange } from './waiting-change.ts';

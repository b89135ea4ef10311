/**
 * archiver: moves old rows out of the operational database safely. Guarantee: each batch copies
 * its rows (and their ON DELETE CASCADE children) to archive tables and deletes them in one
 * transaction tagged with a replication origin, so the projector recognises every one of those
 * deletes as archival; an interrupted run loses and duplicates nothing; it waits while the
 * projector lags more than the bound.
 */
export { createArchiver } from './archiver.ts';
export type { ArchivePlan, ArchiveProgress, Archiver, DryRun } from './archiver.ts';
export { quoteTable } from './table-shape.ts';

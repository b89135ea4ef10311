/** How current a panel's numbers are: the `freshness` every read model's answer carries. */
export interface Freshness {
  readonly version: string;
  readonly sourceCommitTime: string | null;
  /** Commit of the newest included change → the moment the API pushed this value. */
  readonly lagMs: string | null;
  /** False when the numbers lack records Readout could not apply, or the model stopped. */
  readonly complete: boolean;
  readonly missedRecords: number;
  readonly stopped: string | null;
}

/** The selection that fills a Freshness. */
export const FRESHNESS_FIELDS = 'version sourceCommitTime lagMs complete missedRecords stopped';

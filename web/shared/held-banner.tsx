import { clock, count } from './format.ts';
import { useLive } from './live.ts';

interface HeldChange {
  readonly id: string;
  readonly kind: 'DELETES' | 'TRUNCATE';
  readonly table: string;
  readonly rows: number;
  readonly heldSince: string;
}

const HELD_CHANGES = 'subscription { heldChanges { id kind table rows heldSince } }';

/**
 * Shown while the mass-delete guard holds a change: until an operator decides, the numbers do not
 * move, and the people reading them should know why.
 */
export function HeldBanner(props: { timeZone: string }) {
  const held = useLive<{ heldChanges: HeldChange[] }>(HELD_CHANGES).data?.heldChanges ?? [];
  if (held.length === 0) return null;
  return (
    <div className="held" role="alert" data-testid="held-banner">
      {held.map((change) => (
        <p key={change.id}>
          {change.kind === 'TRUNCATE'
            ? `A TRUNCATE of ${change.table}`
            : `A delete of ${count(change.rows)} rows from ${change.table}`}{' '}
          is held for a decision since {clock(change.heldSince, props.timeZone)}: these numbers still include
          those rows. An operator decides with{' '}
          <code>readout held release {change.id} --as archive|retract</code>.
        </p>
      ))}
    </div>
  );
}

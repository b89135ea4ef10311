import type { ReactNode } from 'react';
import type { Freshness } from './freshness.ts';

/** What an incomplete model's numbers lack, as its freshness says it. */
function incompleteText(freshness: Freshness): string {
  if (freshness.stopped) return `Stopped: ${freshness.stopped}`;
  return `Incomplete: ${freshness.missedRecords} source records could not be applied (readout dead-letters list)`;
}

/** A card with a title; `testId` names it for the browser test and for anyone scripting the page. */
export function Panel(props: {
  title: string;
  testId: string;
  wide?: boolean;
  /** The server's refusal (e.g. the read model is being rebuilt): shown above the last values. */
  error?: string | undefined;
  /** The values' freshness: an incomplete model says so above its numbers. */
  freshness?: Freshness | undefined;
  children: ReactNode;
}) {
  return (
    <section className={props.wide ? 'panel wide' : 'panel'} data-testid={props.testId}>
      <h2>{props.title}</h2>
      {props.error ? (
        <p className="error" role="status">
          {props.error}
        </p>
      ) : null}
      {props.freshness && !props.freshness.complete ? (
        <p className="error" role="status" data-testid="incomplete">
          {incompleteText(props.freshness)}
        </p>
      ) : null}
      {props.children}
    </section>
  );
}

/** A bar chart of plain elements: heights change with a CSS transition, nothing is redrawn. */
export function Bars(props: {
  bars: ReadonlyArray<{ key: string; label: string; value: number; title: string }>;
}) {
  const highest = Math.max(1, ...props.bars.map((bar) => bar.value));
  return (
    <div className="bars">
      {props.bars.map((bar) => (
        <div className="bar" key={bar.key} title={bar.title}>
          <div className="fill" style={{ height: `${(100 * bar.value) / highest}%` }} />
          <span>{bar.label}</span>
        </div>
      ))}
    </div>
  );
}

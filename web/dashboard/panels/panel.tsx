import type { ReactNode } from 'react';

/** A card with a title; `testId` names it for the browser test and for anyone scripting the page. */
export function Panel(props: {
  title: string;
  testId: string;
  wide?: boolean;
  /** The server's refusal (e.g. the read model is being rebuilt): shown above the last values. */
  error?: string | undefined;
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

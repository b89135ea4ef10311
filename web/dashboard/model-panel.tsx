import { useEffect } from 'react';
import type { Freshness } from '../shared/freshness.ts';
import { count, decimal } from '../shared/format.ts';
import { useLive } from '../shared/live.ts';
import { Bars, Panel } from '../shared/panel.tsx';
import type { LatestPush } from '../shared/status-bar.tsx';
import { TABLE_ROWS, panelSubscription, shapeOf, type ModelInfo } from './read-models.ts';

type Row = Record<string, unknown>;
interface Answer {
  readonly totalRows: number;
  readonly rows: Row[];
  readonly freshness: Freshness;
}

/** A measure's value as people read it: exact text, grouped; "–" when it has none. */
function measureText(measure: ModelInfo['measures'][number], value: unknown): string {
  if (typeof value !== 'string') return '–';
  return measure.type === 'COUNT' || measure.type === 'DISTINCT'
    ? count(value)
    : decimal(value, measure.scale ?? 0);
}

/** A dimension's value: text, or a time bucket's local start. */
function dimensionText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'local' in value && typeof value.local === 'string')
    return value.local;
  return '(none)';
}

function Table(props: { model: ModelInfo; answer: Answer }) {
  const { model, answer } = props;
  return (
    <>
      <table>
        <thead>
          <tr>
            {model.top ? <th>rank</th> : null}
            {model.dimensions.map((d) => (
              <th key={d.field}>{d.name}</th>
            ))}
            {model.measures.map((m) => (
              <th key={m.field}>{m.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {answer.rows.map((row, i) => (
            <tr
              key={model.dimensions.map((d) => dimensionText(row[d.field])).join('\u0000')}
              data-testid={`row-${i + 1}`}
            >
              {model.top ? <td data-testid="rank">{typeof row.rank === 'number' ? row.rank : '–'}</td> : null}
              {model.dimensions.map((d) => (
                <td key={d.field} data-testid={d.field}>
                  {dimensionText(row[d.field])}
                </td>
              ))}
              {model.measures.map((m) => (
                <td key={m.field} data-testid={m.field}>
                  {measureText(m, row[m.field])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {answer.totalRows > TABLE_ROWS ? <p>{`${TABLE_ROWS} of ${answer.totalRows} rows`}</p> : null}
    </>
  );
}

function Ranking(props: { model: ModelInfo; answer: Answer }) {
  const { model, answer } = props;
  const ranked = model.measures.find((m) => m.name === model.top?.by) ?? model.measures[0];
  const others = model.measures.filter((m) => m !== ranked);
  return (
    <ol className="ranking">
      {answer.rows.map((row) => (
        <li key={String(row.rank)} data-testid={`rank-${String(row.rank)}`}>
          <span className="rank">{String(row.rank)}.</span>
          <span className="name">{model.dimensions.map((d) => dimensionText(row[d.field])).join(' · ')}</span>
          {ranked ? <span data-testid={ranked.field}>{measureText(ranked, row[ranked.field])}</span> : null}
          {others.map((m) => (
            <small key={m.field} data-testid={m.field}>
              {measureText(m, row[m.field])} {m.name}
            </small>
          ))}
        </li>
      ))}
    </ol>
  );
}

function BigNumbers(props: { model: ModelInfo; answer: Answer }) {
  const row = props.answer.rows[0] ?? {};
  return (
    <div className="numbers">
      {props.model.measures.map((m) => (
        <div key={m.field}>
          <p className="big" data-testid={m.field}>
            {measureText(m, row[m.field])}
          </p>
          <small>{m.name}</small>
        </div>
      ))}
    </div>
  );
}

function TimeBars(props: { model: ModelInfo; answer: Answer }) {
  const { model, answer } = props;
  const time = model.dimensions[0];
  const measure = model.measures[0];
  if (!time || !measure) return null;
  // Asked newest first (so the newest buckets are kept), shown oldest first.
  const rows = [...answer.rows].reverse();
  // Every few bars a label: "14:05" for minutes and hours, "11-24" for days.
  const every = Math.max(1, Math.ceil(rows.length / 12));
  const bars = rows.map((row, i) => {
    const label = dimensionText(row[time.field]);
    const value = row[measure.field];
    return {
      key: label,
      label: i % every === every - 1 ? (time.unit === 'DAY' ? label.slice(5, 10) : label.slice(11, 16)) : '',
      value: typeof value === 'string' ? Number(value) : 0, // a bar's height only: the title is exact
      title: `${label}: ${measureText(measure, value)} ${measure.name}`,
    };
  });
  return (
    <>
      <p className="big" data-testid={measure.field}>
        {bars.length > 0 ? measureText(measure, rows.at(-1)?.[measure.field]) : '–'}
      </p>
      <small>{`${measure.name}, newest ${time.name}`}</small>
      <Bars bars={bars} />
    </>
  );
}

/**
 * One read model's live panel, chosen by its shape: a ranked list for a top-N model, big numbers
 * for a model without dimensions, bars over time for a model grouped by time alone, else a table.
 */
export function ModelPanel(props: { model: ModelInfo; report: (name: string, push: LatestPush) => void }) {
  const { model, report } = props;
  const live = useLive<Record<string, Answer>>(panelSubscription(model));
  const answer = live.data?.[model.field];
  useEffect(
    () =>
      report(model.name, { freshness: answer?.freshness, receivedAt: live.receivedAt, error: live.error }),
    [report, model.name, answer, live.receivedAt, live.error],
  );
  const shape = shapeOf(model);
  const body =
    answer === undefined ? null : shape === 'ranking' ? (
      <Ranking model={model} answer={answer} />
    ) : shape === 'number' ? (
      <BigNumbers model={model} answer={answer} />
    ) : shape === 'bars' ? (
      <TimeBars model={model} answer={answer} />
    ) : (
      <Table model={model} answer={answer} />
    );
  return (
    <Panel
      title={model.description ?? model.name}
      testId={`model-${model.name}`}
      error={live.error}
      freshness={answer?.freshness}
      wide={shape === 'bars' || (shape === 'table' && model.dimensions.length + model.measures.length > 3)}
    >
      {body}
      <p className="source">
        <code>{model.field}</code> · {model.source}
      </p>
    </Panel>
  );
}

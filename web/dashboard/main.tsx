/**
 * The generated live dashboard (/dashboard/): one panel per read model the API serves, chosen by
 * the model's shape (read-models.ts), each fed by the model's generated typed subscription. No
 * code is written per model: a model added to readmodels/ appears here once the API serves it.
 */
import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/dashboard.css';
import { HeldBanner } from '../shared/held-banner.tsx';
import { StatusBar, type LatestPush } from '../shared/status-bar.tsx';
import { ModelPanel } from './model-panel.tsx';
import { loadReadModels, type ModelInfo } from './read-models.ts';

const timeZone =
  new URLSearchParams(window.location.search).get('timeZone') ??
  Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The page's freshness: the push that includes the newest source change (a quiet model's push says
 * little about the pipeline), heard as recently as any push; any panel's refusal makes it "not
 * ready".
 */
function latestOf(pushes: ReadonlyMap<string, LatestPush>): LatestPush {
  const commitMs = (push: LatestPush) => Date.parse(push.freshness?.sourceCommitTime ?? '') || 0;
  let newest: LatestPush = { freshness: undefined, receivedAt: undefined, error: undefined };
  let heardAt: number | undefined;
  for (const push of pushes.values()) {
    if (commitMs(push) >= commitMs(newest) && push.freshness) newest = push;
    if ((push.receivedAt ?? 0) > (heardAt ?? 0)) heardAt = push.receivedAt;
  }
  const refused = [...pushes].filter(([, push]) => push.error);
  const error =
    refused.length > 0 ? refused.map(([name, push]) => `${name}: ${push.error ?? ''}`).join('; ') : undefined;
  return { freshness: newest.freshness, receivedAt: heardAt, error };
}

function Dashboard() {
  const [models, setModels] = useState<ModelInfo[] | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [pushes, setPushes] = useState<ReadonlyMap<string, LatestPush>>(new Map());
  useEffect(() => {
    loadReadModels().then(setModels, (error: unknown) =>
      setFailure(error instanceof Error ? error.message : 'failed'),
    );
  }, []);
  const report = useCallback(
    (name: string, push: LatestPush) => setPushes((previous) => new Map(previous).set(name, push)),
    [],
  );
  return (
    <main>
      <header>
        <h1>Read models, live</h1>
        <StatusBar timeZone={timeZone} latest={latestOf(pushes)} />
      </header>
      <HeldBanner timeZone={timeZone} />
      {failure ? <p className="error">{`The read models could not be listed: ${failure}`}</p> : null}
      <div className="grid">
        {models?.map((model) => (
          <ModelPanel key={model.name} model={model} report={report} />
        ))}
      </div>
    </main>
  );
}

const root = document.getElementById('dashboard');
if (root) createRoot(root).render(<Dashboard />);

/**
 * GraphiQL for analysts, bundled from npm (no CDN) and served by the API at /graphiql: queries
 * over HTTP, subscriptions over graphql-ws on the same URL. With API keys on, open
 * /graphiql?apiKey=<key>: the key goes into the HTTP headers and the WebSocket's connection_init.
 */
// GraphiQL 5 edits with Monaco, whose language services run in web workers: bundled by Vite here.
import 'graphiql/setup-workers/vite';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

const apiKey = new URLSearchParams(window.location.search).get('apiKey');
const url = new URL('/graphql', window.location.href);
const socketUrl = new URL(url);
socketUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({
  url: url.href,
  subscriptionUrl: socketUrl.href,
  ...(apiKey
    ? {
        headers: { authorization: `Bearer ${apiKey}` },
        wsConnectionParams: { authorization: `Bearer ${apiKey}` },
      }
    : {}),
});

const defaultQuery = `# Readout: every read model as a typed field (see the Docs panel), and any of them ad hoc.
# Try a subscription too: change "query" to "subscription" and run it.
query Dashboard {
  ordersByStatus { rows { status orders revenue } freshness { version lagMs } }
  revenueByCustomer(limit: 5) { rows { rank customer revenue } }
  readModels { name field dimensions { name kind } measures { name type } }
}
`;

const root = document.getElementById('graphiql');
if (root) createRoot(root).render(createElement(GraphiQL, { fetcher, defaultQuery }));

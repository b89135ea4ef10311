/**
 * The baseline of bench/query-throughput.ts: a bare @apollo/server (its standalone HTTP server)
 * answering the dashboard query's shape with a constant, no Redis, no limits, no auth.
 *   node bench/support/bare-apollo-server.ts <port>
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const typeDefs = `
  type OrdersByStatusRow { status: String orders: String! revenue: String! }
  type Freshness { version: String! lagMs: String }
  type OrdersByStatus { rows: [OrdersByStatusRow!]! freshness: Freshness! }
  type Query { ordersByStatus: OrdersByStatus! }
`;
const constant = {
  rows: ['cancelled', 'delivered', 'paid', 'pending', 'shipped'].map((status, i) => ({
    status,
    orders: String(100 + i),
    revenue: `${12345 + i}.67`,
  })),
  freshness: { version: '42', lagMs: '120' },
};
const server = new ApolloServer({ typeDefs, resolvers: { Query: { ordersByStatus: () => constant } } });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.argv[2] ?? 4100), host: '127.0.0.1' },
});
process.stdout.write(`listening ${url}\n`);

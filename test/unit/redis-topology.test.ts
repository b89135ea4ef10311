import { describe, expect, it } from 'vitest';
import { parseClusterNodes, topologyTrouble } from '../../src/store/topology.ts';

// CLUSTER NODES as a 3+3 cluster (stack/redis-cluster.sh) answered after the primary on 7302 was
// SIGKILLed and its replica on 7305 had taken over.
const AFTER_FAILOVER = `62c489b1feb6cc140c51b4a458e5797ac242f7b3 127.0.0.1:7305@17305 master - 0 1795534080517 7 connected 5461-10922
86d4989842c9134dd03e477ad76c4824166df6cb 127.0.0.1:7302@17302 master,fail - 1795534078070 1795534077064 2 disconnected
6a320ab17e3154e889696316a88fc018077fb198 127.0.0.1:7304@17304 slave 7f5c989f9d049836b12a3920228ef2a20cd58473 0 1795534081082 1 connected
7f5c989f9d049836b12a3920228ef2a20cd58473 127.0.0.1:7301@17301 myself,master - 0 1795534080000 1 connected 0-5460
1b070e86036d4f136190bd9f6bcfd9a941b6fce0 127.0.0.1:7303@17303 master - 0 1795534081183 3 connected 10923-16383
25cff65311dbd0d881d217b08c597e4256c6e937 127.0.0.1:7306@17306 slave 1b070e86036d4f136190bd9f6bcfd9a941b6fce0 0 1795534081184 3 connected
`;

// The same cluster once the old primary was started again: it rejoined as 7305's replica.
const REJOINED = AFTER_FAILOVER.replace(
  '127.0.0.1:7302@17302 master,fail - 1795534078070 1795534077064 2 disconnected',
  '127.0.0.1:7302@17302 slave 62c489b1feb6cc140c51b4a458e5797ac242f7b3 0 1795534085503 7 connected',
);

describe('Redis Cluster layout', () => {
  it('reads roles, primaries, slots and failed nodes from CLUSTER NODES', () => {
    const nodes = parseClusterNodes(AFTER_FAILOVER);
    expect(nodes.map((n) => [n.address, n.role, n.primary, n.state, n.slots])).toEqual([
      ['127.0.0.1:7301', 'primary', null, 'ok', 5461],
      ['127.0.0.1:7302', 'primary', null, 'failed', 0],
      ['127.0.0.1:7303', 'primary', null, 'ok', 5461],
      ['127.0.0.1:7304', 'replica', '127.0.0.1:7301', 'ok', 0],
      ['127.0.0.1:7305', 'primary', null, 'ok', 5462],
      ['127.0.0.1:7306', 'replica', '127.0.0.1:7303', 'ok', 0],
    ]);
  });

  it('names the failed node and the primary left without a replica, and nothing once it rejoined', () => {
    const after = topologyTrouble({
      mode: 'cluster',
      clusterState: 'ok',
      nodes: parseClusterNodes(AFTER_FAILOVER),
    });
    expect(after).toHaveLength(2);
    expect(after[0]).toMatch(/^Redis node 127\.0\.0\.1:7302 \(primary\) has failed/);
    expect(after[1]).toMatch(/^Redis primary 127\.0\.0\.1:7305 has no working replica/);
    expect(
      topologyTrouble({ mode: 'cluster', clusterState: 'ok', nodes: parseClusterNodes(REJOINED) }),
    ).toEqual([]);
    expect(
      topologyTrouble({ mode: 'cluster', clusterState: 'fail', nodes: parseClusterNodes(REJOINED) }),
    ).toEqual(['Redis Cluster state is fail: some slots are not served']);
  });
});

/** The Prometheus text exposition of a process's /metrics (`baseUrl` without the path). */
async function scrape(baseUrl: string): Promise<string[]> {
  return (await (await fetch(`${baseUrl}/metrics`)).text()).split('\n');
}

/** One sample's value, e.g. `readout_api_sockets` or `name{label="x"}` (NaN when absent). */
export async function metricValue(baseUrl: string, sample: string): Promise<number> {
  const line = (await scrape(baseUrl)).find((l) => l.startsWith(`${sample} `));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

/** The sum of a metric's samples over all its labels (0 when it has none yet). */
export async function metricSum(baseUrl: string, name: string): Promise<number> {
  return (await scrape(baseUrl))
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

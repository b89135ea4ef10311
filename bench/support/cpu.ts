/**
 * Where a benchmark's CPU went, from Linux's own accounting: the whole machine's busy time
 * (/proc/stat) and each named process's (/proc/<pid>/stat), over the same interval. With every
 * part of the stack on one machine, this is what says whether Readout or the machine is the limit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { ReadoutConfig } from '../../src/config/index.ts';

/** Linux's clock ticks per second for /proc CPU times (USER_HZ, 100 on every common build). */
const TICKS_PER_SECOND = 100;

/** The machine's busy and total CPU time since boot, in ticks summed over every core. */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle and iowait
  return { busy: total - idle, total };
}

/** A process's user + system CPU time in ticks; 0 once it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3; utime and stime are 14, 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

/** Pids of the running processes whose command line matches. */
export function processesMatching(matches: (commandLine: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (matches(commandLine)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The stack's redis-server processes: its one node, or every node of its cluster. */
export function redisServerPids(config: ReadoutConfig): number[] {
  const ports =
    config.redis.clusterNodes.length > 0
      ? config.redis.clusterNodes.map((node) => String(node.port))
      : [new URL(config.redis.url).port];
  return processesMatching(
    (line) => line.startsWith('redis-server') && ports.some((port) => line.includes(`:${port}`)),
  );
}

export interface CpuShare {
  readonly name: string;
  /** CPU seconds used in the interval. */
  readonly seconds: number;
  /** Of one core over the interval (100 = one core busy throughout). */
  readonly percentOfCore: number;
}

export interface CpuReport {
  readonly seconds: number;
  readonly cores: number;
  /** Of the whole machine (100 = every core busy throughout). */
  readonly machineBusyPercent: number;
  /** CPU seconds the whole machine spent busy in the interval, over every core. */
  readonly machineBusySeconds: number;
  readonly groups: readonly CpuShare[];
}

/** The CPU time used so far by the machine and by each group's processes, at one moment. */
export interface CpuSnapshot {
  /** Wall clock (Date.now()), so it can be lined up with times from other processes. */
  readonly at: number;
  readonly machine: { busy: number; total: number };
  readonly groups: Readonly<Record<string, readonly number[]>>;
}

export function cpuSnapshot(groups: Record<string, readonly number[]>): CpuSnapshot {
  return {
    at: Date.now(),
    machine: machineTicks(),
    groups: Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.map(processTicks)])),
  };
}

/** How the CPU time between two snapshots of the same groups split between them. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuReport {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000);
  const shares = Object.entries(after.groups).map(([name, ticksAfter]) => {
    const ticks = ticksAfter.reduce(
      (sum, value, i) => sum + Math.max(0, value - (before.groups[name]?.[i] ?? 0)),
      0,
    );
    const cpuSeconds = ticks / TICKS_PER_SECOND;
    return { name, seconds: cpuSeconds, percentOfCore: (100 * cpuSeconds) / seconds };
  });
  const busyShare =
    (after.machine.busy - before.machine.busy) / Math.max(1, after.machine.total - before.machine.total);
  return {
    seconds,
    cores: cpus().length,
    machineBusyPercent: 100 * busyShare,
    machineBusySeconds: busyShare * cpus().length * seconds,
    groups: shares,
  };
}

/** Starts counting now; `stop()` says how the interval's CPU time split between the groups. */
export function startCpuAccounting(groups: Record<string, readonly number[]>) {
  const before = cpuSnapshot(groups);
  return { stop: (): CpuReport => cpuBetween(before, cpuSnapshot(groups)) };
}

/** Several intervals (say, the busy part of each round) as one. */
export function combineCpu(reports: readonly CpuReport[]): CpuReport {
  const seconds = reports.reduce((sum, report) => sum + report.seconds, 0);
  const busySeconds = reports.reduce((sum, report) => sum + report.machineBusySeconds, 0);
  const cores = reports[0]?.cores ?? cpus().length;
  const names = reports[0]?.groups.map((group) => group.name) ?? [];
  return {
    seconds,
    cores,
    machineBusyPercent: (100 * busySeconds) / (cores * seconds),
    machineBusySeconds: busySeconds,
    groups: names.map((name) => {
      const cpuSeconds = reports.reduce(
        (sum, report) => sum + (report.groups.find((group) => group.name === name)?.seconds ?? 0),
        0,
      );
      return { name, seconds: cpuSeconds, percentOfCore: (100 * cpuSeconds) / seconds };
    }),
  };
}

/** "machine 97% busy; projectors 120% of a core, redis-server 45%, …" for a report's table. */
export function describeCpu(report: CpuReport): string {
  const parts = report.groups.map((share) => `${share.name} ${share.percentOfCore.toFixed(0)}%`);
  return `${report.machineBusyPercent.toFixed(0)}% of ${report.cores} cores busy; ${parts.join(', ')} of a core`;
}

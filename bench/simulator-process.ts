// Serves a generated organization from its own process, so the simulator's CPU does not count against the sync measured.
// Started by bench/org-sync.ts with fork(); takes OrganizationScenarioOptions as JSON in argv[2] and answers messages.
import { organizationScenario, startSimulator, type SimCall } from '../src/simulator/index.js';

export type SimulatorRequest = { type: 'faults'; on: boolean } | { type: 'stats' } | { type: 'reset' };

export interface CallStats {
  /** Every answered call except ThrottlingException answers (the limiter's job was to avoid those). */
  calls: number;
  throttled: number;
  /** Calls made before any account can start: DescribeOrganization and ListAccounts. */
  discoveryCalls: number;
  /** Calls that pass the sync's limiter (every collector's calls, DescribeRegions, GetCallerIdentity), per caller account. */
  limitedByAccount: Record<string, number>;
  /** The same calls per account/region/service, the key of the sync's rate limit, for the rate bound. */
  limitedByRate: Record<string, number>;
  errors: Record<string, number>;
  /** CPU seconds the simulator used since the last reset: if near the wall time, the simulator was the bottleneck. */
  simulatorCpuSeconds: number;
}

const org = organizationScenario(JSON.parse(process.argv[2] ?? '{}'));
// Counted as the calls are answered: keeping tens of thousands of calls and their bodies costs the simulator GC time.
let counts = emptyCounts();
const sim = await startSimulator(org.scenario, { recordCalls: false, onCall: (call) => countCall(counts, call) });
const { faults = [] } = org.scenario;
const unassumable = org.scenario.accounts.find((account) => account.Id === org.unassumableAccountId);
const refusingTrust = unassumable?.Roles?.[0]?.TrustedAccountIds;

let cpuSince = process.cpuUsage();
process.send!({ type: 'ready', url: sim.url, org: { ...org, scenario: undefined } });
process.on('message', (request: SimulatorRequest) => {
  if (request.type === 'faults') {
    // Off: the organization as it is on a good day, to sync before the faults are measured.
    org.scenario.faults = request.on ? faults : [];
    if (unassumable?.Roles?.[0]) unassumable.Roles[0].TrustedAccountIds = request.on ? refusingTrust : [org.management.Id];
    process.send!({ type: 'ok' });
  } else if (request.type === 'reset') {
    sim.resetCalls();
    counts = emptyCounts();
    cpuSince = process.cpuUsage();
    process.send!({ type: 'ok' });
  } else {
    process.send!({ type: 'stats', stats: callStats(counts) });
  }
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));

/** CallStats as the calls come, in Maps: cheaper per call than objects keyed by account ids. */
interface CallCounts {
  calls: number;
  throttled: number;
  discoveryCalls: number;
  limitedByAccount: Map<string, number>;
  limitedByRate: Map<string, number>;
  errors: Map<string, number>;
}

function emptyCounts(): CallCounts {
  return { calls: 0, throttled: 0, discoveryCalls: 0, limitedByAccount: new Map(), limitedByRate: new Map(), errors: new Map() };
}

function countCall(counts: CallCounts, call: SimCall): void {
  if (call.errorCode) increment(counts.errors, call.errorCode);
  if (call.errorCode === 'ThrottlingException') {
    counts.throttled += 1;
    return;
  }
  counts.calls += 1;
  if (call.service === 'organizations') counts.discoveryCalls += 1;
  // Only discovery (Organizations) and AssumeRole, made with the management account's credentials, bypass it.
  const limited = call.service !== 'organizations' && !(call.service === 'sts' && call.operation === 'AssumeRole');
  if (!limited || !call.accountId) return;
  increment(counts.limitedByAccount, call.accountId);
  increment(counts.limitedByRate, `${call.accountId}/${call.region}/${call.service}`);
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function callStats(counts: CallCounts): CallStats {
  const cpu = process.cpuUsage(cpuSince);
  return {
    ...counts,
    limitedByAccount: Object.fromEntries(counts.limitedByAccount),
    limitedByRate: Object.fromEntries(counts.limitedByRate),
    errors: Object.fromEntries(counts.errors),
    simulatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

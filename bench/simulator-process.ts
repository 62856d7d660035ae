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
let stats = emptyStats();
const sim = await startSimulator(org.scenario, { recordCalls: false, onCall: (call) => countCall(stats, call) });
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
    stats = emptyStats();
    cpuSince = process.cpuUsage();
    process.send!({ type: 'ok' });
  } else {
    const cpu = process.cpuUsage(cpuSince);
    process.send!({ type: 'stats', stats: { ...stats, simulatorCpuSeconds: (cpu.user + cpu.system) / 1e6 } });
  }
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));

function emptyStats(): CallStats {
  return { calls: 0, throttled: 0, discoveryCalls: 0, limitedByAccount: {}, limitedByRate: {}, errors: {}, simulatorCpuSeconds: 0 };
}

function countCall(stats: CallStats, call: SimCall): void {
  if (call.errorCode) stats.errors[call.errorCode] = (stats.errors[call.errorCode] ?? 0) + 1;
  if (call.errorCode === 'ThrottlingException') {
    stats.throttled += 1;
    return;
  }
  stats.calls += 1;
  if (call.service === 'organizations') stats.discoveryCalls += 1;
  // Only discovery (Organizations) and AssumeRole, made with the management account's credentials, bypass it.
  const limited = call.service !== 'organizations' && !(call.service === 'sts' && call.operation === 'AssumeRole');
  if (!limited || !call.accountId) return;
  stats.limitedByAccount[call.accountId] = (stats.limitedByAccount[call.accountId] ?? 0) + 1;
  const rateKey = `${call.accountId}/${call.region}/${call.service}`;
  stats.limitedByRate[rateKey] = (stats.limitedByRate[rateKey] ?? 0) + 1;
}

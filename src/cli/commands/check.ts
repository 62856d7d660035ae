// inventory check: evaluate every control against the inventory and print the verdicts.
import { Command, Option } from 'commander';
import { loadCatalog } from '../../controls/catalog.js';
import { DEFAULT_MAX_AGE_HOURS, evaluateControls, type ControlVerdict } from '../../controls/evaluate.js';
import { verdictsAsJson, verdictsAsText } from '../../controls/report.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR } from '../../paths.js';
import { openStore } from '../../store/open.js';
import { EXIT, type CommandOutcome } from '../exit-codes.js';
import { dbOption, parsePositiveInt } from '../main.js';

interface CheckFlags {
  db: string;
  format: 'table' | 'json';
  controls: string;
  maxAge: number;
}

export function checkCommand(outcome: CommandOutcome): Command {
  return new Command('check')
    .description('Evaluate the controls against the inventory. Exit 1 when a control fails, 3 when one cannot be decided.')
    .addOption(dbOption())
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('--controls <dir>', 'the control catalog folder').env('INVENTORY_CONTROLS').default(CONTROLS_DIR))
    .addOption(
      new Option('--max-age <hours>', 'a region not synced successfully for longer is stale, and controls on it are ERROR')
        .env('INVENTORY_MAX_AGE_HOURS')
        .default(DEFAULT_MAX_AGE_HOURS)
        .argParser(parsePositiveInt),
    )
    .action(async (flags: CheckFlags) => {
      const api = createInventoryApi();
      const controls = loadCatalog(api, flags.controls);
      const store = await openStore(flags.db);
      try {
        const verdicts = await evaluateControls(api, store, controls, { maxAgeHours: flags.maxAge });
        process.stdout.write(flags.format === 'json' ? verdictsAsJson(verdicts) : verdictsAsText(verdicts));
        outcome.exitCode = verdictExitCode(verdicts);
      } finally {
        await store.close();
      }
    });
}

/** Any FAIL gives 1; otherwise any ERROR gives 3, because an undecided control must not look like a pass to CI. */
export function verdictExitCode(verdicts: ControlVerdict[]): number {
  if (verdicts.some((v) => v.verdict === 'FAIL')) return EXIT.controlFailed;
  if (verdicts.some((v) => v.verdict === 'ERROR')) return EXIT.operational;
  return EXIT.ok;
}

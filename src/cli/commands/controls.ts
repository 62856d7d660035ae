// inventory controls validate: checks a folder of control files as the catalog loader does, for people writing controls.
import { Command } from 'commander';
import type { Control } from '../../controls/catalog.js';
import { readControlCatalog } from '../../controls/load.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR } from '../../paths.js';
import type { CommandOutcome } from '../exit-codes.js';
import { printOut, terminalValue as shown } from '../../terminal-text.js';

export function controlsCommand(_outcome: CommandOutcome): Command {
  const validate = new Command('validate')
    .description(
      "Check every control file of a folder (ours, or Cyscale's layout: controls/*.json and queries/*.json): its fields, its queries against the schema, " +
        'its expectations. Exit 2 naming the first broken file.',
    )
    .argument('[dir]', "a folder of control YAML files, or of Cyscale's controls/ and queries/", CONTROLS_DIR)
    .action((dir: string) => {
      // A broken file throws ControlLoadError, which the CLI reports with the file named (exit code 2).
      const catalog = readControlCatalog(createInventoryApi(), dir);
      const { controls } = catalog;
      const count = `${controls.length} ${controls.length === 1 ? 'control' : 'controls'}`;
      if (catalog.layout === 'yaml') {
        const lines = controls.map((control) => `  ${shown(control.id)}  ${shown(control.file)}  expect ${shown(control.rules[0]!.expectation.source)}`);
        printOut(`${count} valid in ${dir}\n${lines.join('\n')}\n`);
        return;
      }
      const evaluated = controls.reduce((n, c) => n + c.rules.length, 0);
      const waiting = controls.reduce((n, c) => n + c.notEvaluated.length, 0);
      const lines = [
        `${count} valid in ${dir} (Cyscale's layout): ${evaluated} AWS ${evaluated === 1 ? 'rule' : 'rules'} evaluated, ${waiting} not evaluated ` +
          `(their controls are ERROR, never PASS); ${catalog.leftOut.length} left out`,
        ...controls.flatMap(cyscaleLines),
      ];
      if (catalog.leftOut.length > 0) lines.push('left out:', ...catalog.leftOut.map((line) => `  ${shown(line)}`));
      printOut(`${lines.join('\n')}\n`);
    });
  return new Command('controls').description('Work with control catalogs.').addCommand(validate);
}

/** A control of Cyscale's layout: its id and file, then each rule, evaluated or not and why, and those for other clouds. */
function cyscaleLines(control: Control): string[] {
  const total = control.rules.length + control.notEvaluated.length;
  const state =
    control.notEvaluated.length === 0
      ? 'evaluated'
      : control.rules.length === 0
        ? 'NOT EVALUATED'
        : `${control.rules.length} of ${total} rules evaluated: ERROR until all are`;
  return [
    `  ${shown(control.id)}  ${shown(control.file)}  ${state}`,
    ...control.rules.map((rule) => `    ${shown(rule.label)}  evaluated: expect ${shown(rule.expectation.source)}`),
    ...control.notEvaluated.map((rule) => `    ${shown(rule.rule)}  NOT EVALUATED: ${shown(rule.reason)}`),
    ...control.otherClouds.map((rule) => `    ${shown(rule)}: left out, not AWS`),
  ];
}

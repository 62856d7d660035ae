// inventory controls validate: checks a folder of control files as the catalog loader does, for people writing controls.
import { Command } from 'commander';
import { loadCatalog } from '../../controls/catalog.js';
import { createInventoryApi } from '../../graphql/execute.js';
import { CONTROLS_DIR } from '../../paths.js';
import type { CommandOutcome } from '../exit-codes.js';
import { printOut, terminalValue as shown } from '../../terminal-text.js';

export function controlsCommand(_outcome: CommandOutcome): Command {
  const validate = new Command('validate')
    .description('Check every control file of a folder: its fields, its query against the schema, its expectation. Exit 2 naming the first broken file.')
    .argument('[dir]', 'a folder of control YAML files', CONTROLS_DIR)
    .action((dir: string) => {
      // A broken file throws ControlLoadError, which the CLI reports with the file named (exit code 2).
      const controls = loadCatalog(createInventoryApi(), dir);
      const lines = controls.map((control) => `  ${shown(control.id)}  ${shown(control.file)}  expect ${shown(control.expectation.source)}`);
      printOut(`${controls.length} ${controls.length === 1 ? 'control' : 'controls'} valid in ${dir}\n${lines.join('\n')}\n`);
    });
  return new Command('controls').description('Work with control catalogs.').addCommand(validate);
}

// Reads a control catalog folder in whichever layout it holds: ours (YAML files, e.g. controls/aws/*.yaml) or
// Cyscale's (controls/*.json and queries/*.json), told apart by Cyscale's two folders of .json files.
import type { InventoryApi } from '../graphql/execute.js';
import { CONTROLS_DIR } from '../paths.js';
import { loadCatalog, type Control } from './catalog.js';
import { isCyscaleLayout, loadCyscaleCatalog } from './cyscale.js';

export interface LoadedCatalog {
  layout: 'yaml' | 'cyscale';
  controls: Control[];
  /** Controls of the folder left out of the catalog whole, each with why (Cyscale's layout: no rule for AWS, disabled). */
  leftOut: string[];
}

export function readControlCatalog(api: InventoryApi, dir = CONTROLS_DIR): LoadedCatalog {
  if (isCyscaleLayout(dir)) return { layout: 'cyscale', ...loadCyscaleCatalog(api, dir) };
  return { layout: 'yaml', controls: loadCatalog(api, dir), leftOut: [] };
}

/** The controls of a catalog folder, in either layout; a broken file is a ControlLoadError naming it. */
export function loadControlCatalog(api: InventoryApi, dir = CONTROLS_DIR): Control[] {
  return readControlCatalog(api, dir).controls;
}

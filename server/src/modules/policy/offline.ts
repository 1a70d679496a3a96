import { loadCalendarCatalog, loadParameterCatalog } from './catalog.js';
import { ParameterSnapshot } from './snapshot.js';
import { WorkingCalendar } from './working-days.js';

/**
 * Parameters and calendars read straight from catalog/ YAML, without a database: for the
 * staff calculator CLI and for pure tests. Same validation as the sync.
 */
export interface OfflinePolicy {
  params: ParameterSnapshot;
  calendar: WorkingCalendar;
}

const loaded = new Map<string, OfflinePolicy>();

export function offlinePolicy(catalogDir: string): OfflinePolicy {
  let p = loaded.get(catalogDir);
  if (!p) {
    p = { params: ParameterSnapshot.fromCatalog(loadParameterCatalog(catalogDir)), calendar: new WorkingCalendar(loadCalendarCatalog(catalogDir)) };
    loaded.set(catalogDir, p);
  }
  return p;
}

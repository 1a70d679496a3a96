import type { AuditTables } from '../modules/audit/schema.js';
import type { EventTables } from '../modules/events/schema.js';
import type { IamTables } from '../modules/iam/schema.js';
import type { MasterdataTables } from '../modules/masterdata/schema.js';
import type { PlatformTables } from '../modules/platform/schema.js';
import type { RightsTables } from '../modules/rights/schema.js';

/** Every table of the platform; each module owns and declares its own. */
export interface Database
  extends MasterdataTables,
    IamTables,
    AuditTables,
    EventTables,
    PlatformTables,
    RightsTables {}

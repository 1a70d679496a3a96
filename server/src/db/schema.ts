import type { AuditTables } from '../modules/audit/schema.js';
import type { CatalogueTables } from '../modules/catalogue/schema.js';
import type { CasesTables } from '../modules/cases/schema.js';
import type { EventTables } from '../modules/events/schema.js';
import type { IamTables } from '../modules/iam/schema.js';
import type { MasterdataTables } from '../modules/masterdata/schema.js';
import type { PlatformTables } from '../modules/platform/schema.js';
import type { PolicyTables } from '../modules/policy/schema.js';
import type { RightsTables } from '../modules/rights/schema.js';
import type { InsuranceTables } from '../modules/insurance/schema.js';
import type { SealTables } from '../modules/seals/schema.js';
import type { ArchiveTables } from '../modules/archives/schema.js';
import type { DocumentTables } from '../modules/documents/schema.js';

/** Every table of the platform; each module owns and declares its own. */
export interface Database
  extends MasterdataTables,
    IamTables,
    AuditTables,
    EventTables,
    PlatformTables,
    RightsTables,
    InsuranceTables,
    CasesTables,
    CatalogueTables,
    PolicyTables,
    SealTables,
    ArchiveTables,
    DocumentTables {}

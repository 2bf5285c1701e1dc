/** The declared jobs. To add one: a declaration here, its SQL in sql/<name>/, its table in a migration. */
import type { JobDeclaration } from "../core/job.ts";
import { daily } from "./daily.ts";
import { etl } from "./etl.ts";

export const DECLARED_JOBS: readonly JobDeclaration[] = [etl, daily];

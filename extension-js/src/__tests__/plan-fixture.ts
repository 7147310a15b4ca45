import { readFileSync } from 'node:fs';

import { IPlanGraph } from '../plan-layout';

/** A plan the monitor serves: spark/plan.Build on a real recording (spark/plan/fixtures_test.go writes them). */
export function fixture(name: string): IPlanGraph {
  return JSON.parse(
    readFileSync(`src/__tests__/fixtures/plan-${name}.json`, 'utf8')
  ) as IPlanGraph;
}

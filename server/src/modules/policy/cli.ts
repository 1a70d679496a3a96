import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { CatalogFileError } from './catalog.js';
import { calcDueDate, calcPension, calcRetirement, calcUnemployment, CalculatorInputError } from './calculator.js';
import { todayInChina } from './months.js';
import { offlinePolicy } from './offline.js';

/**
 * `tongban calc …` and `tongban calendar …`: the staff policy calculator. Reads catalog/ YAML
 * directly (no database), prints one JSON object; a bad argument exits 2 with the reason.
 */
function run(action: () => unknown): void {
  try {
    process.stdout.write(`${JSON.stringify(action())}\n`);
  } catch (e) {
    if (e instanceof CalculatorInputError || e instanceof CatalogFileError || e instanceof RangeError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

const policy = () => offlinePolicy(loadConfig().catalogDir);
const int = (name: string) => (v: string) => {
  if (!/^-?\d+$/.test(v.trim())) throw new CalculatorInputError(name, `must be a whole number, got "${v}"`);
  return Number(v);
};

export function registerPolicyCommands(program: Command): void {
  const calc = program.command('calc').description('Policy calculator (same functions as the rules engine; reads catalog/ YAML, no database)');
  calc
    .command('retirement')
    .description('Statutory retirement month and age (2025 reform) and the minimum contribution years')
    .requiredOption('--birth <YYYY-MM>', 'birth month')
    .requiredOption('--category <category>', 'male | female-cadre | female-worker')
    .option('--as-of <YYYY-MM-DD>', 'rules in effect on this day (default: today)')
    .option('--verbose', 'also print the flexible retirement window and the parameter versions')
    .action((o: { birth: string; category: string; asOf?: string; verbose?: boolean }) =>
      run(() => {
        const r = calcRetirement(policy().params, { birthMonth: o.birth, category: o.category, asOf: o.asOf ?? todayInChina() });
        return o.verbose ? r : { retirementMonth: r.retirementMonth, age: r.age, minContributionYears: r.minContributionYears };
      }),
    );
  calc
    .command('unemployment')
    .description('Unemployment benefit eligibility and maximum months (社会保险法 第四十五条、第四十六条)')
    .requiredOption('--contribution-months <n>', 'months of unemployment insurance contributions')
    .option('--as-of <YYYY-MM-DD>', 'rules in effect on this day (default: today)')
    .action((o: { contributionMonths: string; asOf?: string }) =>
      run(() => {
        const r = calcUnemployment(policy().params, { contributionMonths: int('contribution-months')(o.contributionMonths), asOf: o.asOf ?? todayInChina() });
        return { eligible: r.eligible, maxMonths: r.maxMonths };
      }),
    );
  calc
    .command('pension')
    .description('Monthly basic pension: basic part + personal-account part, yuan (rounded half-up to the fen)')
    .requiredOption('--avg-wage <yuan>', 'average monthly wage of the previous year (the calculation base)')
    .requiredOption('--index <i>', 'average contribution wage index')
    .requiredOption('--years <y>', 'contribution years (decimals allowed)')
    .requiredOption('--account-balance <yuan>', 'personal account balance')
    .requiredOption('--age <a>', 'age at retirement in whole years (months divisor table 40–70)')
    .option('--as-of <YYYY-MM-DD>', 'rules in effect on this day (default: today)')
    .action((o: { avgWage: string; index: string; years: string; accountBalance: string; age: string; asOf?: string }) =>
      run(() => {
        const r = calcPension(policy().params, { avgWage: o.avgWage, index: o.index, years: o.years, accountBalance: o.accountBalance, age: o.age, asOf: o.asOf ?? todayInChina() });
        return { basic: r.basic, account: r.account, total: r.total };
      }),
    );
  const calendar = program.command('calendar').description('Working-day calendar (State Council holiday notices, catalog/calendars)');
  calendar
    .command('due')
    .description('Due date: N working days after --from (the day itself not counted)')
    .requiredOption('--from <YYYY-MM-DD>', 'start day')
    .requiredOption('--days <n>', 'working days')
    .action((o: { from: string; days: string }) =>
      run(() => {
        const r = calcDueDate(policy().calendar, { from: o.from, days: int('days')(o.days) });
        return r.assumedWeekdaysFor.length ? { due: r.due, note: `no holiday calendar for ${r.assumedWeekdaysFor.join(', ')}: Monday–Friday assumed` } : { due: r.due };
      }),
    );
}

import { keepsNothing, Plan, type Config, type Notifications, type Settings } from '../../contract/config.js';
import { validateConfig } from '../config/config-store.js';
import { describeZodError } from '../config/validation-message.js';
import { RestrayError } from '../errors.js';
import { validateCron } from '../schedule/slots.js';
import type { EngineDeps } from './engine-deps.js';
import { findPlan, findRepository } from './repo-context.js';

/**
 * Changes to the configuration that are not about a repository's access: plans, settings and notification
 * preferences, a whole new config from the settings screen. Each is validated, saved, and announced
 * (config-changed) through ConfigState.commit.
 */
export class ConfigEdits {
  constructor(private readonly deps: Pick<EngineDeps, 'config'>) {}

  /** Adds or replaces a plan (by name). Validates fields, the cron expression and the repository name. */
  async savePlan(input: unknown, previousName?: string): Promise<Plan> {
    const parsed = Plan.safeParse(input);
    if (!parsed.success)
      throw new RestrayError('invalid-argument', describeZodError(parsed.error, 'plan').join('; '));
    const plan = parsed.data;
    if (plan.schedule !== undefined) validateCron(plan.schedule);
    const config = this.deps.config.get();
    findRepository(config, plan.repo);
    if (plan.prune && plan.retention && keepsNothing(plan.retention))
      throw new RestrayError(
        'invalid-argument',
        `Plan "${plan.name}" would keep no snapshot: its forget after each backup would remove them all.`,
        {
          hint: 'Keep something (for example --keep-hourly 24 --keep-daily 7), or turn forget off (--no-prune).',
        },
      );
    const old = previousName ?? plan.name;
    const plans = [...config.plans.filter((p) => p.name !== old && p.name !== plan.name), plan];
    await this.deps.config.commit(validateConfig({ ...config, plans }));
    return plan;
  }

  /** Removes a plan; its snapshots stay. `not-found` for an unknown plan. */
  async deletePlan(name: string): Promise<void> {
    const config = this.deps.config.get();
    findPlan(config, name);
    await this.deps.config.commit(
      validateConfig({ ...config, plans: config.plans.filter((p) => p.name !== name) }),
    );
  }

  /** Replaces notification preferences and/or settings (what is not given stays). */
  async saveSettings(input: { notifications?: Notifications | undefined; settings?: Settings | undefined }) {
    await this.replace({
      ...this.deps.config.get(),
      ...(input.notifications ? { notifications: input.notifications } : {}),
      ...(input.settings ? { settings: input.settings } : {}),
    });
  }

  /** Replaces the whole config after validation (`invalid-config` otherwise); emits config-changed. */
  async replace(next: Config): Promise<void> {
    await this.deps.config.commit(validateConfig(next));
  }
}

/**
 * Readiness as named checks. A service is ready when it is not draining and every check
 * passes; /readyz reports each check so an operator sees which dependency is the problem.
 */
export type CheckResult = { ok: boolean; detail?: string };
export type Check = () => CheckResult | Promise<CheckResult>;

export type ReadinessReport = { ready: boolean; draining: boolean; checks: Record<string, CheckResult> };

export class Readiness {
  private readonly checks = new Map<string, Check>();
  private draining = false;

  add(name: string, check: Check): this {
    this.checks.set(name, check);
    return this;
  }

  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, CheckResult]> => {
        try {
          return [name, await check()];
        } catch (err) {
          return [name, { ok: false, detail: (err as Error).message }];
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ready: !this.draining && entries.every(([, r]) => r.ok), draining: this.draining, checks };
  }
}

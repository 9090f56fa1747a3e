import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '../runner/runner-commands.js';
import type { StepLocation } from '../workflow-locate.js';

/**
 * Error and warning annotations on this step's line in the workflow file, so the run's page points at the
 * step that failed. The line is looked up once, on the first annotation.
 */
export class StepAnnotations {
  private located: Promise<StepLocation | undefined> | undefined;

  constructor(private readonly env: Record<string, string | undefined>) {}

  /** `title` is what a user searches for: a cause id, `invalid-input`, or `llm-preflight`. */
  async error(message: string, title: string): Promise<void> {
    core.error(message, await this.properties(title));
  }

  async warning(message: string, title: string): Promise<void> {
    core.warning(message, await this.properties(title));
  }

  private async properties(title: string): Promise<core.AnnotationProperties> {
    const where = await (this.located ??= locateThisStep(this.env));
    return where ? { title, file: where.file, startLine: where.line } : { title };
  }
}

/**
 * Loaded on demand: only a warning or a failure needs the step's line, and the YAML parser it takes is a tenth
 * of the bundle, which a ready server's check (the common case) then never parses.
 */
async function locateThisStep(env: Record<string, string | undefined>): Promise<StepLocation | undefined> {
  let locate: typeof import('../workflow-locate.js');
  try {
    locate = await import('../workflow-locate.js');
  } catch {
    // Its chunk is missing from a hand-copied dist/: the annotation still names the cause, just without a line.
    return undefined;
  }
  const { locateStepLine, workflowFileFromRef } = locate;
  const file = workflowFileFromRef(env.GITHUB_WORKFLOW_REF, env.GITHUB_REPOSITORY);
  if (!file || !env.GITHUB_WORKSPACE) return undefined;
  let text: string;
  try {
    text = readFileSync(join(env.GITHUB_WORKSPACE, file), 'utf8');
  } catch {
    return undefined;
  }
  const line = locateStepLine(text, {
    job: env.GITHUB_JOB,
    action: env.GITHUB_ACTION,
    actionRepository: env.GITHUB_ACTION_REPOSITORY,
  });
  return line ? { file, line } : { file, line: 1 };
}

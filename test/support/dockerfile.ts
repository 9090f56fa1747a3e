import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { ROOT } from './action-runner.js';

export const DOCKERFILE_TEXT = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** One COPY line: what it takes from the build context, and where it puts it (relative to WORKDIR or absolute). */
export interface CopyStep {
  sources: string[];
  destination: string;
  workdir: string;
}

/** The Dockerfile's instructions that decide what the image holds and runs. */
export function dockerfileShape(): {
  from: string[];
  copies: CopyStep[];
  user: string | undefined;
  entrypoint: string[];
  labels: string[];
} {
  const dockerfile = DockerfileParser.parse(DOCKERFILE_TEXT);
  const shape = {
    from: [] as string[],
    copies: [] as CopyStep[],
    user: undefined as string | undefined,
    entrypoint: [] as string[],
    labels: [] as string[],
  };
  let workdir = '/';
  for (const instruction of dockerfile.getInstructions()) {
    const args = instruction.getArguments().map((a) => a.getValue());
    switch (instruction.getKeyword()) {
      case 'FROM':
        shape.from.push(args[0]!);
        break;
      case 'WORKDIR':
        workdir = args[0]!;
        break;
      case 'COPY':
      case 'ADD':
        shape.copies.push({ sources: args.slice(0, -1), destination: args.at(-1)!, workdir });
        break;
      case 'USER':
        shape.user = args[0];
        break;
      case 'ENTRYPOINT':
        shape.entrypoint = JSON.parse(instruction.getArgumentsContent() ?? '[]') as string[];
        break;
      case 'LABEL':
        shape.labels.push(...args.map((a) => a.split('=')[0]!));
        break;
    }
  }
  return shape;
}

/**
 * Whether this process runs inside a container, by the signs a container runtime leaves (the doctor's
 * `container` check says the same in words). In GitHub Actions that means a container job (`container:`).
 */
import { access, readFile } from 'node:fs/promises';

export interface ContainerSignFacts {
  dockerenv: boolean;
  containerenv: boolean;
  cgroup: string | undefined;
}

/** The signs seen, in words; empty when none is. */
export function containerSigns(facts: ContainerSignFacts): string[] {
  return [
    facts.dockerenv ? '/.dockerenv exists' : '',
    facts.containerenv ? '/run/.containerenv exists' : '',
    /\b(docker|containerd|kubepods|libpod|lxc)\b/.test(facts.cgroup ?? '')
      ? '/proc/1/cgroup names a container runtime'
      : '',
  ].filter((s) => s !== '');
}

/** Looks at this machine's signs; any file that cannot be read is no sign. */
export async function runsInContainer(): Promise<boolean> {
  const exists = (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );
  const [dockerenv, containerenv, cgroup] = await Promise.all([
    exists('/.dockerenv'),
    exists('/run/.containerenv'),
    readFile('/proc/1/cgroup', 'utf8').catch(() => undefined),
  ]);
  return containerSigns({ dockerenv, containerenv, cgroup }).length > 0;
}

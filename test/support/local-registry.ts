import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real npm registry (Verdaccio) on 127.0.0.1, and a user config that can publish to it. */
export interface LocalRegistry {
  url: string;
  /** An npmrc holding this registry and a publish token for it. */
  userConfig: string;
  close(): Promise<void>;
}

export type RegistryStart = { ok: true; registry: LocalRegistry } | { ok: false; reason: string };

const START_TIMEOUT_MS = 30_000;

/**
 * The environment for an npm command that must see only the given registry: npm_config_* from an enclosing
 * `npm run` (its registry, cache, user config) would otherwise win over the flags' defaults.
 */
export function isolatedNpmEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^npm_/i.test(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    USERPROFILE: home,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
  };
}

/** Starts Verdaccio with a temp storage and config; says why when it cannot start. */
export async function startLocalRegistry(): Promise<RegistryStart> {
  const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-registry-'));
  const script = join(import.meta.dirname, 'verdaccio-server.mjs');
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await listeningPort(child);
  if (typeof port === 'string') {
    child.kill('SIGKILL');
    return { ok: false, reason: port };
  }
  const url = `http://127.0.0.1:${port}/`;
  const close = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const token = await createUser(url);
    const userConfig = join(dir, 'npmrc');
    writeFileSync(userConfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    return { ok: true, registry: { url, userConfig, close } };
  } catch (error) {
    await close();
    return { ok: false, reason: `it started but refused a user: ${(error as Error).message}` };
  }
}

/** The port Verdaccio reports, or why it did not. */
function listeningPort(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => resolve(`no port within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^\{"port":(\d+)\}$/m.exec(stdout);
      if (!line) return;
      clearTimeout(timer);
      resolve(Number(line[1]));
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve(error.message));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(`it exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
    });
  });
}

/** What `npm adduser` does: PUT the user, get a token back. */
async function createUser(url: string): Promise<string> {
  const name = 'ci';
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'local-registry-only', type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(`${response.status} ${body.error ?? ''}`.trim());
  return body.token;
}

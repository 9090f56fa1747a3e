#!/usr/bin/env node
// Builds a real llama.cpp `llama-server` for the end-to-end tests, from source
// obtained through the npm registry (node-llama-cpp ships llama.cpp as a git
// bundle), so it works where only npm and apt are reachable.
//
//   node scripts/build-llama-server.js
//
// Result: ${LLM_PREFLIGHT_CACHE_DIR:-~/.cache/llm-preflight}/llama-server/<tag>/
//   llama-server, ggml-vocab-llama-spm.gguf, build-info.json

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, realpathSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { availableParallelism, homedir, hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Pinned: its bundled llama.cpp decides the server's flags, logs and endpoints.
export const NODE_LLAMA_CPP_VERSION = '3.22.1';
const VOCAB_FILE = 'ggml-vocab-llama-spm.gguf';
const BINARY_FILE = 'llama-server';

const LOCK_HEARTBEAT_MS = 20_000;
// A lock whose heartbeat is this old belongs to a process that died on
// another host or in another container, where its pid cannot be checked.
const LOCK_STALE_MS = 3 * 60_000;
const LOCK_POLL_MS = 2_000;
const LOCK_MAX_WAIT_MS = 60 * 60_000;

const REQUIRED_TOOLS = [
  // [command, Debian package]
  ['git', 'git'],
  ['tar', 'tar'],
  ['cmake', 'cmake'],
  ['make', 'make'],
  ['g++', 'g++'],
];

// Everything that could reach the network at build or run time is off: the
// web UI would be fetched from Hugging Face, HTTPS needs OpenSSL.
const CMAKE_FLAGS = [
  '-DCMAKE_BUILD_TYPE=Release',
  '-DBUILD_SHARED_LIBS=OFF',
  '-DGGML_NATIVE=OFF',
  '-DLLAMA_OPENSSL=OFF',
  '-DLLAMA_BUILD_UI=OFF',
  '-DLLAMA_USE_PREBUILT_UI=OFF',
  '-DLLAMA_BUILD_TESTS=OFF',
  '-DLLAMA_BUILD_EXAMPLES=OFF',
  '-DLLAMA_BUILD_APP=OFF',
  '-DLLAMA_BUILD_SERVER=ON',
  '-DLLAMA_BUILD_TOOLS=ON',
];

export function cacheRoot() {
  const base = process.env.LLM_PREFLIGHT_CACHE_DIR || path.join(homedir(), '.cache', 'llm-preflight');
  return path.join(base, 'llama-server');
}

/**
 * Returns the cached llama-server, building it first when absent.
 * @param {{ log?: (message: string) => void }} [options]
 * @returns {Promise<{ binary: string, vocabPath: string, tag: string }>}
 */
export async function ensureLlamaServer({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const root = cacheRoot();
  await fs.mkdir(root, { recursive: true });

  const cached = await findCached(root);
  if (cached) return cached;

  checkTools();
  const release = await acquireLock(path.join(root, `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}.lock`), log);
  try {
    // Another process may have finished while this one waited for the lock.
    const finished = await findCached(root);
    if (finished) return finished;
    await removeLeftovers(root);
    return await build(root, log);
  } finally {
    await release();
  }
}

// Failed or interrupted builds of this version leave their work directories
// behind for inspection; holding the lock means none of them is in use.
async function removeLeftovers(root) {
  const prefixes = [`.work-${NODE_LLAMA_CPP_VERSION}-`, `.staging-${NODE_LLAMA_CPP_VERSION}-`];
  for (const name of await fs.readdir(root)) {
    if (prefixes.some((prefix) => name.startsWith(prefix))) {
      await fs.rm(path.join(root, name), { recursive: true, force: true });
    }
  }
}

async function findCached(root) {
  const tag = await readFile(tagPointerPath(root));
  if (!tag) return undefined;
  const result = artifactPaths(root, tag.trim());
  return existsSync(result.binary) && existsSync(result.vocabPath) ? result : undefined;
}

// The tag is only known after downloading the package; remembering it per
// pinned version lets a cached run skip the download.
function tagPointerPath(root) {
  return path.join(root, `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}.tag`);
}

function artifactPaths(root, tag) {
  const dir = path.join(root, tag);
  return { binary: path.join(dir, BINARY_FILE), vocabPath: path.join(dir, VOCAB_FILE), tag };
}

function checkTools() {
  for (const [command, debianPackage] of REQUIRED_TOOLS) {
    const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
    if (probe.error) {
      throw new Error(
        `build-llama-server: \`${command}\` not found; install it (Debian/Ubuntu: apt-get install -y ${debianPackage})`,
      );
    }
  }
}

async function build(root, log) {
  const startedMs = Date.now();
  const work = await fs.mkdtemp(path.join(root, `.work-${NODE_LLAMA_CPP_VERSION}-`));
  const logFile = path.join(work, 'build.log');

  log(`llama-server: fetching node-llama-cpp@${NODE_LLAMA_CPP_VERSION} from npm`);
  await run(
    'npm',
    ['pack', `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`, '--pack-destination', work, '--silent'],
    {
      cwd: work,
      logFile,
    },
  );
  const tarball = (await fs.readdir(work)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`build-llama-server: npm pack produced no tarball in ${work}`);
  await run(
    'tar',
    ['-xzf', tarball, '--wildcards', 'package/llama/gitRelease.bundle', 'package/llama/*.json'],
    { cwd: work, logFile },
  );
  const llamaDir = path.join(work, 'package', 'llama');
  const bundle = path.join(llamaDir, 'gitRelease.bundle');
  const commit = (await capture('git', ['bundle', 'list-heads', bundle])).split(/\s+/)[0];
  const tag = sanitizeTag((await readReleaseTag(llamaDir)) ?? commit.slice(0, 12));
  await writeFileAtomic(tagPointerPath(root), `${tag}\n`);

  const target = artifactPaths(root, tag);
  if (existsSync(target.binary)) {
    await fs.rm(work, { recursive: true, force: true });
    return target;
  }

  const src = path.join(work, 'src');
  const buildDir = path.join(work, 'build');
  await run('git', ['clone', '--quiet', bundle, src], { cwd: work, logFile });
  await fs.rm(path.join(work, 'package'), { recursive: true, force: true });
  await fs.rm(path.join(work, tarball), { force: true });

  const jobs = Math.max(1, availableParallelism());
  log(`llama-server: building llama.cpp ${tag} (${commit.slice(0, 12)}) with ${jobs} jobs; log: ${logFile}`);
  await run('cmake', ['-S', src, '-B', buildDir, ...CMAKE_FLAGS], { cwd: work, logFile });
  await run('cmake', ['--build', buildDir, '--target', BINARY_FILE, '-j', String(jobs)], {
    cwd: work,
    logFile,
    onLine: progressReporter(log),
  });

  // Assemble beside the final directory and rename it in one step, so a
  // directory named after the tag always holds a complete build.
  const staging = await fs.mkdtemp(path.join(root, `.staging-${NODE_LLAMA_CPP_VERSION}-`));
  // mkdtemp creates 0700; the cache may be shared (e.g. a CI cache restored as another user).
  await fs.chmod(staging, 0o755);
  await fs.copyFile(path.join(buildDir, 'bin', BINARY_FILE), path.join(staging, BINARY_FILE));
  await fs.chmod(path.join(staging, BINARY_FILE), 0o755);
  await fs.copyFile(path.join(src, 'models', VOCAB_FILE), path.join(staging, VOCAB_FILE));
  // Also proves the binary runs here before it is published.
  const versionOutput = await capture(path.join(staging, BINARY_FILE), ['--version']);
  const version = /^version: (.*)$/m.exec(versionOutput)?.[1] ?? versionOutput;
  const buildSeconds = Math.round((Date.now() - startedMs) / 1000);
  const info = {
    tag,
    commit,
    nodeLlamaCppVersion: NODE_LLAMA_CPP_VERSION,
    cmakeFlags: CMAKE_FLAGS,
    version,
    buildSeconds,
  };
  await fs.writeFile(path.join(staging, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);

  try {
    await fs.rename(staging, path.dirname(target.binary));
  } catch (error) {
    if (error.code !== 'EEXIST' && error.code !== 'ENOTEMPTY') throw error;
    await fs.rm(staging, { recursive: true, force: true });
  }
  await fs.rm(work, { recursive: true, force: true });
  log(`llama-server: built in ${buildSeconds} s`);
  return target;
}

async function readReleaseTag(llamaDir) {
  // node-llama-cpp has used both files to record the llama.cpp release.
  const info = await readJson(path.join(llamaDir, 'llama.cpp.info.json'));
  if (typeof info?.tag === 'string' && info.tag) return info.tag;
  const release = await readJson(path.join(llamaDir, 'binariesGithubRelease.json'));
  if (typeof release?.release === 'string' && release.release && release.release !== 'latest')
    return release.release;
  return undefined;
}

function sanitizeTag(tag) {
  return tag.replace(/[^A-Za-z0-9._-]/g, '_');
}

function progressReporter(log) {
  let lastReportedPercent = -1;
  return (line) => {
    const match = /^\[\s*(\d+)%\]/.exec(line);
    if (!match) return;
    const percent = Number(match[1]);
    if (percent >= lastReportedPercent + 10) {
      lastReportedPercent = percent;
      log(`llama-server: build ${percent}%`);
    }
  };
}

function run(command, args, { cwd, logFile, onLine }) {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk) => {
      out.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
      if (onLine) for (const line of chunk.toString().split('\n')) onLine(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      out.end();
      reject(new Error(`build-llama-server: cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      out.end();
      if (code === 0) return resolve();
      const lastLines = tail.trimEnd().split('\n').slice(-25).join('\n');
      reject(
        new Error(
          `build-llama-server: \`${command} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`}); full log: ${logFile}\n${lastLines}`,
        ),
      );
    });
  });
}

async function capture(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      `build-llama-server: \`${command} ${args.join(' ')}\` failed: ${result.error?.message ?? result.stderr.trim()}`,
    );
  }
  return `${result.stdout}${result.stderr}`.trim();
}

async function acquireLock(lockDir, log) {
  const ownerFile = path.join(lockDir, 'owner.json');
  const deadlineMs = Date.now() + LOCK_MAX_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (await isStale(ownerFile)) {
      log(`llama-server: removing stale lock ${lockDir}`);
      // Renaming first means only one waiter removes a given stale lock.
      const doomed = `${lockDir}.stale-${process.pid}-${Date.now()}`;
      await fs.rename(lockDir, doomed).then(
        () => fs.rm(doomed, { recursive: true, force: true }),
        () => {},
      );
      continue;
    }
    if (Date.now() > deadlineMs) {
      throw new Error(
        `build-llama-server: gave up waiting for lock ${lockDir}; remove it if no build is running`,
      );
    }
    if (!announced) {
      log(`llama-server: another process is building it; waiting (lock: ${lockDir})`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }

  await fs.writeFile(
    ownerFile,
    JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
  );
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(ownerFile, now, now).catch(() => {});
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    await fs.rm(lockDir, { recursive: true, force: true });
  };
}

async function isStale(ownerFile) {
  let stat;
  let owner;
  try {
    stat = await fs.stat(ownerFile);
    owner = JSON.parse(await fs.readFile(ownerFile, 'utf8'));
  } catch {
    // The owner writes owner.json right after mkdir; give it that moment.
    const lockStat = await fs.stat(path.dirname(ownerFile)).catch(() => undefined);
    return lockStat !== undefined && Date.now() - lockStat.mtimeMs > LOCK_STALE_MS;
  }
  if (owner.host === hostname() && !isAlive(owner.pid)) return true;
  return Date.now() - stat.mtimeMs > LOCK_STALE_MS;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function readFile(file) {
  return fs.readFile(file, 'utf8').catch(() => undefined);
}

async function readJson(file) {
  const text = await readFile(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function writeFileAtomic(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}

function isMainModule() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  const startedMs = Date.now();
  try {
    const { binary, vocabPath, tag } = await ensureLlamaServer();
    const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
    process.stdout.write(`llama-server: ${binary}\nvocab: ${vocabPath}\ntag: ${tag}\nseconds: ${seconds}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

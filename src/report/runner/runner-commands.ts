import { randomUUID } from 'node:crypto';
import { accessSync, appendFileSync, constants, existsSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * The runner's workflow commands and file commands, as @actions/core 3 writes them (same escaping, same file
 * format, same fallbacks), for the few calls actions.ts makes. @actions/core itself imports its OIDC client at
 * load time, which brings @actions/http-client and a second copy of undici into the bundle: about a megabyte
 * of source parsed on every start, for ten one-line functions. test/unit/runner-commands.test.ts checks that
 * each call writes what @actions/core writes.
 */

/** Where an annotation points (field names as in @actions/core). */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

// The runner unescapes %25, %0D, %0A in a message, and %3A, %2C as well in a property (actions/runner
// ActionCommand.cs), so those characters cannot end or split a command.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function issueCommand(
  command: string,
  properties: Record<string, string | number | undefined>,
  message: string,
): void {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '' && value !== 0)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ' ' + props : ''}::${escapeData(message)}${EOL}`);
}

function annotation(properties: AnnotationProperties): Record<string, string | number | undefined> {
  return {
    title: properties.title,
    file: properties.file,
    line: properties.startLine,
    endLine: properties.endLine,
    col: properties.startColumn,
    endColumn: properties.endColumn,
  };
}

/**
 * name<<DELIMITER / value / DELIMITER, appended to the file named by GITHUB_<command>. The delimiter is random
 * per value, so a value cannot end its own block early and forge another output.
 */
function issueFileCommand(command: 'OUTPUT' | 'STATE' | 'ENV', name: string, value: string): boolean {
  const path = process.env[`GITHUB_${command}`];
  if (!path) return false;
  if (!existsSync(path)) throw new Error(`Missing file at path: ${path}`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter))
    throw new Error(`Unexpected input: the value of ${name} contains the delimiter "${delimiter}"`);
  appendFileSync(path, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' });
  return true;
}

export function setOutput(name: string, value: string): void {
  if (issueFileCommand('OUTPUT', name, value)) return;
  // No GITHUB_OUTPUT (an old runner): the deprecated stdout command, on a line of its own.
  process.stdout.write(EOL);
  issueCommand('set-output', { name }, value);
}

export function saveState(name: string, value: string): void {
  if (!issueFileCommand('STATE', name, value)) issueCommand('save-state', { name }, value);
}

export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  if (!issueFileCommand('ENV', name, value)) issueCommand('set-env', { name }, value);
}

/** What the main step saved with saveState; the runner hands it to the post step as STATE_<name>. */
export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

export function setSecret(secret: string): void {
  issueCommand('add-mask', {}, secret);
}

export function info(message: string): void {
  process.stdout.write(message + EOL);
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function warning(message: string, properties: AnnotationProperties = {}): void {
  issueCommand('warning', annotation(properties), message);
}

export function error(message: string, properties: AnnotationProperties = {}): void {
  issueCommand('error', annotation(properties), message);
}

export function startGroup(name: string): void {
  issueCommand('group', {}, name);
}

export function endGroup(): void {
  issueCommand('endgroup', {}, '');
}

export interface Summary {
  addRaw(text: string): Summary;
  write(): Promise<Summary>;
}

let summaryBuffer = '';

/** The job summary: text is collected, then appended to GITHUB_STEP_SUMMARY in one write. */
export const summary: Summary = {
  addRaw(text) {
    summaryBuffer += text;
    return summary;
  },
  async write() {
    const path = process.env.GITHUB_STEP_SUMMARY;
    if (!path)
      throw new Error(
        'Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.',
      );
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
    } catch {
      throw new Error(
        `Unable to access summary file: '${path}'. Check if the file has correct read/write permissions.`,
      );
    }
    appendFileSync(path, summaryBuffer, { encoding: 'utf8' });
    summaryBuffer = '';
    return summary;
  },
};

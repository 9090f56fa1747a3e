// Types for scripts/dist-hash.js, so the dist tests' setup type-checks against the plain-JS build step.

export const DIST_HASH_FILE: string;
export function buildInputsHash(root?: string): string;
export function readRecordedHash(root?: string): string | undefined;
export function writeRecordedHash(root?: string): void;

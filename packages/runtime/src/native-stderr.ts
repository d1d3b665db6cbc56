import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface CapturedStderr<T> {
  result: T;
  /**
   * What native code wrote to file descriptor 2 during `fn`, or null when nothing could be
   * captured here (then it went to stderr as usual): not Linux, fd 0–2 not all open, stderr
   * not a terminal or a pipe (a regular file keeps its offset, shared with stdout after `2>&1`,
   * so it is never swapped), or fd 2 not the free descriptor we get back.
   */
  captured: string | null;
}

/**
 * Runs `fn` synchronously with file descriptor 2 pointing at a temporary file, then puts stderr
 * back and returns what was written. For native libraries that print with fprintf(stderr)
 * (Dawn's start-up warnings), which JavaScript cannot otherwise intercept: fd 2 is closed and a
 * temporary file opened in its place (POSIX gives the lowest free descriptor), and afterwards
 * the original stderr is reopened through /proc/self/fd. No JavaScript runs in between, so
 * Node's own stderr writes are not affected; only another thread opening a file during `fn`
 * could take the descriptor, which is detected (the capture is then undone or abandoned with
 * stderr restored as well as possible). Linux only; elsewhere `fn` runs uncaptured.
 */
export function captureNativeStderr<T>(fn: () => T): CapturedStderr<T> {
  if (process.platform !== 'linux' || !isOpen(0) || !isOpen(1) || !isPipeOrTerminal(2)) {
    return { result: fn(), captured: null };
  }
  let saved: number;
  try {
    saved = fs.openSync('/proc/self/fd/2', 'a');
  } catch {
    return { result: fn(), captured: null };
  }
  const file = path.join(os.tmpdir(), `cihmlc-stderr-${process.pid}-${Date.now()}.txt`);
  let temp = -1;
  try {
    fs.closeSync(2);
    temp = fs.openSync(file, 'w+', 0o600);
  } catch {
    // fall through: restored below
  }
  if (temp !== 2) {
    if (temp >= 0) fs.closeSync(temp);
    restore(saved);
    fs.rmSync(file, { force: true });
    return { result: fn(), captured: null };
  }
  let result: T;
  try {
    result = fn();
  } catch (error) {
    fs.closeSync(2);
    restore(saved);
    // What was printed may explain the error: pass it on to stderr.
    process.stderr.write(fs.readFileSync(file, 'utf8'));
    fs.rmSync(file, { force: true });
    throw error;
  }
  fs.closeSync(2);
  restore(saved);
  const captured = fs.readFileSync(file, 'utf8');
  fs.rmSync(file, { force: true });
  return { result, captured };
}

function isPipeOrTerminal(fd: number): boolean {
  try {
    const stat = fs.fstatSync(fd);
    return stat.isFIFO() || stat.isCharacterDevice();
  } catch {
    return false;
  }
}

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** Reopens the saved stderr as fd 2 (the lowest free descriptor) and closes the copy. */
function restore(saved: number): void {
  const fd = fs.openSync(`/proc/self/fd/${saved}`, 'a');
  fs.closeSync(saved);
  if (fd !== 2) {
    // Another thread took fd 2 in between: leave our copy open so that nothing is lost, and say so.
    fs.writeSync(fd, 'captureNativeStderr: could not restore stderr as descriptor 2\n');
  }
}

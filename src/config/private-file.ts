import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write `text` to `file` so that no other user can ever read it: a new file next to it is
 * created with mode 0600 (O_EXCL, so never through an existing file or symlink), written, and
 * renamed into place. The rename replaces `file` itself; a symlink at `file` is replaced, not
 * followed. Throws the fs error (callers wrap it in their ConcordError).
 */
export function writePrivateFile(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

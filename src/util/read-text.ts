/** Reading a whole text file with one-line errors that name it: missing, a folder, or unreadable. */
import { readFileSync } from 'node:fs';
import { EnergyLensError, type ErrorCode } from '../errors.js';

/**
 * The text of `path` (a leading byte-order mark removed). `what` names the expected file in messages ("model
 * file", "structure file"); a folder is refused with `folderCode` (the caller's invalid-input code), a missing or
 * unreadable file with FILE_NOT_FOUND.
 */
export function readTextFile(path: string, what: string, folderCode: ErrorCode = 'FILE_NOT_FOUND'): string {
  try {
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EISDIR') throw new EnergyLensError(folderCode, `${path} is a folder; expected a ${what}`);
    throw new EnergyLensError('FILE_NOT_FOUND', code === 'ENOENT' ? `${path}: no such ${what}` : `${path}: cannot read the ${what} (${(err as Error).message})`);
  }
}

/** `text` parsed as JSON; text that is not JSON is `code` naming `file` and the parser's reason. */
export function parseJsonText(text: string, file: string, code: ErrorCode): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // the parser's message may quote the text, line breaks included: one line for the one-line error
    throw new EnergyLensError(code, `${file}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ').trim()})`);
  }
}

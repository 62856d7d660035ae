// Text the CLI prints may carry what others wrote: exception owners and reasons, control titles, account names from
// the accounts file or AWS Organizations, trail names, AWS error messages. None of it may drive the terminal (move the
// cursor, clear the screen, set the window title, reorder text), so every character that could is shown as a \uXXXX
// escape, as JSON writes it (README, "The CLI"): ESC becomes the six characters \u001b.
//
// Escaped: C0 controls (U+0000–U+001F), DEL (U+007F), C1 controls (U+0080–U+009F), the bidirectional controls
// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029).
// Text of many lines keeps its newlines and tabs; a value inside a line keeps nothing, so it cannot start a line that
// looks like the CLI's own.

// eslint-disable-next-line no-control-regex
const IN_VALUE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const unicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Lines of text for a terminal: every control character escaped but newline and tab. JSON text comes out as the same
 * JSON (the escapes are JSON's own, and JSON has no raw newline or tab inside a string), so machine formats go through
 * it too.
 */
export function terminalText(text: string): string {
  return text.replace(IN_TEXT, unicodeEscape);
}

/** One value inside a line of text (a name, an owner, a message): every control character escaped, newline and tab too. */
export function terminalValue(value: string): string {
  return value.replace(IN_VALUE, unicodeEscape);
}

/** Writes text meant for stdout: results, tables, verdicts, JSON. */
export function printOut(text: string): void {
  process.stdout.write(terminalText(text));
}

/** Writes text meant for stderr: messages, warnings, errors, help. */
export function printErr(text: string): void {
  process.stderr.write(terminalText(text));
}
